/**
 * `npm run monitor -- --reference R --current C [--out DIR]` (lambda/local/monitor-cli.ts). An
 * entry of the build recipe (infra/bundling.ts): `node .build/local/monitor.mjs [args]` runs it.
 */
import { runMonitorCli } from '../monitor-cli';

void runMonitorCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
  process.exitCode = code;
});
