/**
 * `npm run stream:demo`: puts rides on the local stream and prints their predictions
 * (lambda/local/stream-demo.ts). An entry of the build recipe (infra/bundling.ts).
 */
import { main } from '../stream-demo';

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
