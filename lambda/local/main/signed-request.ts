/**
 * `npm run signed-request -- <ApiUrl>predict [json]`: a SigV4-signed request to the deployed API
 * (lambda/local/signed-request.ts). An entry of the build recipe (infra/bundling.ts).
 */
import { runProgram } from '../cli';
import { SIGNED_REQUEST_USAGE, main } from '../signed-request';

void runProgram({ command: 'npm run signed-request', usage: SIGNED_REQUEST_USAGE, main });
