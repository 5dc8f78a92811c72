/**
 * `npm run stream`: a local Kinesis and the stream handler polling it (lambda/local/stream-runner.ts).
 * An entry of the build recipe (infra/bundling.ts): `node .build/local/stream.mjs` runs it.
 */
import { main } from '../stream-runner';

main().catch((error: unknown) => {
  console.error(`stream runner failed: ${(error as Error).message}`);
  process.exit(1);
});
