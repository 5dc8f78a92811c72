import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { nodeArch } from '../../infra/bundling';
import { apiGatewayEvent } from '../support/http-events';
import { hostArchitecture, listFiles, synthesizeBundled, type BundledStack } from '../support/bundled-asset';
import { COST_MODEL_PATH, COURSE_RIDE, batchOf, defaultModelBytes, defaultModels, predictDurations, shippedModels } from '../support/fixtures';
import { startLambdaProcess, type LambdaProcess } from '../support/lambda-process';
import { startRuntimeApi, type InvocationResult, type LocalRuntimeApi } from '../support/lambda-runtime-api';
import { startS3Server, type LocalS3 } from '../support/s3-server';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { kinesisEvent, rideRecord } from '../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../support/kinesis-server';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../support/trip-fixtures';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';

/**
 * The asset `cdk deploy` would upload, built for real (esbuild, the afterBundling copy) and run
 * as Lambda runs it: the aws-lambda-ric runtime client against a Runtime API on loopback, the
 * model fetched from a local S3 server at MODEL_LOCATION, the environment taken from the template.
 */

const LOCAL = { modelBucket: 'models', dataBucket: 'ride-data', predictionsStream: 'ride_predictions' };
const MB = 1024 * 1024;
const ARCHITECTURE = hostArchitecture();
const ELF_MACHINE = { x86_64: 62, arm64: 183 } as const;

let bundled: BundledStack;
let s3: LocalS3;
let kinesis: LocalKinesisServer;
let runtimeApi: LocalRuntimeApi;
let lambda: LambdaProcess;
let firstInvocation: Promise<InvocationResult>;
let captureDir: ReturnType<typeof scratchDirectory>;

beforeAll(async () => {
  bundled = synthesizeBundled(LOCAL, ARCHITECTURE);
  captureDir = scratchDirectory();
  s3 = await startS3Server();
  await s3.createBucket(LOCAL.modelBucket);
  await s3.createBucket(LOCAL.dataBucket);
  // What `cdk deploy` uploads: the shipped models (and sidecars) under their content-addressed keys.
  for (const { key, path } of bundled.stack.models.uploads) await s3.put(LOCAL.modelBucket, key, readFileSync(path));
  kinesis = await startKinesisServer();
  await kinesis.createStream(LOCAL.predictionsStream);
  runtimeApi = await startRuntimeApi();
  const { predict } = bundled;
  lambda = startLambdaProcess({
    assetDir: predict.assetDir,
    handler: predict.handler,
    runtimeApi: runtimeApi.address,
    memoryMb: predict.memoryMb,
    // Capture goes to a local directory: the template's Firehose stream is not on loopback.
    environment: { ...predict.environment, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint, CAPTURE_LOCATION: captureDir.path },
  });
  // The first event is queued before the client asks for it: the process cold-starts to answer it.
  firstInvocation = runtimeApi.invoke(apiGatewayEvent({ method: 'GET', path: '/health' }));
});

afterAll(async () => {
  await lambda?.stop();
  await runtimeApi?.close();
  await kinesis?.close();
  await s3?.close();
  bundled?.cleanup();
  captureDir?.remove();
});

