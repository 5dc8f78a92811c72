import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_BATCH_INPUT_TEMPLATE, DEFAULT_BATCH_OUTPUT_TEMPLATE } from '../../lambda/config/batch';
import { npmExamples, shownUnder, withoutRideIds, withoutTimings, type NpmExample } from '../support/doc-examples';
import { ROOT, runNpm, startServer, type ProgramResult } from '../support/local-programs';
import { startS3Server } from '../support/s3-server';
import { runStreamDemo, type StreamDemoRun } from '../support/stream-demo';
import { scratchDirectory } from '../support/trip-fixtures';

/**
 * docs/local.md, run as shown: `npm start` with its `s3://` line against a local S3 server (the
 * region and dummy credentials it says are needed), the stream's two terminals, and the batch
 * commands with `data/` and `output/` (and the month templates) moved into a scratch directory.
 */
const DOC = readFileSync(join(ROOT, 'docs', 'local.md'), 'utf8');
const scratch = scratchDirectory();
const moved = (text: string) => text.replace(/(^|=)(data|output)\//g, `$1${scratch.path}/$2/`);
const shownPath = (text: string) => text.replaceAll(`${scratch.path}/`, '');
const batches = npmExamples(DOC).filter((example) => example.script === 'batch');

let stream: StreamDemoRun;
const results: ProgramResult[] = [];
beforeAll(async () => {
  mkdirSync(join(scratch.path, 'data'), { recursive: true });
  mkdirSync(join(scratch.path, 'output'), { recursive: true });
  stream = await runStreamDemo(scratch.path);
  const templates = { BATCH_INPUT_TEMPLATE: moved(DEFAULT_BATCH_INPUT_TEMPLATE), BATCH_OUTPUT_TEMPLATE: moved(DEFAULT_BATCH_OUTPUT_TEMPLATE) };
  for (const example of batches) results.push(await runNpm(example.script, example.args.map(moved), templates));
}, 120_000);
afterAll(() => scratch.remove());

describe('docs/local.md', () => {
  it('serves an s3:// model from a local S3 server with the endpoint, region and dummy credentials it shows', async () => {
    const line = /^(AWS_ENDPOINT_URL_S3=.*) \\\n\s+(MODELS=\S+) npm start$/m.exec(DOC);
    const env = Object.fromEntries(`${line?.[1]} ${line?.[2]}`.split(' ').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    const location = /^s3:\/\/([^/]+)\/(.+)$/.exec((env.MODELS as string).replace(/^duration=/, '')) as RegExpExecArray;
    const s3 = await startS3Server();
    try {
      await s3.createBucket(location[1] as string);
      await s3.put(location[1] as string, location[2] as string, readFileSync(join(ROOT, 'models', 'model.onnx')));
      await s3.put(location[1] as string, (location[2] as string).replace(/\.onnx$/, '.json'), readFileSync(join(ROOT, 'models', 'model.json')));
      const server = await startServer({ ...env, AWS_ENDPOINT_URL_S3: s3.endpoint });
      try {
        const health = (await (await fetch(`${server.url}/health`)).json()) as unknown;
        expect(health).toEqual({ status: 'ok', model_version: '54c7ff65d8e2', models: [{ name: 'duration', version: '54c7ff65d8e2', state: 'loaded' }] });
      } finally {
        await server.stop();
      }
    } finally {
      await s3.close();
    }
  });

  it('shows the records stream:demo prints (ride ids come from the clock)', () => {
    const printed = stream.demo.stdout.split('\n').map(withoutRideIds);

    expect(stream.demo.status).toBe(0);
    for (const line of shownUnder(DOC, 'npm run stream:demo')) expect(printed).toContain(withoutRideIds(line));
  });

  it('shows four batch commands: generate, score a file, score by month, generate a drifted month', () => {
    expect(batches.map((e) => e.args.slice(0, 2).join(' '))).toEqual(['generate green', 'data/green_tripdata_2021-02.parquet output/green-2021-02.parquet', '--taxi-type green', 'generate green']);
  });

  it.each(batches.map((example, i) => [example.line, example, i] as const))('line %i: the command succeeds and prints every line shown under it', (_, example: NpmExample, i: number) => {
    const result = results[i] as ProgramResult;
    const printed = result.stdout.split('\n').map((line) => withoutTimings(shownPath(line)));

    expect({ status: result.status, stderr: result.stderr.split('\n').filter((line) => /failed|Error/.test(line)) }).toEqual({ status: 0, stderr: [] });
    for (const line of example.shown) expect(printed).toContain(withoutTimings(line));
  });
});
