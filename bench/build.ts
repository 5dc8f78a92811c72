import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles `lambda/local/server.ts` into one CommonJS file with esbuild, the way the Lambda
 * asset is built: what the benchmark runs is compiled JavaScript, not tsx's on-the-fly
 * transform (which adds ~0.5 s to start-up and nothing after). The onnxruntime addon stays
 * external and resolves from the repository's node_modules (see `bundleEnv`), wherever the
 * bundle is written.
 */
export async function bundleServer(root: string, workDir: string): Promise<string> {
  const outfile = join(workDir, 'server.js');
  await build({
    entryPoints: [join(root, 'lambda', 'local', 'server.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['onnxruntime-node'],
    logLevel: 'warning',
  });
  return outfile;
}

/** Environment for running the bundle: NODE_PATH finds onnxruntime-node from any directory. */
export function bundleEnv(root: string): NodeJS.ProcessEnv {
  return { NODE_PATH: join(root, 'node_modules') };
}
