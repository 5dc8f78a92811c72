import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ASSET_STAGING, LAMBDA_ENTRIES, PROJECT_ROOT, WORKER_ENTRIES, bundleOptions } from '../../infra/bundling';
import type { SynthesizedFunction } from './bundled-asset';
import { lambdaNodeBinary } from './lambda-node';
import { startLambdaProcess, type LambdaProcess, type ShutdownOutcome } from './lambda-process';
import { startRuntimeApi, type InvocationResult, type LocalRuntimeApi } from './lambda-runtime-api';

/** One function of the synthesized stack running as Lambda runs it, on loopback. */
export interface AssetFunction {
  /**
   * Invokes it and resolves once the invocation's Invoke phase has ended (the runtime and every
   * extension asked for the next event: where Lambda would freeze it); a failed invocation's
   * error carries the function's own output.
   */
  invoke(event: unknown): Promise<InvocationResult>;
  /** the Runtime API it runs against, for a test that looks between the reply and the phase's end */
  readonly api: LocalRuntimeApi;
  readonly process: LambdaProcess;
  output(): string;
  /** Ends it as Lambda ends an environment (SIGTERM and its limit when an extension is registered, else SIGKILL). */
  shutDown(limitMs?: number): Promise<ShutdownOutcome>;
  stop(): Promise<void>;
}

/**
 * Starts a synthesized function's asset under the real runtime client (aws-lambda-ric), on the
 * Node major Lambda runs (node-linux-<arch>), against a Runtime API on loopback, with the
 * template's environment plus `environment` (local endpoints). Every ES module the process loads
 * is recorded in `traceFile` (see {@link chunksNeverLoaded}).
 */
export async function startAssetFunction(fn: SynthesizedFunction, environment: Record<string, string>, traceFile: string): Promise<AssetFunction> {
  const api = await startRuntimeApi();
  const lambda = startLambdaProcess({
    assetDir: fn.assetDir,
    handler: fn.handler,
    runtimeApi: api.address,
    memoryMb: fn.memoryMb,
    environment: { ...fn.environment, ...environment },
    nodeBinary: lambdaNodeBinary(),
    moduleTraceFile: traceFile,
  });
  return {
    invoke: async (event) => {
      try {
        const result = await api.invoke(event);
        await api.finished(result.requestId);
        return result;
      } catch (error) {
        throw new Error(`${(error as Error).message}\n--- function output ---\n${lambda.output()}`, { cause: error });
      }
    },
    api,
    process: lambda,
    output: () => lambda.output(),
    shutDown: (limitMs) => {
      const plan = api.shutdownPlan();
      return lambda.shutDown(plan.signal === 'SIGTERM' && limitMs !== undefined ? { ...plan, limitMs } : plan);
    },
    stop: async () => {
      await lambda.stop();
      await api.close();
    },
  };
}

/** The asset's own ES modules: its entries (index.mjs, pretraffic.mjs) and every chunk, relative to the asset directory. */
export function assetModules(assetDir: string): string[] {
  const entries = readdirSync(assetDir).filter((name) => name.endsWith('.mjs'));
  return [
    ...entries,
    ...readdirSync(join(assetDir, 'chunks'))
      .filter((name) => name.endsWith('.mjs'))
      .map((name) => join('chunks', name)),
  ];
}

/** The modules of `expected` (default: all the asset's) that no traced process loaded. */
export function chunksNeverLoaded(assetDir: string, traceFiles: readonly string[], expected: readonly string[] = assetModules(assetDir)): string[] {
  const loaded = new Set<string>();
  for (const file of traceFiles.filter((path) => existsSync(path))) {
    for (const url of readFileSync(file, 'utf8').split('\n').filter(Boolean)) loaded.add(relative(assetDir, fileURLToPath(url)));
  }
  return expected.filter((module) => !loaded.has(module));
}

/**
 * Chunks a dependency imports lazily for situations a Lambda function never meets, each with the
 * reason; any other chunk that no run loads fails the artifact test.
 */
export const DEPENDENCY_LAZY_CHUNKS: ReadonlyArray<{ entry: RegExp; why: string }> = [
  {
    entry: /node_modules\/@aws-sdk\/(credential-provider-(sso|ini|process|web-identity|login|env|http)|nested-clients|token-providers)\//,
    why: "the SDK default chain's other credential sources (SSO, profiles, STS, web identity); Lambda puts the role's credentials in the environment, the chain's first source",
  },
  {
    entry: /node_modules\/@smithy\/credential-provider-imds\//,
    why: 'EC2/ECS instance-metadata credentials, likewise never reached with credentials in the environment',
  },
  { entry: /node_modules\/bowser\//, why: "the SDK core's browser user-agent parser, used in browsers only" },
  {
    entry: /node_modules\/@smithy\/core\/dist-es\/submodules\/event-streams\//,
    why: 'event-stream protocols (SubscribeToShard and the like), which no call of ours makes',
  },
];

/** What the artifact tests must load of the asset, from the recipe's own build graph. */
export interface AssetChunkPlan {
  /** index.mjs, every chunk a project module import()s, and what they import statically */
  required: string[];
  /** chunks only a dependency's own import() reaches, by the module that starts each */
  dependencyLazy: Array<{ chunk: string; entry: string }>;
  /** every ES module the build writes (the same names as a synthesized asset's) */
  all: string[];
}

/**
 * Builds the Lambda asset in memory exactly as the recipe does (same options, same staging
 * depth, so the same chunk names) and sorts its chunks: what our code can load, and what only a
 * dependency's lazy import() reaches.
 */
export function assetChunkPlan(): Promise<AssetChunkPlan> {
  plan ??= buildChunkPlan();
  return plan;
}

let plan: Promise<AssetChunkPlan> | undefined;

async function buildChunkPlan(): Promise<AssetChunkPlan> {
  const outdir = `${ASSET_STAGING}-plan`;
  // The recipe builds the worker entries (onnx-worker.mjs) beside every bundle: the same entries give the same chunks.
  const entries = { ...LAMBDA_ENTRIES, ...WORKER_ENTRIES };
  const { metafile } = await build({ ...bundleOptions(entries, outdir), write: false, metafile: true, logLevel: 'silent' });
  const prefix = `${relative(PROJECT_ROOT, outdir)}/`;
  const outputs = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const chunkOf = new Map(outputs.flatMap(([path, output]) => (output.entryPoint ? [[output.entryPoint, path] as const] : [])));
  const isProject = (input: string) => !input.startsWith('node_modules/');
  const roots = new Set(Object.values(entries).map((entry) => chunkOf.get(entry) as string));
  for (const [importer, input] of Object.entries(metafile.inputs)) {
    if (!isProject(importer)) continue;
    for (const edge of input.imports) if (edge.kind === 'dynamic-import' && chunkOf.has(edge.path)) roots.add(chunkOf.get(edge.path) as string);
  }
  const required = new Set<string>();
  const visit = (path: string): void => {
    if (required.has(path)) return;
    required.add(path);
    for (const edge of metafile.outputs[path]?.imports ?? []) if (edge.kind === 'import-statement' && !edge.external) visit(edge.path);
  };
  roots.forEach(visit);
  const dependencyLazy = outputs
    .filter(([path, output]) => !required.has(path) && output.entryPoint)
    .map(([path, output]) => ({ chunk: path.slice(prefix.length), entry: output.entryPoint as string }));
  return { required: [...required].map((path) => path.slice(prefix.length)), dependencyLazy, all: outputs.map(([path]) => path.slice(prefix.length)) };
}
