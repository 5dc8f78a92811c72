/**
 * `npm run batch -- <input> <output>`: scores a trip file (lambda/local/batch-cli.ts). An entry of
 * the build recipe (infra/bundling.ts): `node .build/local/batch.mjs [args]` runs it.
 */
import { runBatchCli } from '../batch-cli';
import { StagingRegistry } from '../../batch/staging-registry';

const staging = new StagingRegistry();
// An interrupted run removes its staging file before exiting (128 + the signal's number, as shells report it).
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    const removed = staging.removeAllSync();
    process.stderr.write(`\nbatch interrupted by ${signal}${removed > 0 ? '; removed the unfinished output' : ''}\n`);
    process.exit(code);
  });
}
void runBatchCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr, staging }).then((code) => {
  process.exitCode = code;
});
