import { join } from 'node:path';
import { LOCAL_OUTDIR, buildLocalPrograms } from '../infra/bundling';

/**
 * A local program as users run it: the build recipe's bundle (infra/bundling.ts), freshly built
 * into .build/local — what `npm start` and `npm run batch` run, not tsx's on-the-fly transform.
 * The onnxruntime addon stays external and resolves from the repository's node_modules.
 */
export function localProgram(name: 'server' | 'batch'): string {
  buildLocalPrograms();
  return join(LOCAL_OUTDIR, `${name}.mjs`);
}
