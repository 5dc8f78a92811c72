/**
 * `npm run stream`: a local Kinesis and the stream handler polling it (lambda/local/stream-runner.ts).
 * An entry of the build recipe (infra/bundling.ts): `node .build/local/stream.mjs` runs it.
 */
import { runProgram } from '../cli';
import { STREAM_USAGE, main } from '../stream-runner';

void runProgram({ command: 'npm run stream', usage: STREAM_USAGE, main });
