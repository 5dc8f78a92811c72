import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { handleHttpRequest } from '../../../lambda/protocols/http/http-handler';
import { handleKinesisEvent, type TestRunResponse } from '../../../lambda/protocols/kinesis/stream-handler';
import { loadConfig } from '../../../lambda/config/index';
import { createRuntime, type Runtime } from '../../../lambda/services';
import { readCaptureDirectory } from '../../../lambda/observability/capture/read-capture';
import { batchOf, COURSE_RIDE } from '../../support/fixtures';
import { kinesisEvent, rideRecord } from '../../support/events';
import { passengerModel } from '../../support/onnx-models';
import { recordingLogger, recordingMetrics, type LogEntry } from '../../support/recorders';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

/**
 * SHADOW_MODELS: a candidate scores the same rides as the served model of its name; what it says
 * is logged and counted, never answered. The shadow here is the shipped cost model standing in
 * for a new duration model (same inputs, different outputs), served from a local S3 server.
 */

const ROOT = join(__dirname, '..', '..', '..');
const DURATION = join(ROOT, 'models', 'model.onnx');
const COST = join(ROOT, 'models', 'cost', 'model.onnx');
const RIDES = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, { PULocationID: 1, DOLocationID: 265, trip_distance: 0 }];

let s3: LocalS3;
let scratch: string;
beforeAll(async () => {
  // The runtime's S3 client takes credentials from the environment, as in Lambda.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
  s3 = await startS3Server();
  await s3.createBucket('models');
  const { readFileSync } = await import('node:fs');
  await s3.put('models', 'candidate/model.onnx', new Uint8Array(readFileSync(COST)));
  await s3.put('models', 'garbage/model.onnx', new TextEncoder().encode('this is not an ONNX model'));
});
afterAll(() => s3.close());
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'shadow-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

function runtimeWith(shadow?: string): { runtime: Runtime; logs: LogEntry[] } {
  const logger = recordingLogger();
  const env: Record<string, string> = {
    MODELS: `duration=${DURATION}`,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    TEST_RUN: 'True',
    ...(shadow ? { SHADOW_MODELS: `duration=${shadow}` } : {}),
  };
  return { runtime: createRuntime(loadConfig(env), { logger: logger as never, metrics: recordingMetrics() }), logs: logger.entries };
}

