import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTTP_ERRORS } from '../../lambda/protocols/http/error-codes';
import { parseBatchRequest } from '../../lambda/protocols/batch/job';
import { curlExamples, expectGeneratedBlock, runCurl } from '../support/doc-examples';
import { ROOT, runNpm, startServer, type RunningServer } from '../support/local-programs';
import { runStreamDemo, type StreamDemoRun } from '../support/stream-demo';
import { readParquet, scratchDirectory } from '../support/trip-fixtures';

/**
 * docs/api.md's contracts come from the shipped programs: its replies from one `npm start` (with
 * capture on, so the capture record shown is one it writes), its stream and dead-letter records
 * from `npm run stream` + `npm run stream:demo`, its batch columns from a `npm run batch` output;
 * its error-code table is generated from the table the handler answers from.
 */
const DOC = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
const GENERATOR = 'test/docs/api.test.ts';
const examples = curlExamples(DOC);
const scratch = scratchDirectory();
const capture = join(scratch.path, 'capture');

let server: (RunningServer & { url: string }) | undefined;
let stream: StreamDemoRun;
let batchOutput: string;
beforeAll(async () => {
  server = await startServer({ CAPTURE_LOCATION: capture });
  stream = await runStreamDemo(scratch.path);
  mkdirSync(join(scratch.path, 'data'));
  const trips = join(scratch.path, 'data', 'green_tripdata_2021-02.parquet');
  batchOutput = join(scratch.path, 'green-2021-02.parquet');
  await runNpm('batch', ['generate', 'green', '2021-02', '2000', trips]);
  await runNpm('batch', [trips, batchOutput]);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  scratch.remove();
});

/** The one-line JSON block right after `heading`'s text. */
function jsonAfter(heading: string): Record<string, unknown> {
  const at = DOC.indexOf(heading);
  const block = /```json\n(.*)\n```/.exec(DOC.slice(at))?.[1];
  if (at === -1 || block === undefined) throw new Error(`docs/api.md shows no JSON block after '${heading}'`);
  return JSON.parse(block) as Record<string, unknown>;
}

/** Every line of the capture files so far, as records. */
function capturedRecords(): Record<string, unknown>[] {
  const files = readdirSync(capture, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.jsonl'));
  return files.flatMap((name) => readFileSync(join(capture, name), 'utf8').split('\n').filter((line) => line.endsWith('}')).map((line) => JSON.parse(line) as Record<string, unknown>));
}

describe('docs/api.md', () => {
  it('shows replies for every kind of request and mistake', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  it.each(examples.map((example) => [example.line, example] as const))('line %i: the command answers the reply shown', async (_, example) => {
    expect(JSON.parse(await runCurl(example, server?.url as string))).toEqual(JSON.parse(example.shown));
  });

  it("lists every error code the web service answers with, with the handler's status and meaning", () => {
    const rows = Object.entries(HTTP_ERRORS).map(([code, { status, meaning }]) => `| \`${code}\` | ${status} | ${meaning.replaceAll('|', '\\|')} |`);

    expectGeneratedBlock(DOC, GENERATOR, 'error codes', ['| code | status | meaning |', '| --- | --- | --- |', ...rows].join('\n'));
  });

  it('shows the output record stream:demo reads back for the same ride (its ride id aside)', () => {
    const shown = jsonAfter('### Output record');
    const written = stream.demo.stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { prediction: Record<string, unknown> });
    const same = written.find((record) => record.prediction.ride_duration === (shown.prediction as Record<string, unknown>).ride_duration);

    expect(same).toEqual({ ...shown, prediction: { ...(shown.prediction as object), ride_id: same?.prediction.ride_id } });
  });

  it("shows an input record of the stream's shape: the demo's first ride with a ride id", () => {
    expect(jsonAfter('### Input record')).toEqual({ ride: { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, ride_id: 256 });
  });

  it('shows a dead-letter line with the fields the runner writes for the demo bad record', () => {
    const shown = jsonAfter('### Dead letters');
    const written = stream.deadLetters[0] as Record<string, unknown>;

    expect(Object.keys(shown)).toEqual(Object.keys(written));
    expect({ code: shown.code, reason: shown.reason, field: shown.field, partitionKey: shown.partitionKey }).toEqual({ code: written.code, reason: written.reason, field: written.field, partitionKey: written.partitionKey });
  });

  it('shows Lambda batch events the batch handler accepts', () => {
    const events = [...DOC.matchAll(/^\| `(\{.*?\})`/gm)].map((match) => JSON.parse(match[1] as string) as unknown);

    expect(events).toHaveLength(3);
    for (const event of events) expect(() => parseBatchRequest(event)).not.toThrow();
  });

  it("lists the batch output's columns as npm run batch writes them", async () => {
    const { columns } = await readParquet(batchOutput);
    const rows = columns.map((column) => `| \`${column.name}\` | ${column.type}${column.logical ? ` (${column.logical})` : ''} | ${column.required ? 'yes' : 'no'} |`);

    expectGeneratedBlock(DOC, GENERATOR, 'output columns', ['| column | parquet type | required |', '| --- | --- | --- |', ...rows].join('\n'));
  });

  // Last: it stops the server, which writes what it still holds before it exits.
  it('shows a capture record as npm start writes it for the same ride (its time, request id and trace id aside)', async () => {
    const shown = jsonAfter('## Capture record');
    await fetch(`${server?.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(shown.inputs) });
    await server?.stop();
    const written = capturedRecords().find((record) => !String(record.id).includes("#") && JSON.stringify(record.inputs) === JSON.stringify(shown.inputs));

    expect(written).toEqual({ ...shown, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), id: expect.stringMatching(/^[0-9a-f-]{36}$/), trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
  });
});
