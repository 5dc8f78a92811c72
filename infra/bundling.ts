import type { ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogLevel, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { PredictSettings } from './settings';

/** Node's name (process.arch) for a Lambda architecture: the onnxruntime binary directory. */
export function nodeArch(architecture: PredictSettings['architecture']): 'x64' | 'arm64' {
  return architecture === 'arm64' ? 'arm64' : 'x64';
}

/**
 * What of onnxruntime-node the function needs at run time, relative to node_modules: its
 * JavaScript, the one native binary for the target platform, and onnxruntime-common (which
 * its dist requires). The npm package holds ~290 MB of binaries for every platform; Lambda
 * allows 250 MB unzipped, so copying the package whole would not even deploy.
 */
export function onnxRuntimeFiles(architecture: PredictSettings['architecture']): string[] {
  return [
    'onnxruntime-node/package.json',
    'onnxruntime-node/dist',
    `onnxruntime-node/bin/napi-v6/linux/${nodeArch(architecture)}`,
    'onnxruntime-common/package.json',
    'onnxruntime-common/dist/cjs',
  ];
}

/** Shell commands that copy {@link onnxRuntimeFiles} from the project into the bundle. */
export function copyOnnxRuntimeCommands(inputDir: string, outputDir: string, architecture: PredictSettings['architecture']): string[] {
  return onnxRuntimeFiles(architecture).map((file) => {
    const from = `${inputDir}/node_modules/${file}`;
    const to = `${outputDir}/node_modules/${file}`;
    // -L: node_modules may be a symlink (worktrees); the bundle must hold real files.
    return `mkdir -p "$(dirname "${to}")" && cp -RL "${from}" "${to}"`;
  });
}

/**
 * esbuild settings for the one Lambda asset: local esbuild (no Docker), the AWS SDK bundled at
 * the version the tests ran (not the runtime's), onnxruntime-node kept external and copied in
 * by hand after bundling.
 */
export function predictBundling(architecture: PredictSettings['architecture']): BundlingOptions {
  const hooks: ICommandHooks = {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => copyOnnxRuntimeCommands(inputDir, outputDir, architecture),
  };
  return {
    format: OutputFormat.CJS,
    target: 'node22',
    minify: true,
    logLevel: LogLevel.WARNING,
    sourceMap: true,
    sourcesContent: false,
    externalModules: ['onnxruntime-node'],
    // The packages' ES builds: esbuild tree-shakes them (the S3 client keeps the commands it
    // uses, not all ~100 with their schemas), which cuts what a cold start compiles and evaluates.
    mainFields: ['module', 'main'],
    bundleAwsSDK: true,
    forceDockerBundling: false,
    commandHooks: hooks,
  };
}
