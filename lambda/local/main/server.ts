/**
 * `npm start`: the web service on HOST:PORT (lambda/local/server.ts). An entry of the build
 * recipe (infra/bundling.ts): `node .build/local/server.mjs` runs it; cluster workers are forked
 * from this same file.
 */
import { runProgram } from '../cli';
import { SERVER_USAGE, main } from '../server';

void runProgram({ command: 'npm start', usage: SERVER_USAGE, main });