/** Invokes the running function; on a failure the function's own output explains why. */
async function invoke(event: unknown): Promise<InvocationResult> {
  try {
    return await runtimeApi.invoke(event);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- function output ---\n${lambda.output()}`);
  }
}

function httpBody(result: InvocationResult): { statusCode: number; body: Record<string, unknown> } {
  expect(result.kind).toBe('response');
  const response = result.body as { statusCode: number; body: string };
  return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

function elfMachine(path: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, 20, 0);
  } finally {
    closeSync(fd);
  }
  return header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) ? header.readUInt16LE(18) : undefined;
}

describe('the bundled asset', () => {
  it('is at most 60 MB unzipped (Lambda allows 250 MB)', () => {
    const bytes = listFiles(bundled.predict.assetDir).reduce((sum, file) => sum + file.bytes, 0);
    expect(bytes / MB).toBeLessThanOrEqual(60);
  });

  it('is one asset for both functions', () => {
    expect(bundled.batch.assetDir).toBe(bundled.predict.assetDir);
  });

  it(`holds native binaries for linux/${nodeArch(ARCHITECTURE)} only, built for that machine`, () => {
    const natives = listFiles(bundled.predict.assetDir).filter((f) => /\.(node|dll|dylib|so(\.\d+)*)$/.test(f.path));
    expect(natives.map((f) => f.path).sort()).toEqual(
      [
        `node_modules/onnxruntime-node/bin/napi-v6/linux/${nodeArch(ARCHITECTURE)}/libonnxruntime.so.1`,
        `node_modules/onnxruntime-node/bin/napi-v6/linux/${nodeArch(ARCHITECTURE)}/onnxruntime_binding.node`,
      ].sort(),
    );
    for (const file of natives) expect(elfMachine(join(bundled.predict.assetDir, file.path))).toBe(ELF_MACHINE[ARCHITECTURE]);
  });

  it('carries only onnxruntime-node and onnxruntime-common next to the bundle', () => {
    const packages = new Set(listFiles(join(bundled.predict.assetDir, 'node_modules')).map((f) => f.path.split('/')[0]));
    expect([...packages].sort()).toEqual(['onnxruntime-common', 'onnxruntime-node']);
  });

  it('holds the other architecture\'s binaries, and only those, when built for it', () => {
    const otherArchitecture = ARCHITECTURE === 'arm64' ? 'x86_64' : 'arm64';
    const other = synthesizeBundled(LOCAL, otherArchitecture);
    try {
      const binaries = listFiles(other.predict.assetDir).filter((f) => f.path.includes('/bin/napi-v6/'));
      expect(binaries.length).toBe(2);
      for (const file of binaries) {
        expect(file.path).toContain(`/linux/${nodeArch(otherArchitecture)}/`);
        expect(elfMachine(join(other.predict.assetDir, file.path))).toBe(ELF_MACHINE[otherArchitecture]);
      }
    } finally {
      other.cleanup();
    }
  });
});

describe('the bundled asset under the Lambda runtime client', () => {
  it('cold-starts and answers GET /health with the version of the model it fetched from S3', async () => {
    const { statusCode, body } = httpBody(await firstInvocation.catch((e: Error) => Promise.reject(new Error(`${e.message}\n${lambda.output()}`))));
    expect(statusCode).toBe(200);
    // The asset holds no model: it came from S3, versioned by its bytes exactly as on disk.
    const version = createHash('sha256').update(defaultModelBytes()).digest('hex').slice(0, 12);
    const costVersion = createHash('sha256').update(readFileSync(COST_MODEL_PATH)).digest('hex').slice(0, 12);
    expect(body).toEqual({
      status: 'ok',
      model_version: version,
      models: [
        { name: 'duration', version, state: 'loaded' },
        { name: 'cost', version: costVersion, state: 'loaded' },
      ],
    });
  });

  /** One line per event kind the asset serves: what to send and what must come back. */
  const invocations: Array<{ title: string; event: () => unknown; check: (result: InvocationResult) => Promise<void> }> = [
    {
      title: "answers the course's request from API Gateway with the in-process core's duration",
      event: () => apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }),
      check: async (result) => {
        const [expected] = await predictDurations(await defaultModels(), [COURSE_RIDE]);
        const { statusCode, body } = httpBody(result);
        expect(statusCode).toBe(200);
        expect(body.duration).toBe(expected);
      },
    },
    {
      title: 'answers 400 naming the field when a ride is invalid',
      event: () => apiGatewayEvent({ body: JSON.stringify({ ...COURSE_RIDE, trip_distance: -1 }) }),
      check: async (result) => {
        const { statusCode, body } = httpBody(result);
        expect(statusCode).toBe(400);
        expect(body).toMatchObject({ code: 'INVALID_RIDE', field: 'trip_distance' });
      },
    },
    {
      title: 'scores a Kinesis ride onto the predictions stream',
      event: () => kinesisEvent([rideRecord(256, COURSE_RIDE)]),
      check: async (result) => {
        const { outputs } = await (await shippedModels()).predict(batchOf([COURSE_RIDE]));
        expect(result.body).toEqual({ batchItemFailures: [] });
        const written = (await readAll(kinesis.client, LOCAL.predictionsStream)).map((r) => JSON.parse(r.data.toString('utf8')) as unknown);
        expect(written).toEqual([
          {
            model: 'ride_duration_prediction_model',
            version: expect.any(String),
            prediction: { ride_duration: outputs.duration?.[0], ride_cost: outputs.cost?.[0], ride_id: 256 },
            versions: { duration: expect.any(String), cost: expect.any(String) },
          },
        ]);
      },
    },
  ];

  it.each(invocations)('$title', async ({ event, check }) => {
    await firstInvocation;
    await check(await invoke(event()));
  });

  it('reports an event of unknown shape as a function error and keeps serving', async () => {
    await firstInvocation;
    const failed = await invoke({ something: 'else' });
    expect(failed.kind).toBe('error');
    expect(failed.body).toMatchObject({ errorMessage: expect.stringMatching(/unsupported event/) });
    const { statusCode } = httpBody(await invoke(apiGatewayEvent({ method: 'GET', path: '/health' })));
    expect(statusCode).toBe(200);
  });
});

describe('the bundled batch function under the Lambda runtime client', () => {
  it('scores a month of trips from S3 into the predictions prefix, as its schedule would', async () => {
    const api = await startRuntimeApi();
    const { batch } = bundled;
    const batchLambda = startLambdaProcess({
      assetDir: batch.assetDir,
      handler: batch.handler,
      runtimeApi: api.address,
      memoryMb: batch.memoryMb,
      environment: { ...batch.environment, AWS_ENDPOINT_URL_S3: s3.endpoint, CAPTURE_LOCATION: captureDir.path },
    });
    const scratch = scratchDirectory();
    try {
      const rows = fixtureRows(2_000);
      const file = join(scratch.path, 'green.parquet');
      await writeFixture(file, rows);
      await s3.put(LOCAL.dataBucket, 'trip-data/green_tripdata_2021-02.parquet', readFileSync(file));

      const result = await api.invoke({ taxi_type: 'green', year: 2021, month: 2, run_id: 'bundle-test' }).catch((error: Error) => {
        throw new Error(`${error.message}\n--- function output ---\n${batchLambda.output()}`);
      });

      if (result.kind !== 'response') throw new Error(`${JSON.stringify(result.body)}\n--- function output ---\n${batchLambda.output()}`);
      const kept = expectedFilter(rows).kept.length;
      expect(result.body).toMatchObject({ rows_read: rows.length, rows_scored: kept, run_id: 'bundle-test' });
      const object = await s3.client.send(
        new GetObjectCommand({ Bucket: LOCAL.dataBucket, Key: 'predictions/taxi_type=green/year=2021/month=02/bundle-test.parquet' }),
      );
      const written = await readParquet(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      expect(written.rows).toHaveLength(kept);
    } finally {
      scratch.remove();
      await batchLambda.stop();
      await api.close();
    }
  });

  it('removes its staging file from /tmp when Lambda stops the runtime process mid-run (SIGTERM), and writes no object', async () => {
    const api = await startRuntimeApi();
    const { batch } = bundled;
    const scratch = scratchDirectory();
    // Lambda's /tmp, here a directory of this test's own; small chunks make the run last a while.
    const tmp = join(scratch.path, 'tmp');
    mkdirSync(tmp);
    const batchLambda = startLambdaProcess({
      assetDir: batch.assetDir,
      handler: batch.handler,
      runtimeApi: api.address,
      memoryMb: batch.memoryMb,
      environment: { ...batch.environment, AWS_ENDPOINT_URL_S3: s3.endpoint, CAPTURE_LOCATION: '', TMPDIR: tmp, BATCH_CHUNK_ROWS: '200' },
    });
    const stagingDir = join(tmp, 'ride-batch-staging');
    try {
      const file = join(scratch.path, 'green.parquet');
      await writeFixture(file, fixtureRows(20_000));
      await s3.put(LOCAL.dataBucket, 'trip-data/green_tripdata_2021-03.parquet', readFileSync(file));
      const exited = once(batchLambda.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      // Never answered: the process is stopped mid-run.
      api.invoke({ taxi_type: 'green', year: 2021, month: 3, run_id: 'stopped' }).catch(() => undefined);
      const staged = await stagingFileOnceItExists(stagingDir, batchLambda);

      batchLambda.child.kill('SIGTERM');
      const [code, signal] = await exited;

      expect(staged).toMatch(/\.partial$/);
      expect({ code, signal }).toEqual(signal === null ? { code: 143, signal } : { code, signal: 'SIGTERM' });
      expect(batchLambda.output()).toContain('batch interrupted by SIGTERM; removed the unfinished output');
      expect(readdirSync(stagingDir)).toEqual([]);
      expect(await keysUnder(LOCAL.dataBucket, 'predictions/taxi_type=green/year=2021/month=03/')).toEqual([]);
    } finally {
      scratch.remove();
      await batchLambda.stop();
      await api.close();
    }
  });
});

/** Polls `directory` until a staging file shows (the run is mid-file), or fails if the process ends first. */
async function stagingFileOnceItExists(directory: string, lambdaProcess: LambdaProcess): Promise<string> {
  for (;;) {
    const [name] = existsSync(directory) ? readdirSync(directory) : [];
    if (name !== undefined) return name;
    if (lambdaProcess.child.exitCode !== null) throw new Error(`the function ended before it staged its output\n--- function output ---\n${lambdaProcess.output()}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key ?? '');
}
