/**
 * `npm run batch -- <input> <output>`: scores a trip file (lambda/local/batch-cli.ts). An entry of
 * the build recipe (infra/bundling.ts): `node .build/local/batch.mjs [args]` runs it.
 */
import { runBatchCli } from '../batch-cli';
import { runInterruptible } from '../../protocols/batch/output/interrupt';

// A stop signal (SIGINT, SIGTERM, SIGHUP) at any moment removes the run's staging file and ends
// the process with one line on stderr, as killed by that signal (lambda/protocols/batch/output/interrupt.ts).
void runInterruptible(() => runBatchCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr })).then((code) => {
  process.exitCode = code;
});
