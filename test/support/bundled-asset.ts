import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { IConstruct } from 'constructs';
import { addPredictStack } from '../../infra/predict-app';
import type { PredictSettings } from '../../infra/settings';
import type { PredictStack } from '../../infra/stack';
import { createTestApp, idOf } from './cdk-app';

/** One function of the synthesized stack, as Lambda would receive it. */
export interface SynthesizedFunction {
  /** the staged asset directory (what CDK zips and uploads) */
  assetDir: string;
  handler: string;
  memoryMb: number;
  /** its Runtime property, e.g. nodejs22.x */
  runtime: string;
  /** its Environment.Variables, with every Ref/Fn::Join resolved to a local name */
  environment: Record<string, string>;
}

export interface BundledStack {
  stack: PredictStack;
  predict: SynthesizedFunction;
  batch: SynthesizedFunction;
  monitor: SynthesizedFunction;
  /** the canary's PreTraffic hook (infra/pretraffic-hook.ts), its PRETRAFFIC_TARGET the local `predictVersionArn` */
  preTraffic: SynthesizedFunction;
  /** the function runtime the template names (nodejs22.x) */
  runtime: string;
  /** milliseconds the synth (bundling included) took */
  synthMs: number;
  cleanup(): void;
}

/** Local stand-ins for the stack's resources, by role: bucket names and stream names. */
export interface LocalResources {
  modelBucket: string;
  dataBucket: string;
  predictionsStream: string;
  /** the capture delivery stream's name (CAPTURE_LOCATION=firehose://<it>); tests usually override CAPTURE_LOCATION */
  captureStream?: string;
  /** the published predict version's qualified ARN (what the PreTraffic hook is told to check) */
  predictVersionArn?: string;
}

/** The Lambda architecture this machine can run. */
export function hostArchitecture(): PredictSettings['architecture'] {
  return process.arch === 'arm64' ? 'arm64' : 'x86_64';
}

/**
 * Synthesizes the stack exactly as `cdk synth` does, real esbuild bundling included, into a temp
 * outdir, and hands back each function's asset and environment.
 */
export function synthesizeBundled(local: LocalResources, architecture = hostArchitecture()): BundledStack {
  const testApp = createTestApp({ bundling: true, context: { architecture } });
  const started = performance.now();
  const stack = addPredictStack(testApp.app);
  const assembly = testApp.app.synth();
  const synthMs = performance.now() - started;
  const template = assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, CfnResourceJson> };
  const refs: Record<string, string> = {
    [idOf(stack.buckets.model)]: local.modelBucket,
    [idOf(stack.buckets.data)]: local.dataBucket,
    [idOf(stack.streams.output)]: local.predictionsStream,
    [idOf(stack.monitoring.deliveryStream)]: local.captureStream ?? 'ride_capture',
  };
  // The published version's logical id is a hash CDK sets at synthesis: found in the template.
  for (const [id, resource] of Object.entries(template.Resources)) {
    if ((resource as { Type?: string }).Type === 'AWS::Lambda::Version')
      refs[id] = local.predictVersionArn ?? 'arn:aws:lambda:us-east-1:000000000000:function:predict:1';
  }
  const describe = (fn: IConstruct): SynthesizedFunction => {
    const resource = template.Resources[idOf(fn)];
    if (!resource) throw new Error(`no resource for ${fn.node.path}`);
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (typeof assetPath !== 'string') throw new Error(`${fn.node.path} has no aws:asset:path metadata`);
    const variables = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    return {
      assetDir: join(testApp.outdir, assetPath),
      handler: resource.Properties.Handler as string,
      memoryMb: resource.Properties.MemorySize as number,
      runtime: resource.Properties.Runtime as string,
      environment: Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, resolveLocally(value, refs, name)])),
    };
  };
  const predict = describe(stack.predict.function);
  return {
    stack,
    predict,
    batch: describe(stack.batch.function),
    monitor: describe(stack.monitoring.monitor.function),
    preTraffic: describe(stack.rollout.preTrafficHook.function),
    runtime: predict.runtime,
    synthMs,
    cleanup: testApp.cleanup,
  };
}

interface CfnResourceJson {
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

/**
 * A template value as CloudFormation would resolve it, with `refs` standing in for resources.
 * Anything else (a GetAtt, an import) throws: the test must then say what it stands for.
 */
function resolveLocally(value: unknown, refs: Record<string, string>, name: string): string {
  if (typeof value === 'string') return value;
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string' && object.Ref in refs) return refs[object.Ref] as string;
  const join = object['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map((part) => resolveLocally(part, refs, name)).join(join[0]);
  throw new Error(`environment variable ${name}: no local value for ${JSON.stringify(value)}`);
}

/** Every file under `dir`, relative to it, with its size. */
export function listFiles(dir: string): Array<{ path: string; bytes: number }> {
  const files: Array<{ path: string; bytes: number }> = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push({ path: relative(dir, full), bytes: statSync(full).size });
    }
  };
  walk(dir);
  return files;
}
