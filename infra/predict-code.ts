import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ROOT, bundlePredictAsset, type Architecture } from './bundling';
import { COMPILE_CACHE_DIR } from './compile-cache';

/**
 * The function's code: the build recipe's Lambda asset ({@link bundlePredictAsset}) built
 * locally at synth (no Docker), hashed by its output. CDK's NodejsFunction cannot split code (it
 * passes esbuild one --outfile), so the asset is built here; the image is only CDK's required
 * fallback and is never pulled, because local bundling always succeeds or throws.
 *
 * The hash leaves out the V8 code cache the asset ships (infra/compile-cache.ts): V8 seeds its
 * string hashes per process, so the cache's bytes differ from one build to the next for the same
 * code. It is a function of the code it caches, which the hash covers; without this every synth
 * would upload a new asset and publish a new function version for the same code.
 */
export const ASSET_HASH_EXCLUDE: readonly string[] = [COMPILE_CACHE_DIR];

export function predictCode(architecture: Architecture): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    exclude: [...ASSET_HASH_EXCLUDE],
    bundling: {
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      local: {
        tryBundle(outputDir: string): boolean {
          bundlePredictAsset(outputDir, architecture);
          return true;
        },
      },
    },
  });
}
