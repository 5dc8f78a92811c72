import { gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { CaptureRecord } from '../../../../lambda/observability/capture';
import type { MonitorResult } from '../../../../lambda/protocols/monitor/monitor-handler';
import { buildProfile } from '../../../../lambda/monitoring';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';
import { createRandom as random } from '../../../../lambda/local/synthetic/random';

type IndexModule = typeof import('../../../../lambda/handler');
type Handler = (event: unknown) => Promise<unknown>;

/** Rides: zones from a popular set, distances exponential; `drift` doubles distances and moves the zones. */
function rides(n: number, seed: number, drift: boolean) {
  const next = random(seed);
  return Array.from({ length: n }, () => {
    const zone = () => (drift ? 100 : 1) + Math.floor(next() * 40);
    const trip_distance = Math.round(-Math.log(1 - next()) * (drift ? 6 : 3) * 100) / 100;
    return { PULocationID: zone(), DOLocationID: zone(), trip_distance };
  });
}

const duration = (ride: { trip_distance: number }) => 5 + 3 * ride.trip_distance;

function captureLines(n: number, seed: number, drift: boolean, start: Date): string {
  return rides(n, seed, drift)
    .map((ride, i) => {
      const record: CaptureRecord = {
        time: new Date(start.getTime() + i * 60_000).toISOString(),
        source: 'stream',
        id: `${seed}-${i}`,
        inputs: ride,
        outputs: { duration: { output: duration(ride), version: 'v1' } },
      };
      return `${JSON.stringify(record)}\n`;
    })
    .join('');
}

describe('the scheduled monitor through the Lambda handler', () => {
  const saved = { ...process.env };
  let s3: LocalS3;
  let handler: Handler;

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
    await s3.createBucket('data');
    const reference = rides(5000, 1, false);
    const profile = await buildProfile(
      [
        {
          length: reference.length,
          inputs: {
            PULocationID: Float64Array.from(reference, (r) => r.PULocationID),
            DOLocationID: Float64Array.from(reference, (r) => r.DOLocationID),
            trip_distance: Float64Array.from(reference, (r) => r.trip_distance),
          },
          predictions: { duration: Float64Array.from(reference, duration) },
        },
      ],
      { source: 'generated reference', created: new Date('2026-11-01T00:00:00Z') },
    );
    await s3.put('models', 'models/reference-profile.json', JSON.stringify(profile));
    // week 1 (to 2026-11-23): like the reference; week 2 (to 2026-11-30): drifted. Firehose-style GZIP objects.
    await s3.put('data', 'capture/dt=2026-11-17/hour=10/ride-capture-1.gz', gzipSync(captureLines(1500, 2, false, new Date('2026-11-17T10:00:00Z'))));
    await s3.put('data', 'capture/dt=2026-11-25/hour=10/ride-capture-2.gz', gzipSync(captureLines(1500, 3, true, new Date('2026-11-25T10:00:00Z'))));
    // Ground truth for week 2, by the stream's ride ids: 1,000 of its rides, each 2 minutes longer than predicted, and 5 rides never captured.
    const truth = rides(1500, 3, true)
      .slice(0, 1000)
      .map((ride, i) => `3-${i},${duration(ride) + 2}`);
    await s3.put(
      'data',
      'actuals/dt=2026-11-25/rides.csv',
      Buffer.from(['ride_id,actual_duration', ...truth, ...['x1', 'x2', 'x3', 'x4', 'x5'].map((id) => `${id},9`)].join('\n')),
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      MODEL_LOCATION: 's3://models/models/model.onnx',
      MONITOR_CAPTURE_LOCATION: 's3://data/capture/',
      MONITOR_REFERENCE_LOCATION: 's3://models/models/reference-profile.json',
      MONITOR_OUTPUT_LOCATION: 's3://data/monitoring/',
      MONITOR_ACTUALS_LOCATION: 's3://data/actuals/',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    jest.isolateModules(() => {
      handler = (require('../../../../lambda/handler') as IndexModule).handler as Handler;
    });
  });
  afterAll(async () => {
    process.env = saved;
    await s3.close();
  });

  const read = async (key: string) => {
    const object = await s3.client.send(new GetObjectCommand({ Bucket: 'data', Key: key }));
    return object.Body?.transformToString() as Promise<string>;
  };

  it('finds no drift in a week like the training data, and writes its summary and report under monitoring/', async () => {
    const result = (await handler({ monitor: 'scheduled', time: '2026-11-23T04:00:00Z' })) as MonitorResult;

    expect(result).toMatchObject({
      records: 1500,
      dataset_drift: false,
      drifted_inputs: [],
      summary: 's3://data/monitoring/2026-11-23/summary.json',
      report: 's3://data/monitoring/2026-11-23/report.html',
    });
    const summary = JSON.parse(await read('monitoring/2026-11-23/summary.json')) as { dataset_drift: boolean; features: Record<string, { drift: boolean }> };
    expect(summary.dataset_drift).toBe(false);
    expect(Object.keys(summary.features).sort()).toEqual(['DOLocationID', 'PULocationID', 'trip_distance']);
    expect(await read('monitoring/2026-11-23/report.html')).toMatch(/^<!doctype html>[\s\S]*Weekly monitor 2026-11-16 … 2026-11-23/i);
  });

  it("joins the week's captured rides to the actuals by ride id: RMSE, MAE and bias per model version, and what matched nothing", async () => {
    const result = (await handler({ monitor: 'scheduled', time: '2026-11-30T04:00:00Z' })) as MonitorResult;

    expect(result.actuals).toEqual({ files: 1, rows: 1005, unreadable_files: 0 });
    expect(result.quality).toEqual([
      { model: 'duration', version: 'v1', rows: 1000, rmse: expect.closeTo(2, 9), mae: expect.closeTo(2, 9), bias: expect.closeTo(-2, 9) },
    ]);
    const summary = JSON.parse(await read('monitoring/2026-11-30/summary.json')) as { quality: Record<string, { unmatched: unknown }> };
    expect(summary.quality.duration?.unmatched).toEqual({ captured_without_actual: 500, actuals_without_capture: 5 });
  });

  it('flags the moved inputs and dataset drift in a drifted week, reading only that week', async () => {
    const result = (await handler({ monitor: 'scheduled', time: '2026-11-30T04:00:00Z' })) as MonitorResult;

    expect(result.records).toBe(1500);
    expect(result.dataset_drift).toBe(true);
    expect(result.drifted_inputs.sort()).toEqual(['DOLocationID', 'PULocationID', 'trip_distance']);
    const summary = JSON.parse(await read('monitoring/2026-11-30/summary.json')) as { dataset_drift: boolean; features: Record<string, { drift: boolean }> };
    expect(
      Object.entries(summary.features)
        .filter(([, f]) => f.drift)
        .map(([name]) => name)
        .sort(),
    ).toEqual(result.drifted_inputs.sort());
    const written = await s3.client.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'monitoring/' }));
    expect((written.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      'monitoring/2026-11-23/report.html',
      'monitoring/2026-11-23/summary.json',
      'monitoring/2026-11-30/report.html',
      'monitoring/2026-11-30/summary.json',
    ]);
  });
});
