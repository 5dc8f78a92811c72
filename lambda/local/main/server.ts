/**
 * `npm start`: the web service on HOST:PORT (lambda/local/server.ts). An entry of the build
 * recipe (infra/bundling.ts): `node .build/local/server.mjs` runs it; cluster workers are forked
 * from this same file.
 */
import { main } from '../server';

void main();
