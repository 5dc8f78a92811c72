import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createLocalKinesisClient } from '../../lambda/local/local-kinesis';
import { freePort } from '../support/loopback';
import { readAll } from '../support/kinesis-server';
import { runNpm, spawnNpm, startServer, type RunningServer } from '../support/local-programs';
import { readParquet, scratchDirectory, writeFixture } from '../support/trip-fixtures';
import { hasNullRows, modelsVariable, servedZoo, sharedRides, zooMismatches, zooTripRows } from '../support/zoo';
import { zooPath } from '../support/zoo-manifest';

/**
 * The local programs as the README runs them — `npm start`, `npm run batch`, `npm run stream`,
 * `npm run monitor` — each the build recipe's bundle started by npm, serving every zoo model a
 * converter could have written (test/fixtures/zoo) and answering what scikit-learn answers.
 */

const entries = servedZoo((entry) => !hasNullRows(entry));
const rides = sharedRides(entries);
const MODELS = modelsVariable(entries, zooPath);
/** Models whose sidecar marks an input nullable: their rides miss values the others need, so they run on their own. */
const nullable = servedZoo(hasNullRows);
const scratch = scratchDirectory();
afterAll(() => scratch.remove());

describe('npm start with every zoo model', () => {
  let server: RunningServer & { url: string };
  beforeAll(async () => {
    server = await startServer({ MODELS: modelsVariable([...entries, ...nullable], zooPath) });
  });
  afterAll(() => server?.stop());

  it.each([...entries, ...nullable].map((entry) => [entry.id, entry] as const))(
    "answers scikit-learn's predictions for %s on /predict/<name>",
    async (id, entry) => {
      const response = await fetch(`${server.url}/predict/${id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(entry.rows),
      });
      const replies = (await response.json()) as Record<string, unknown>[];

      expect(response.status).toBe(200);
      expect(
        zooMismatches(
          entry,
          replies.map((reply) => reply[id]),
          'npm start',
        ),
      ).toEqual([]);
    },
  );

  it('answers every model at once on /predict for rides carrying all their fields', async () => {
    const response = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rides) });
    const replies = (await response.json()) as Record<string, unknown>[];

    expect(response.status).toBe(200);
    for (const entry of entries)
      expect(
        zooMismatches(
          entry,
          replies.map((reply) => reply[entry.id]),
        ),
      ).toEqual([]);
  });

  it('describes each model in /openapi.json', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };

    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(entries.map((entry) => `/predict/${entry.id}`)));
  });
});

describe('npm run batch, then npm run monitor, with every zoo model', () => {
  const input = join(scratch.path, 'green_tripdata_2021-03.parquet');
  const output = join(scratch.path, 'out', 'zoo.parquet');

  it('scores a trip file of the rides into one predicted_<name> column per model, as scikit-learn does', async () => {
    await writeFixture(input, zooTripRows(rides));
    const before = readFileSync(input);

    const run = await runNpm('batch', [input, output], { MODELS });

    expect(run).toMatchObject({ status: 0, stderr: '' });
    const { rows } = await readParquet(output);
    expect(rows).toHaveLength(rides.length);
    for (const entry of entries)
      expect(
        zooMismatches(
          entry,
          rows.map((row) => Number(row[`predicted_${entry.id}`])),
          'npm run batch',
        ),
      ).toEqual([]);
    expect(readFileSync(input).equals(before)).toBe(true);
  });

  it.each(nullable.map((entry) => [entry.id, entry] as const))(
    'scores rows with an empty nullable input for %s instead of skipping them',
    async (id, entry) => {
      const trips = join(scratch.path, `green_tripdata_2021-04-${id}.parquet`);
      const scored = join(scratch.path, 'out', `${id}.parquet`);
      await writeFixture(trips, zooTripRows(entry.rows));

      const run = await runNpm('batch', [trips, scored, '--month', '2021-04'], { MODELS: modelsVariable([entry], zooPath) });

      expect(run).toMatchObject({ status: 0, stderr: '' });
      const { rows } = await readParquet(scored);
      expect(
        zooMismatches(
          entry,
          rows.map((row) => Number(row[`predicted_${id}`])),
          'npm run batch',
        ),
      ).toEqual([]);
    },
  );

  it('reports on that output against the shipped reference profile', async () => {
    const out = join(scratch.path, 'report');

    const run = await runNpm('monitor', ['--reference', 'models/reference-profile.json', '--current', output, '--out', out]);

    expect(run.status).toBe(0);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect((JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { current: { rows: number } }).current.rows).toBe(rides.length);
  });
});

describe('npm run stream with every zoo model', () => {
  const runs = [
    { title: 'the zoo models together', models: entries, rides },
    ...nullable.map((entry) => ({ title: `${entry.id}, rides missing a nullable value`, models: [entry], rides: [...entry.rows] })),
  ];

  it.each(runs)('turns ride events on its local Kinesis into prediction records that agree with scikit-learn: $title', async ({ models, rides: sent }) => {
    const port = await freePort();
    const stream = spawnNpm('stream', [], {
      MODELS: modelsVariable(models, zooPath),
      LOCAL_KINESIS_PORT: String(port),
      DEAD_LETTER_LOCATION: join(scratch.path, 'dead-letters'),
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    let output = '';
    stream.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    stream.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      await until(
        () => output.includes('local Kinesis on'),
        () => output,
      );
      const kinesis = createLocalKinesisClient(`http://127.0.0.1:${port}`, 3);
      const first = 700_000;
      await kinesis.send(
        new PutRecordsCommand({
          StreamName: 'ride_events',
          Records: sent.map((ride, i) => ({ PartitionKey: String(i), Data: Buffer.from(JSON.stringify({ ride, ride_id: first + i })) })),
        }),
      );
      let records: Array<{ prediction: Record<string, number> }> = [];
      await until(
        async () => {
          records = (await readAll(kinesis, 'ride_predictions')).map((r) => JSON.parse(r.data.toString('utf8')) as { prediction: Record<string, number> });
          return records.length >= sent.length;
        },
        () => output,
      );
      records.sort((a, b) => Number(a.prediction.ride_id) - Number(b.prediction.ride_id));

      expect(records.map((r) => r.prediction.ride_id)).toEqual(sent.map((_, i) => first + i));
      for (const entry of models)
        expect(
          zooMismatches(
            entry,
            records.map((r) => r.prediction[`ride_${entry.id}`]),
            'npm run stream',
          ),
        ).toEqual([]);
      kinesis.destroy();
    } finally {
      stream.kill('SIGTERM');
      await once(stream, 'exit');
    }
  });
});

/** Polls `check` until it holds; fails with the program's output after 30 s. */
async function until(check: () => boolean | Promise<boolean>, output: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting; the program printed:\n${output()}`);
}
