import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_ENTRIES, LOCAL_ENTRIES, bundleOptions } from '../../infra/bundling';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * Cold start is mostly module compilation and evaluation, so what the web path loads is a
 * structural property, checked here rather than hoped for: other event kinds' code (Kinesis,
 * batch, parquet, monitoring, capture delivery) must stay behind lambda/handler.ts's lazy
 * adapters, and the bundle must not carry what nobody calls.
 */

/** zod's locales other than English (its default): pulled in whole by `import { z } from 'zod'`. */
const ZOD_LOCALES = /zod[\\/]v4[\\/]locales[\\/](?!en\.js|index\.js)/;

/** Capture's Firehose client: loaded at init when CAPTURE_LOCATION names a stream (the deployed function's case), so it is in the asset's entry. */
const CAPTURE_DELIVERY = /@aws-sdk[\\/]client-firehose/;

/** Modules a process answering HTTP must not evaluate (each belongs to another event kind or an option). */
const NOT_ON_THE_WEB_PATH = [
  /@aws-sdk[\\/]client-kinesis/,
  CAPTURE_DELIVERY,
  /hyparquet/,
  /[\\/]vega/,
  /onnx-proto|protobufjs/,
  // config.ts reads the taxi types (batch/trip-chunk, batch/errors): a few lines, allowed.
  /lambda[\\/]protocols[\\/]batch[\\/](?!trip-files[\\/]trip-chunk|errors|source\.ts)/,
  /lambda[\\/]monitoring[\\/]/,
  // The event router reads each protocol's source.ts (and monitor-event.ts): a few lines each, to route by shape.
  /lambda[\\/]protocols[\\/](kinesis|batch|monitor)[\\/](?!monitor-event|source\.ts)/,
  // The other HTTP protocols' codecs (OIP v2, MLflow/SageMaker) and the API reference page: chunks read on their first request.
  /lambda[\\/]protocols[\\/]http[\\/](oip-v2|mlflow|docs)[\\/]/,
  /swagger-ui-dist/,
];

/** Starts lambda/handler.ts in a fresh node (as a Lambda container would), answers one API Gateway POST /predict, lists the modules it loaded. */
async function modulesLoadedByOneHttpRequest(): Promise<string[]> {
  const script = `
    const { handler } = require(${JSON.stringify(join(ROOT, 'lambda', 'handler.ts'))});
    const event = { version: '2.0', rawPath: '/predict', rawQueryString: '', headers: { 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/predict' }, requestId: 'r' }, isBase64Encoded: false,
      body: JSON.stringify({ PULocationID: 10, DOLocationID: 50, trip_distance: 40 }) };
    handler(event).then((reply) => {
      if (reply.statusCode !== 200) throw new Error('answered ' + JSON.stringify(reply));
      process.stdout.write('\\nMODULES ' + JSON.stringify(Object.keys(require.cache)) + '\\n');
    });`;
  const env = { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'SILENT', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const { stdout } = await exec(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, env, timeout: 60_000 });
  // stdout also carries the invocation's EMF metrics line
  const line = stdout.split('\n').find((l) => l.startsWith('MODULES ')) ?? '';
  return JSON.parse(line.slice('MODULES '.length)) as string[];
}

describe('what a cold start loads', () => {
  it("answers an API Gateway request without evaluating other event kinds' modules", async () => {
    const loaded = await modulesLoadedByOneHttpRequest();

    expect(loaded.some((path) => path.includes(join('lambda', 'protocols', 'http', 'http-handler')))).toBe(true);
    for (const pattern of NOT_ON_THE_WEB_PATH) expect(loaded.filter((path) => pattern.test(path))).toEqual([]);
  }, 60_000);

  it('bundles zod without its locales: every zod import takes the namespace, which esbuild can tree-shake', async () => {
    const inputs = inputsOf(await webPathOfTheAsset());

    expect(inputs.some((path) => path.includes('zod'))).toBe(true);
    // One locale (English) is zod's default; the other ~50 (260 KB) only cost compile time.
    expect(inputs.filter((path) => ZOD_LOCALES.test(path))).toEqual([]);
  });

  it('bundles zod without its locales for the local programs too (npm start and the CLIs, built by the same recipe)', async () => {
    const result = await build({ ...bundleOptions(LOCAL_ENTRIES, '/local'), write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.values(result.metafile.outputs).flatMap((o) =>
      Object.entries(o.inputs)
        .filter(([, used]) => used.bytesInOutput > 0)
        .map(([path]) => path),
    );

    expect(inputs.some((path) => path.includes('zod'))).toBe(true);
    expect(inputs.filter((path) => ZOD_LOCALES.test(path))).toEqual([]);
  });

  it("splits the asset: what a cold start compiles (index.mjs, the handler it imports and their static imports) holds no other event kind's code", async () => {
    const webPath = await webPathOfTheAsset();
    // The statistics wrapper is bundled in for shadow models (opt-in, set up synchronously at init; 27 KB): never evaluated without them.
    const inputs = inputsOf(webPath).filter((path) => !/simple-statistics/.test(path));

    expect(inputs.some((path) => /lambda[\\/]protocols[\\/]http[\\/]http-handler\.ts$/.test(path))).toBe(true);
    for (const pattern of NOT_ON_THE_WEB_PATH.filter((p) => p !== CAPTURE_DELIVERY)) expect(inputs.filter((path) => pattern.test(path))).toEqual([]);
    // The other kinds' code is in the asset all the same, behind import(): chunks read on their first event.
    const all = Object.values(webPath.metafile.outputs).flatMap((o) => Object.keys(o.inputs));
    for (const handler of [
      'kinesis/stream-handler',
      'batch/batch-handler',
      'monitor/monitor-handler',
      'http/oip-v2/oip-v2-handler',
      'http/mlflow/mlflow-handler',
      'http/docs/docs-page',
    ]) {
      expect(all.some((path) => path.endsWith(`lambda/protocols/${handler}.ts`))).toBe(true);
    }
  });
});

/**
 * The asset's build (infra/bundling.ts) in memory, and the outputs a cold start loads: index.mjs,
 * what it imports itself (statically, and the handler it imports once the compile cache is on:
 * lambda/entry.mts), and their static imports.
 */
async function webPathOfTheAsset(): Promise<{ metafile: Metafile; outputs: string[] }> {
  const result = await build({ ...bundleOptions(LAMBDA_ENTRIES, '/asset'), write: false, metafile: true, logLevel: 'silent' });
  const entry = Object.keys(result.metafile.outputs).find((path) => path.endsWith('index.mjs'));
  if (!entry) throw new Error('the asset has no index.mjs');
  const outputs = new Set<string>();
  const visit = (path: string): void => {
    if (outputs.has(path)) return;
    outputs.add(path);
    const loadedAtInit = (kind: string) => kind === 'import-statement' || (path === entry && kind === 'dynamic-import');
    for (const imported of result.metafile.outputs[path]?.imports ?? []) if (loadedAtInit(imported.kind) && !imported.external) visit(imported.path);
  };
  visit(entry);
  return { metafile: result.metafile, outputs: [...outputs] };
}

/** The source files with bytes in those outputs (metafile inputs also list what was parsed and then shaken off). */
function inputsOf(webPath: { metafile: Metafile; outputs: string[] }): string[] {
  return webPath.outputs.flatMap((path) =>
    Object.entries(webPath.metafile.outputs[path]?.inputs ?? {})
      .filter(([, used]) => used.bytesInOutput > 0)
      .map(([input]) => input),
  );
}
