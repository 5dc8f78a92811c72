import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { predictBundling } from '../../infra/bundling';

const exec = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * Cold start is mostly module compilation and evaluation, so what the web path loads is a
 * structural property, checked here rather than hoped for: other event kinds' code (Kinesis,
 * batch, parquet, monitoring, capture delivery) must stay behind lambda/index.ts's lazy
 * adapters, and the bundle must not carry what nobody calls.
 */

/** Modules a process answering HTTP must not evaluate (each belongs to another event kind or an option). */
const NOT_ON_THE_WEB_PATH = [
  /@aws-sdk[\\/]client-kinesis/,
  /@aws-sdk[\\/]client-firehose/,
  /hyparquet/,
  /[\\/]vega/,
  /onnx-proto|protobufjs/,
  // config.ts reads the taxi types (batch/trip-chunk, batch/errors): a few lines, allowed.
  /lambda[\\/]batch[\\/](?!trip-chunk|errors)/,
  /lambda[\\/]stream-deps/,
  /lambda[\\/]monitor[\\/]/,
  /lambda[\\/]adapters[\\/](kinesis|batch)/,
];

/** Starts lambda/index.ts in a fresh node (as a Lambda container would), answers one API Gateway POST /predict, lists the modules it loaded. */
async function modulesLoadedByOneHttpRequest(): Promise<string[]> {
  const script = `
    const { handler } = require(${JSON.stringify(join(ROOT, 'lambda', 'index.ts'))});
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
  it('answers an API Gateway request without evaluating other event kinds\' modules', async () => {
    const loaded = await modulesLoadedByOneHttpRequest();

    expect(loaded.some((path) => path.includes(join('lambda', 'adapters', 'http')))).toBe(true);
    for (const pattern of NOT_ON_THE_WEB_PATH) expect(loaded.filter((path) => pattern.test(path))).toEqual([]);
  }, 60_000);

  it('bundles zod without its locales: every zod import takes the namespace, which esbuild can tree-shake', async () => {
    const bundling = predictBundling('x86_64');
    const result = await build({
      entryPoints: [join(ROOT, 'lambda', 'index.ts')],
      bundle: true,
      write: false,
      outfile: 'index.js',
      platform: 'node',
      format: 'cjs',
      mainFields: bundling.mainFields,
      external: bundling.externalModules,
      minify: true,
      metafile: true,
      logLevel: 'silent',
    });
    // What is in the output (metafile.inputs also lists what was parsed and then shaken off).
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined);
    const inputs = Object.entries(output?.inputs ?? {}).filter(([, used]) => used.bytesInOutput > 0).map(([path]) => path);

    expect(inputs.some((path) => path.includes('zod'))).toBe(true);
    // One locale (English) is zod's default; the other ~50 (260 KB) only cost compile time.
    expect(inputs.filter((path) => /zod[\\/]v4[\\/]locales[\\/](?!en\.js|index\.js)/.test(path))).toEqual([]);
  });
});
