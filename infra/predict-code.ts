import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { PROJECT_ROOT, bundlePredictAsset, type Architecture } from './bundling';

/**
 * The function's code: the build recipe's Lambda asset ({@link bundlePredictAsset}) built
 * locally at synth (no Docker), hashed by its output. CDK's NodejsFunction cannot split code (it
 * passes esbuild one --outfile), so the asset is built here; the image is only CDK's required
 * fallback and is never pulled, because local bundling always succeeds or throws.
 */
export function predictCode(architecture: Architecture): Code {
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
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
