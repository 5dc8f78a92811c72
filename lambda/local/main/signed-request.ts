/**
 * `npm run signed-request -- <ApiUrl>predict [json]`: a SigV4-signed request to the deployed API
 * (lambda/local/signed-request.ts). An entry of the build recipe (infra/bundling.ts).
 */
import { main } from '../signed-request';

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
