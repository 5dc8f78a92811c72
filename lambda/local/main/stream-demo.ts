/**
 * `npm run stream:demo`: puts rides on the local stream and prints their predictions
 * (lambda/local/stream-demo.ts). An entry of the build recipe (infra/bundling.ts).
 */
import { runProgram } from '../cli';
import { STREAM_DEMO_USAGE, main } from '../stream-demo';

void runProgram({ command: 'npm run stream:demo', usage: STREAM_DEMO_USAGE, main });