const post = (body: unknown) => ({
  method: 'POST',
  path: '/predict',
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

async function replies(runtime: Runtime): Promise<string[]> {
  const out: string[] = [];
  out.push((await handleHttpRequest(post(RIDES), runtime.http)).body);
  for (const ride of RIDES) out.push((await handleHttpRequest(post(ride), runtime.http)).body);
  return out;
}

describe('shadow models', () => {
  it("records the shadow's own predictions on the same rides and changes nothing in replies", async () => {
    const plain = runtimeWith();
    const shadowed = runtimeWith('s3://models/candidate/model.onnx');
    await shadowed.runtime.shadows?.settle(5_000); // the shadow loaded (until then rides are not shadowed)
    const expected = await replies(plain.runtime);

    const got = await replies(shadowed.runtime);
    await shadowed.runtime.shadows?.settle(5_000);

    expect(got).toEqual(expected);
    expect(got.join()).not.toContain('shadow');
    // What the candidate says about those rides when asked directly, and what the primary says.
    const set = await plain.runtime.models.get();
    const primary = Array.from((await set.predict(batchOf(RIDES))).outputs.duration as Float64Array);
    const comparisons = shadowed.logs.filter((e) => e.message === 'shadow comparison').map((e) => e.extra);
    expect(comparisons.map((c) => c.rows)).toEqual([3, 1, 1, 1]);
    expect(
      comparisons.every(
        (c) =>
          c.model === 'duration' &&
          c.modelVersion === set.require('duration').version &&
          typeof c.shadowVersion === 'string' &&
          c.shadowVersion !== c.modelVersion,
      ),
    ).toBe(true);
    const direct = await shadowOutputsDirect();
    const diffs = direct.map((v, i) => Math.abs(v - (primary[i] as number)));
    expect(comparisons[0]?.meanAbsDiff).toBeCloseTo(diffs.reduce((a, b) => a + b, 0) / diffs.length, 9);
    expect(comparisons[0]?.maxAbsDiff).toBeCloseTo(Math.max(...diffs), 9);
    expect(comparisons.slice(1).map((c) => c.meanAbsDiff as number)).toEqual(diffs.map((d) => expect.closeTo(d, 9)));
  });

  it('the stream writes only the served model; the shadow is compared on the same records', async () => {
    const plain = runtimeWith();
    const shadowed = runtimeWith('s3://models/candidate/model.onnx');
    const event = kinesisEvent(RIDES.map((ride, i) => rideRecord(i + 1, ride)));
    await shadowed.runtime.models.get();
    await shadowed.runtime.shadows?.settle(5_000); // the shadow loaded

    const expected = (await handleKinesisEvent(event, await plain.runtime.stream())) as TestRunResponse;
    const got = (await handleKinesisEvent(event, await shadowed.runtime.stream())) as TestRunResponse;
    await shadowed.runtime.shadows?.settle(5_000);

    expect(got).toEqual(expected);
    expect(Object.keys(got.predictions[0]?.prediction ?? {})).toEqual(['ride_duration', 'ride_id']);
    expect(shadowed.logs.filter((e) => e.message === 'shadow comparison').map((e) => e.extra.rows)).toEqual([3]);
  });

  it.each([
    ['a corrupt shadow (garbage bytes)', 's3://models/garbage/model.onnx', 'load'],
    ['a shadow that fails at run time (an input the rides lack)', 'PASSENGER', 'run'],
    ['a shadow that is not there', 's3://models/missing/model.onnx', 'load'],
  ])('%s changes nothing in replies and is logged and counted', async (_, location, reason) => {
    let shadow = location;
    if (location === 'PASSENGER') {
      shadow = join(scratch, 'passenger.onnx');
      writeFileSync(shadow, passengerModel());
    }
    const plain = runtimeWith();
    const shadowed = runtimeWith(shadow);
    await shadowed.runtime.shadows?.settle(5_000);
    const expected = await replies(plain.runtime);

    const got = await replies(shadowed.runtime);
    await shadowed.runtime.shadows?.settle(5_000);

    expect(got).toEqual(expected);
    const warnings = shadowed.logs.filter((e) => e.message.startsWith('shadow model failed'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.every((w) => w.extra.reason === reason && w.extra.model === 'duration')).toBe(true);
    expect(shadowed.logs.filter((e) => e.message === 'shadow comparison')).toEqual([]);
  });

  it("stores the shadow's own outputs in the capture records of the same rides (HTTP and stream)", async () => {
    const captureDir = join(scratch, 'capture');
    const logger = recordingLogger();
    const runtime = createRuntime(
      loadConfig({
        MODELS: `duration=${DURATION}`,
        SHADOW_MODELS: 'duration=s3://models/candidate/model.onnx',
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        TEST_RUN: 'True',
        CAPTURE_LOCATION: captureDir,
      }),
      { logger: logger as never, metrics: recordingMetrics() },
    );
    await runtime.shadows?.settle(5_000);
    await handleHttpRequest(post(RIDES), runtime.http);
    await handleKinesisEvent(kinesisEvent(RIDES.map((ride, i) => rideRecord(i + 1, ride))), await runtime.stream());
    await runtime.shadows?.settle(5_000);
    await runtime.capture?.close(2_000);

    const { records } = await readCaptureDirectory(captureDir, 100);
    const direct = await shadowOutputsDirect();
    expect(records).toHaveLength(6);
    for (const record of records) {
      const row = record.source === 'http' ? Number(record.id.split('#')[1]) : Number(record.id) - 1; // http ids are <request id>#<ride>
      expect(record.shadows?.duration?.output).toBe(direct[row]);
      expect(record.shadows?.duration?.version).not.toBe(record.outputs.duration?.version);
      expect(record.outputs.duration?.output).not.toBe(direct[row]);
    }
  });

  it('SHADOW_MODELS must name served models', () => {
    expect(() => loadConfig({ MODELS: `duration=${DURATION}`, SHADOW_MODELS: `cost=${COST}` })).toThrow(
      "SHADOW_MODELS: 'cost' shadows no served model (served: duration)",
    );
    expect(() => loadConfig({ SHADOW_MODELS: 'duration' })).toThrow('SHADOW_MODELS');
  });
});

/** The candidate (cost model) run directly, as the one model of a set, on RIDES. */
async function shadowOutputsDirect(): Promise<number[]> {
  const { runtime } = (() => {
    const logger = recordingLogger();
    return { runtime: createRuntime(loadConfig({ MODELS: `duration=${COST}` }), { logger: logger as never, metrics: recordingMetrics() }) };
  })();
  const set = await runtime.models.get();
  return Array.from((await set.predict(batchOf(RIDES))).outputs.duration as Float64Array);
}
