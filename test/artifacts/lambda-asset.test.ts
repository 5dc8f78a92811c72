import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { FileSystem } from 'aws-cdk-lib';
import { DOCS_UI_FILES, bundlePredictAsset, copyOnnxRuntime, nodeArch } from '../../infra/bundling';
import { ASSET_HASH_EXCLUDE } from '../../infra/predict-code';
import { apiGatewayEvent } from '../support/http-events';
import { hostArchitecture, listFiles, synthesizeBundled, type BundledStack } from '../support/bundled-asset';
import {
  COST_MODEL_PATH,
  COURSE_RIDE,
  DEFAULT_MODEL_PATH,
  batchOf,
  defaultModelBytes,
  defaultModels,
  predictDurations,
  servedModel,
  shippedModels,
} from '../support/fixtures';
import { startRuntimeApi, type InvocationResult } from '../support/lambda-runtime-api';
import { startLambdaProcess, type LambdaProcess } from '../support/lambda-process';
import { startS3Server, type LocalS3 } from '../support/s3-server';
import { kinesisEvent, rideRecord } from '../support/events';
import { readAll, startKinesisServer, type LocalKinesisServer } from '../support/kinesis-server';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../support/trip-fixtures';
import { startFirehoseServer, type LocalFirehose } from '../support/firehose-server';
import { DEPENDENCY_LAZY_CHUNKS, assetChunkPlan, assetModules, chunksNeverLoaded, startAssetFunction, type AssetFunction } from '../support/asset-function';
import { lambdaNodeBinary, nodeMajor } from '../support/lambda-node';
import { mlmodelYaml, oneHotLinearModel } from '../support/onnx-models';
import { startApiGatewayBridge, type ApiGatewayBridge } from '../support/api-gateway-bridge';
import { protocolNumbers, pythonClientMissing, runSpecClient } from '../support/python-client';
import {
  bytesOf,
  hasNullRows,
  modelsVariable,
  refusedZoo,
  servedZoo,
  sharedRides,
  zooFiles,
  zooMismatches,
  zooModelFile,
  zooTripRows,
  type ZooEntry,
} from '../support/zoo';
import { startLambdaService, type LocalLambdaService } from '../support/lambda-service';
import { startCodeDeployServer, type LocalCodeDeploy } from '../support/codedeploy-server';

/**
 * The asset `cdk deploy` would upload, synthesized once for the whole file (esbuild through the
 * build recipe, the onnxruntime copy), and run as Lambda runs it: the aws-lambda-ric runtime client
 * on the template's Node major, against a Runtime API on loopback, models fetched from a local S3
 * server, predictions to a local Kinesis, capture to a local Firehose peer, the environment taken
 * from the template. Every ES module of the asset must be loaded by some run here: a chunk no test
 * reaches (a lazily imported adapter, the OpenAPI builder, the MLmodel parser, the one-hot reader)
 * is shipped code nobody ran.
 */

const LOCAL = { modelBucket: 'models', dataBucket: 'ride-data', predictionsStream: 'ride_predictions', captureStream: 'ride_capture' };
const MB = 1024 * 1024;
const ARCHITECTURE = hostArchitecture();
const ELF_MACHINE = { x86_64: 62, arm64: 183 } as const;
/** The one-hot MLflow model's vocabulary and weights: 1·onehot + 2·distance + 4 */
const ONE_HOT = { categories: ['10_50', '130_205'], coefficients: [1, 3, 2], intercept: 4 };

let bundled: BundledStack;
let s3: LocalS3;
let kinesis: LocalKinesisServer;
let firehose: LocalFirehose;
let scratch: ReturnType<typeof scratchDirectory>;
let predict: AssetFunction;
let firstInvocation: Promise<InvocationResult>;
const traces: string[] = [];
const started: AssetFunction[] = [];

/** Starts one of the stack's functions with local endpoints, its loaded modules traced. */
async function start(fn: BundledStack['predict'], environment: Record<string, string> = {}): Promise<AssetFunction> {
  const trace = join(scratch.path, `trace-${traces.length}.txt`);
  traces.push(trace);
  const running = await startAssetFunction(
    fn,
    { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_KINESIS: kinesis.endpoint, AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint, ...environment },
    trace,
  );
  started.push(running);
  return running;
}

beforeAll(async () => {
  bundled = synthesizeBundled(LOCAL, ARCHITECTURE);
  scratch = scratchDirectory();
  s3 = await startS3Server();
  await s3.createBucket(LOCAL.modelBucket);
  await s3.createBucket(LOCAL.dataBucket);
  // What `cdk deploy` uploads: the shipped models (and sidecars) under their content-addressed keys.
  for (const { key, path } of bundled.stack.models.uploads) await s3.put(LOCAL.modelBucket, key, readFileSync(path));
  kinesis = await startKinesisServer();
  await kinesis.createStream(LOCAL.predictionsStream);
  firehose = await startFirehoseServer([LOCAL.captureStream]);
  // Capture goes out after every invocation here (the template's default holds records up to a
  // second): a test reads the Firehose peer once an invocation's Invoke phase has ended.
  predict = await start(bundled.predict, { CAPTURE_FLUSH_INTERVAL_MS: '0' });
  // The first event is queued before the client asks for it: the process cold-starts to answer it.
  firstInvocation = predict.invoke(apiGatewayEvent({ method: 'GET', path: '/health' }));
});

afterAll(async () => {
  for (const fn of started) await fn.stop();
  await firehose?.close();
  await kinesis?.close();
  await s3?.close();
  bundled?.cleanup();
  scratch?.remove();
});

/** `s3://bucket/key` as bucket and key. */
function s3Location(uri: string | undefined): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(uri ?? '');
  if (!match) throw new Error(`not an s3:// location: ${uri}`);
  return { bucket: match[1] as string, key: match[2] as string };
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

  it('is one asset for every function', () => {
    expect(bundled.batch.assetDir).toBe(bundled.predict.assetDir);
    expect(bundled.monitor.assetDir).toBe(bundled.predict.assetDir);
    expect(bundled.preTraffic.assetDir).toBe(bundled.predict.assetDir);
  });

  it('runs here on the Node major of the runtime the template names', () => {
    expect(bundled.runtime).toMatch(/^nodejs\d+\.x$/);
    expect(nodeMajor(lambdaNodeBinary())).toBe(Number(/^nodejs(\d+)/.exec(bundled.runtime)?.[1]));
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

  it('keeps its hash from one build of the same code to the next (its V8 code cache, whose bytes differ per build, is left out of it)', () => {
    const again = join(scratch.path, 'rebuilt-asset');
    bundlePredictAsset(again, ARCHITECTURE);
    const fingerprint = (dir: string) => FileSystem.fingerprint(dir, { exclude: [...ASSET_HASH_EXCLUDE] });

    expect(existsSync(join(again, 'compile-cache', 'modules.json'))).toBe(true);
    expect(fingerprint(again)).toBe(fingerprint(bundled.predict.assetDir));
  });

  it("carries only onnxruntime-node, onnxruntime-common and the API reference's files next to the bundle", () => {
    const files = listFiles(join(bundled.predict.assetDir, 'node_modules'));
    const packages = new Set(files.map((f) => f.path.split('/')[0]));
    expect([...packages].sort()).toEqual(['onnxruntime-common', 'onnxruntime-node', 'swagger-ui-dist']);
    expect(
      files
        .filter((f) => f.path.startsWith('swagger-ui-dist/'))
        .map((f) => f.path)
        .sort(),
    ).toEqual([...DOCS_UI_FILES].sort());
  });

  it("holds the other architecture's binaries, and only those, when built for it", () => {
    const otherArchitecture = ARCHITECTURE === 'arm64' ? 'x86_64' : 'arm64';
    const other = join(scratch.path, 'other-architecture');
    copyOnnxRuntime(other, otherArchitecture);
    const binaries = listFiles(other).filter((f) => f.path.includes('/bin/napi-v6/'));
    expect(binaries.length).toBe(2);
    for (const file of binaries) {
      expect(file.path).toContain(`/linux/${nodeArch(otherArchitecture)}/`);
      expect(elfMachine(join(other, file.path))).toBe(ELF_MACHINE[otherArchitecture]);
    }
  });
});

describe('the predict function under the Lambda runtime client', () => {
  it('cold-starts and answers GET /health with the version of the model it fetched from S3', async () => {
    const { statusCode, body } = httpBody(await firstInvocation);
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
      title: 'describes the API in /openapi.json from the models it loaded',
      event: () => apiGatewayEvent({ method: 'GET', path: '/openapi.json' }),
      check: async (result) => {
        const { statusCode, body } = httpBody(result);
        expect(statusCode).toBe(200);
        expect(body.openapi).toBe('3.1.0');
        expect(Object.keys(body.paths as object)).toEqual(expect.arrayContaining(['/predict', '/predict/duration', '/predict/cost']));
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
    await check(await predict.invoke(event()));
  });

  it('reports an event of unknown shape as a function error and keeps serving', async () => {
    await firstInvocation;
    const failed = await predict.invoke({ something: 'else' });
    expect(failed.kind).toBe('error');
    expect(failed.body).toMatchObject({ errorMessage: expect.stringMatching(/unsupported event/) });
    const { statusCode } = httpBody(await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/health' })));
    expect(statusCode).toBe(200);
  });

  it('sends a capture record per prediction to the Firehose stream the template names', async () => {
    await firstInvocation;
    const before = firehose.lines(LOCAL.captureStream).length;
    await predict.invoke(apiGatewayEvent({ body: JSON.stringify([COURSE_RIDE, { ...COURSE_RIDE, trip_distance: 3 }]) }));
    const lines = firehose
      .lines(LOCAL.captureStream)
      .slice(before)
      .map((line) => JSON.parse(line) as { source: string; outputs: Record<string, number> });
    expect(lines.filter((l) => l.source === 'http')).toHaveLength(2);
  });
});

describe('one trace id per request through the asset', () => {
  /** The capture records Firehose received after `before`, parsed. */
  const captureSince = (before: number) =>
    firehose
      .lines(LOCAL.captureStream)
      .slice(before)
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  it("answers with the caller's trace id in traceparent (its own span as parent) and captures the ride with that trace id and its ride_id", async () => {
    await firstInvocation;
    const traceId = createHash('sha256').update('a caller trace').digest('hex').slice(0, 32);
    const before = firehose.lines(LOCAL.captureStream).length;

    const result = await predict.invoke(
      apiGatewayEvent({ body: JSON.stringify({ ...COURSE_RIDE, ride_id: 'ride-7' }), headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } }),
    );
    await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/health' }));

    const reply = result.body as { statusCode: number; headers: Record<string, string> };
    expect(reply.statusCode).toBe(200);
    expect(reply.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$`));
    expect(captureSince(before).filter((r) => r.source === 'http')).toEqual([expect.objectContaining({ trace_id: traceId, ride_id: 'ride-7' })]);
  });

  it('gives a request without a traceparent the X-Ray trace API Gateway sent, and a 4xx reply its traceparent too', async () => {
    await firstInvocation;

    const result = await predict.invoke(
      apiGatewayEvent({
        body: '{"PULocationID": 10',
        headers: { 'X-Amzn-Trace-Id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' },
      }),
    );

    const reply = result.body as { statusCode: number; headers: Record<string, string> };
    expect(reply.statusCode).toBe(400);
    expect(reply.headers.traceparent).toMatch(/^00-5759e988bd862e3fe1be46a994272793-[0-9a-f]{16}-01$/);
  });

  it("puts the stream invocation's trace id (Lambda's X-Ray root) in each capture record, dead letter and log line of the batch", async () => {
    await firstInvocation;
    const before = firehose.lines(LOCAL.captureStream).length;
    const logBefore = predict.output().length;

    const result = await predict.invoke(kinesisEvent([rideRecord(9_001, COURSE_RIDE), rideRecord(9_002, { ...COURSE_RIDE, trip_distance: -1 })]));
    await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/health' }));

    const root = /Root=1-([0-9a-f]{8})-([0-9a-f]{24})/.exec(result.traceHeader ?? '');
    const traceId = `${root?.[1]}${root?.[2]}`;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(captureSince(before).filter((r) => r.source === 'stream')).toEqual([expect.objectContaining({ id: '9001', trace_id: traceId })]);
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: LOCAL.dataBucket, Prefix: 'dead-letters/' }));
    const letters = await Promise.all(
      (listed.Contents ?? []).map(
        async ({ Key }) => (await (await s3.client.send(new GetObjectCommand({ Bucket: LOCAL.dataBucket, Key }))).Body?.transformToString()) ?? '',
      ),
    );
    const letter = letters
      .flatMap((text) => text.trim().split('\n'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((l) => l.partitionKey === '9002');
    expect(letter).toMatchObject({ code: 'INVALID_RIDE', trace_id: traceId });
    const logLines = predict
      .output()
      .slice(logBefore)
      .split('\n')
      .filter((line) => line.startsWith('{') && /"message":"(kinesis batch|poison records dead-lettered)"/.test(line))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logLines.map((l) => l.message).sort()).toEqual(['kinesis batch', 'poison records dead-lettered']);
    expect(logLines.every((l) => l.trace_id === traceId)).toBe(true);
  });
});

describe('the work after a reply under the runtime client: capture, metrics, shadows (issue 23)', () => {
  /** An API Gateway POST /predict of the course's ride with its own request id (a capture record's id). */
  const ride = (requestId: string) => {
    const event = apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) });
    return { ...event, requestContext: { ...event.requestContext, requestId } };
  };
  const capturedIds = (prefix: string) =>
    firehose
      .lines(LOCAL.captureStream)
      .map((line) => (JSON.parse(line) as { id: string }).id)
      .filter((id) => id.startsWith(prefix));

  afterEach(() => firehose.release());

  it('reads the modules of its cold start from the V8 code cache shipped in the asset, none refused', async () => {
    const fn = await start(bundled.predict, { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    await fn.invoke(ride('compile-cache'));
    // Node's own trace of its compile cache (NODE_DEBUG_NATIVE): one verdict per module compiled.
    const verdicts = fn
      .output()
      .split('\n')
      .filter((line) => /^\[compile cache\] .*cache for \S+ was (accepted|rejected)/.test(line));

    expect(verdicts.filter((line) => /handler-[A-Z0-9]+\.mjs was accepted/.test(line))).toHaveLength(1);
    expect(verdicts.filter((line) => line.includes('was rejected'))).toEqual([]);
  });

  it('registers one internal extension, for INVOKE events, during init', async () => {
    await firstInvocation;

    expect(predict.api.extensions()).toEqual([{ name: 'ride-duration-after-invocation', events: ['INVOKE'] }]);
  });

  it('answers before its capture reaches Firehose, and its Invoke phase ends only once Firehose has answered', async () => {
    // A send after every invocation, with the longest time limit (60 s): a reply that waited for it would never come while Firehose holds the call.
    const fn = await start(bundled.predict, { CAPTURE_FLUSH_INTERVAL_MS: '0', CAPTURE_FLUSH_TIMEOUT_MS: '60000' });
    await fn.invoke(ride('held-warm-up'));
    firehose.mode = 'hold';

    // Firehose holds every call until it is released: the reply can only come first.
    const reply = await fn.api.invoke(ride('held-1'));
    await until(() => firehose.held() === 1);

    expect(httpBody(reply).statusCode).toBe(200);
    expect(capturedIds('held-1')).toEqual([]);
    expect(fn.api.hasFinished(reply.requestId)).toBe(false);
    firehose.release();
    await fn.api.finished(reply.requestId);
    expect(capturedIds('held-1')).toEqual(['held-1']);
  });

  it('holds records across invocations and delivers every one on SIGTERM, none twice: N requests, N records', async () => {
    // Nothing is due after an invocation for ten minutes: every record waits for the shutdown.
    const fn = await start(bundled.predict, { CAPTURE_FLUSH_INTERVAL_MS: '600000' });
    const ids = Array.from({ length: 25 }, (_, i) => `sigterm-${i}`);
    for (const id of ids) expect(httpBody(await fn.invoke(ride(id))).statusCode).toBe(200);
    const heldBefore = capturedIds('sigterm-');

    // Lambda ends an environment with an extension registered by SIGTERM; its 500 ms limit is the bench's concern.
    const ended = await fn.shutDown(30_000);

    expect(heldBefore).toEqual([]);
    expect(ended).toEqual({ code: null, signal: 'SIGTERM', killedAtLimit: false });
    expect(capturedIds('sigterm-').sort()).toEqual([...ids].sort());
  });
});

describe('MLflow model directories through the asset', () => {
  it('serves a one-hot model from an s3:// MLflow prefix and from a local MLflow directory, with their run ids as versions', async () => {
    const bytes = oneHotLinearModel(ONE_HOT);
    const signature = [
      { name: 'PU_DO', type: 'string' },
      { name: 'trip_distance', type: 'float' },
    ];
    await s3.put(LOCAL.modelBucket, 'mlflow/1/run-s3/artifacts/model/model.onnx', bytes);
    await s3.put(LOCAL.modelBucket, 'mlflow/1/run-s3/artifacts/model/MLmodel', Buffer.from(mlmodelYaml('run-s3', signature)));
    const localDir = join(scratch.path, 'mlruns', '1', 'run-local', 'artifacts', 'model');
    mkdirSync(localDir, { recursive: true });
    writeFileSync(join(localDir, 'model.onnx'), bytes);
    writeFileSync(join(localDir, 'MLmodel'), mlmodelYaml('run-local', signature));
    const fn = await start(bundled.predict, { MODELS: `from_s3=s3://${LOCAL.modelBucket}/mlflow/1/run-s3/artifacts/model,from_disk=${localDir}` });
    const rides = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, { PULocationID: 1, DOLocationID: 1, trip_distance: 1 }];
    const expected = await (await servedModel('x', bytes, 'v')).predict(batchOf(rides));

    const { statusCode, body } = httpBody(await fn.invoke(apiGatewayEvent({ body: JSON.stringify(rides) })));

    expect(statusCode).toBe(200);
    expect((body as unknown as Record<string, unknown>[]).map((r) => [r.from_s3, r.from_disk, r.model_versions])).toEqual(
      [...expected].map((value) => [value, value, { from_s3: 'run-s3', from_disk: 'run-local' }]),
    );
    // 1·onehot + 2·distance + 4 in float32: the one-hot column really took part
    expect(expected[0]).toBeCloseTo(1 + 2 * 40 + 4, 4);
    expect(expected[2]).toBeCloseTo(2 * 1 + 4, 4);
  });

  it('with MODEL_REFRESH_SECONDS set, serves from a session in onnx-worker.mjs beside the asset and swaps in a replaced model file (issue 28)', async () => {
    const dir = join(scratch.path, 'hot-swap');
    mkdirSync(dir, { recursive: true });
    const [first, second] = [oneHotLinearModel(ONE_HOT), oneHotLinearModel({ ...ONE_HOT, intercept: ONE_HOT.intercept + 10 })];
    writeFileSync(join(dir, 'model.onnx'), first);
    const fn = await start(bundled.predict, { MODELS: `duration=${join(dir, 'model.onnx')}`, MODEL_REFRESH_SECONDS: '1' });
    const ask = async () => httpBody(await fn.invoke(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) })));
    const before = await ask();
    writeFileSync(join(dir, 'next.onnx'), second);
    renameSync(join(dir, 'next.onnx'), join(dir, 'model.onnx'));
    // The check runs beside the invocations (never awaited by one): ask until the new model answers.
    let after = await ask();
    for (let i = 0; i < 200 && after.body.model_version === before.body.model_version; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await ask();
    }

    expect([before.statusCode, after.statusCode]).toEqual([200, 200]);
    expect(after.body.model_version).not.toBe(before.body.model_version);
    expect(Number(after.body.duration) - Number(before.body.duration)).toBeCloseTo(10, 3);
  });
});

describe('the batch function under the Lambda runtime client', () => {
  it('scores a month of trips from S3 into the predictions prefix, as its schedule would', async () => {
    const batch = await start(bundled.batch, { CAPTURE_LOCATION: join(scratch.path, 'batch-capture') });
    const rows = fixtureRows(2_000);
    const file = join(scratch.path, 'green.parquet');
    await writeFixture(file, rows);
    await s3.put(LOCAL.dataBucket, 'trip-data/green_tripdata_2021-02.parquet', readFileSync(file));

    const result = await batch.invoke({ taxi_type: 'green', year: 2021, month: 2, run_id: 'bundle-test' });

    if (result.kind !== 'response') throw new Error(`${JSON.stringify(result.body)}\n--- function output ---\n${batch.output()}`);
    const kept = expectedFilter(rows).kept.length;
    expect(result.body).toMatchObject({ rows_read: rows.length, rows_scored: kept, run_id: 'bundle-test' });
    const object = await s3.client.send(
      new GetObjectCommand({ Bucket: LOCAL.dataBucket, Key: 'predictions/taxi_type=green/year=2021/month=02/bundle-test.parquet' }),
    );
    const written = await readParquet(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    expect(written.rows).toHaveLength(kept);
  });

  it('removes its staging file from /tmp when Lambda stops the runtime process mid-run (SIGTERM), and writes no object', async () => {
    const api = await startRuntimeApi();
    // Lambda's /tmp, here a directory of this test's own; small chunks make the run last a while.
    const tmp = join(scratch.path, 'tmp');
    mkdirSync(tmp);
    const trace = join(scratch.path, `trace-${traces.length}.txt`);
    traces.push(trace);
    const batchLambda = startLambdaProcess({
      assetDir: bundled.batch.assetDir,
      handler: bundled.batch.handler,
      runtimeApi: api.address,
      memoryMb: bundled.batch.memoryMb,
      environment: { ...bundled.batch.environment, AWS_ENDPOINT_URL_S3: s3.endpoint, CAPTURE_LOCATION: '', TMPDIR: tmp, BATCH_CHUNK_ROWS: '200' },
      nodeBinary: lambdaNodeBinary(),
      moduleTraceFile: trace,
    });
    const stagingDir = join(tmp, 'ride-batch-staging');
    try {
      const file = join(scratch.path, 'green-stopped.parquet');
      await writeFixture(file, fixtureRows(20_000));
      await s3.put(LOCAL.dataBucket, 'trip-data/green_tripdata_2021-04.parquet', readFileSync(file));
      const exited = once(batchLambda.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      // Never answered: the process is stopped mid-run.
      api.invoke({ taxi_type: 'green', year: 2021, month: 4, run_id: 'stopped' }).catch(() => undefined);
      const staged = await stagingFileOnceItExists(stagingDir, batchLambda);

      batchLambda.child.kill('SIGTERM');
      const [code, signal] = await exited;

      expect(staged).toMatch(/\.partial$/);
      expect({ code, signal }).toEqual(signal === null ? { code: 143, signal } : { code, signal: 'SIGTERM' });
      expect(batchLambda.output()).toContain('batch interrupted by SIGTERM; removed the unfinished output');
      expect(readdirSync(stagingDir)).toEqual([]);
      const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: LOCAL.dataBucket, Prefix: 'predictions/taxi_type=green/year=2021/month=04/' }));
      expect(listed.Contents ?? []).toEqual([]);
    } finally {
      await batchLambda.stop();
      await api.close();
    }
  });
});

/** Resolves once `condition` holds, checking after each turn of the event loop (no clock involved). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolveTurn) => setImmediate(resolveTurn));
}

/** Polls `directory` until a staging file shows (the run is mid-file), or fails if the process ends first. */
async function stagingFileOnceItExists(directory: string, lambdaProcess: LambdaProcess): Promise<string> {
  for (;;) {
    const [name] = existsSync(directory) ? readdirSync(directory) : [];
    if (name !== undefined) return name;
    if (lambdaProcess.child.exitCode !== null)
      throw new Error(`the function ended before it staged its output\n--- function output ---\n${lambdaProcess.output()}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 5));
  }
}

describe('the monitor function under the Lambda runtime client', () => {
  it("reports on the predict function's capture, as Firehose delivers it to S3, against the uploaded reference profiles, joined by ride id to the actuals under actuals/, publishing quality per model version as EMF", async () => {
    await firstInvocation;
    const rides = Array.from({ length: 60 }, (_, i) => ({ PULocationID: 1 + (i % 50), DOLocationID: 2 + (i % 40), trip_distance: 0.5 + (i % 12) }));
    await predict.invoke(apiGatewayEvent({ body: JSON.stringify(rides) }));
    // Stream rides carry ride ids: the truth arrives later, by those ids, 1.5 minutes longer than predicted.
    const streamed = rides.slice(0, 40);
    await predict.invoke(kinesisEvent(streamed.map((ride, i) => rideRecord(7_000 + i, ride))));
    await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/health' }));
    const { outputs } = await (await shippedModels()).predict(batchOf(streamed));
    const now = new Date();
    const day = now.toISOString().slice(0, 10);
    // Where the delivery stream writes (its S3 prefix, dt=/hour= partitions) is where the monitor reads.
    const capture = s3Location(bundled.monitor.environment.MONITOR_CAPTURE_LOCATION);
    const reports = s3Location(bundled.monitor.environment.MONITOR_OUTPUT_LOCATION);
    const actuals = s3Location(bundled.monitor.environment.MONITOR_ACTUALS_LOCATION);
    const key = `${capture.key}dt=${day}/hour=${now.toISOString().slice(11, 13)}/ride-capture-1`;
    await s3.put(capture.bucket, key, Buffer.from(`${firehose.lines(LOCAL.captureStream).join('\n')}\n`));
    const truth = streamed.map((_, i) => `${7_000 + i},${(outputs.duration?.[i] as number) + 1.5}`);
    await s3.put(actuals.bucket, `${actuals.key}dt=${day}/completed-rides.csv`, Buffer.from(['ride_id,actual_duration', ...truth].join('\n')));
    const monitor = await start(bundled.monitor);

    const result = await monitor.invoke({ monitor: 'scheduled', time: new Date(now.getTime() + 60_000).toISOString() });

    if (result.kind !== 'response') throw new Error(`${JSON.stringify(result.body)}\n--- function output ---\n${monitor.output()}`);
    const summary = result.body as { records: number; report: string; actuals: unknown; quality: unknown[] };
    expect(summary.records).toBeGreaterThanOrEqual(rides.length + streamed.length);
    expect(summary.actuals).toEqual({ files: 1, rows: streamed.length, unreadable_files: 0 });
    expect(summary.quality).toEqual([
      {
        model: 'duration',
        version: '54c7ff65d8e2',
        rows: streamed.length,
        rmse: expect.closeTo(1.5, 4),
        mae: expect.closeTo(1.5, 4),
        bias: expect.closeTo(-1.5, 4),
        rmse_over_train: expect.closeTo(1.5 / 5.2589, 4),
      },
    ]);
    const written = await s3.client.send(new ListObjectsV2Command({ Bucket: reports.bucket, Prefix: reports.key }));
    expect((written.Contents ?? []).map((o) => o.Key?.split('/').pop()).sort()).toEqual(['report.html', 'summary.json']);
    // The EMF record CloudWatch turns into the quality metrics, with the contract's dimension sets.
    const emf = monitor
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Dimensions: string[][]; Metrics: { Name: string }[] }[] } } & Record<string, unknown>)
      .find((record) => record.ModelRmse !== undefined);
    expect(emf?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['service', 'model', 'model_version'],
      ['service', 'model'],
    ]);
    expect(emf?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual([
      'ModelBias',
      'ModelMae',
      'ModelRmse',
      'ModelRowsJoined',
      'RmseOverTraining',
    ]);
    expect(emf).toMatchObject({
      service: 'ride-duration-prediction',
      model: 'duration',
      model_version: '54c7ff65d8e2',
      ModelRowsJoined: streamed.length,
      RmseOverTraining: expect.closeTo(1.5 / 5.2589, 4),
    });
  });
});

describe('the PreTraffic hook under the Lambda runtime client', () => {
  const VERSION = (n: number) => `arn:aws:lambda:us-east-1:000000000000:function:predict:${n}`;
  let lambda: LocalLambdaService;
  let codedeploy: LocalCodeDeploy;
  let edited: AssetFunction;

  beforeAll(async () => {
    // The shipped duration model with one of its examples edited to be wrong, beside the shipped cost model.
    const durationKey = bundled.stack.models.uploads.find((u) => u.key.startsWith('models/duration/') && u.key.endsWith('model.onnx'))?.key as string;
    const costKey = bundled.stack.models.uploads.find((u) => u.key.startsWith('models/cost/') && u.key.endsWith('model.onnx'))?.key as string;
    const sidecar = JSON.parse(readFileSync(DEFAULT_MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8')) as { examples: { output: number }[] };
    (sidecar.examples[2] as { output: number }).output = 99;
    await s3.put(LOCAL.modelBucket, 'edited/model.onnx', defaultModelBytes());
    await s3.put(LOCAL.modelBucket, 'edited/model.json', Buffer.from(JSON.stringify(sidecar)));
    edited = await start(bundled.predict, { MODELS: `duration=s3://${LOCAL.modelBucket}/edited/model.onnx,cost=s3://${LOCAL.modelBucket}/${costKey}` });
    expect(durationKey).toBeDefined();
    // A version whose answers over the event shapes differ from what it loaded: the shipped one, its cost examples shifted in transit.
    const drifting = {
      invoke: async (event: unknown) => {
        const result = await predict.invoke(event);
        const models = (result.body as { models?: { name: string; examples?: { rows: { output: number }[] } }[] }).models;
        for (const row of models?.find((m) => m.name === 'cost')?.examples?.rows ?? []) row.output += 1;
        return result;
      },
    };
    lambda = await startLambdaService({ [VERSION(7)]: predict, [VERSION(8)]: edited, [VERSION(10)]: drifting });
    codedeploy = await startCodeDeployServer();
  });
  afterAll(async () => {
    await lambda?.close();
    await codedeploy?.close();
  });

  /** Runs the hook function for one deployment against `target`, as CodeDeploy invokes it. */
  async function runHook(target: string, deploymentId: string): Promise<{ report: Record<string, unknown>; status: string | undefined }> {
    const hook = await start(bundled.preTraffic, {
      PRETRAFFIC_TARGET: target,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_ENDPOINT_URL_CODEDEPLOY: codedeploy.endpoint,
    });
    const result = await hook.invoke({ DeploymentId: deploymentId, LifecycleEventHookExecutionId: `hook-${deploymentId}` });
    if (result.kind !== 'response') throw new Error(`${JSON.stringify(result.body)}\n--- hook output ---\n${hook.output()}`);
    const reported = codedeploy.reports.filter((r) => r.deploymentId === deploymentId);
    expect(reported).toHaveLength(1);
    expect(reported[0]?.lifecycleEventHookExecutionId).toBe(`hook-${deploymentId}`);
    return { report: result.body as Record<string, unknown>, status: reported[0]?.status };
  }

  it("reports Succeeded once the new version reproduces every model's examples over API Gateway and Kinesis, leaving nothing on the predictions stream or in capture", async () => {
    await firstInvocation;
    const streamBefore = (await readAll(kinesis.client, LOCAL.predictionsStream)).length;
    const captureBefore = firehose.lines(LOCAL.captureStream).length;

    const { report, status } = await runHook(VERSION(7), 'd-GOOD');

    expect(status).toBe('Succeeded');
    expect(report).toMatchObject({ status: 'Succeeded', target: VERSION(7), failures: [], notes: [] });
    expect(report.models).toEqual([
      { name: 'duration', version: '54c7ff65d8e2', examples: 6, http: 6, kinesis: 6 },
      { name: 'cost', version: 'fcf6f8f1ca81', examples: 6, http: 6, kinesis: 6 },
    ]);
    const calls = lambda.invokes.filter((i) => i.functionName === VERSION(7));
    expect(calls.map((c) => Object.keys((c.payload as { pretraffic: object }).pretraffic)[0])).toEqual(['describe', 'http', 'http', 'kinesis']);
    expect(calls.every((c) => c.signed && c.invocationType === 'RequestResponse')).toBe(true);
    await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/health' }));
    expect(await readAll(kinesis.client, LOCAL.predictionsStream)).toHaveLength(streamBefore);
    expect(firehose.lines(LOCAL.captureStream)).toHaveLength(captureBefore);
  });

  it('reports Failed, naming the model and its worst example, when the new version carries a model whose examples were edited to be wrong', async () => {
    const { report, status } = await runHook(VERSION(8), 'd-EDITED');

    expect(status).toBe('Failed');
    expect(report.failures).toEqual([
      expect.stringMatching(
        /^model 'duration' is not loaded \(failed, INVALID_MODEL\): model 'duration' version 54c7ff65d8e2 does not reproduce its examples \(1 of 6 differ\); the worst: example 2 .* expects 99, got 2\.64/,
      ),
    ]);
    expect(report.models).toEqual([{ name: 'cost', version: 'fcf6f8f1ca81', examples: 6, http: 6, kinesis: 0 }]);
    expect(report.notes).toEqual(["not checked over Kinesis: the stream needs every model, and 'duration' did not load"]);
  });

  it('reports Failed naming each path and the worst example when the answers over API Gateway and Kinesis differ from the examples', async () => {
    const { report, status } = await runHook(VERSION(10), 'd-DRIFT');

    expect(status).toBe('Failed');
    expect(report.failures).toEqual([
      expect.stringMatching(/^model 'cost' over API Gateway: 6 of 6 examples differ; the worst: example \d .* \(relative error .* > 0\.0001\)$/),
      expect.stringMatching(/^model 'cost' over Kinesis: 6 of 6 examples differ; the worst: example \d /),
    ]);
    expect(report.models).toEqual([
      { name: 'duration', version: '54c7ff65d8e2', examples: 6, http: 6, kinesis: 6 },
      { name: 'cost', version: 'fcf6f8f1ca81', examples: 6, http: 0, kinesis: 0 },
    ]);
  });

  it('reports Failed when the version cannot be invoked at all', async () => {
    const { report, status } = await runHook(VERSION(9), 'd-MISSING');

    expect(status).toBe('Failed');
    expect(report.failures).toEqual([expect.stringMatching(/^the check could not be completed: Function not found: .*predict:9/)]);
  });
});

describe('the zoo of converter-shaped models through the asset', () => {
  const entries = servedZoo((entry) => !hasNullRows(entry));
  const rides = sharedRides(entries);
  const zooKey = (entry: ZooEntry) => `zoo/${entry.id}/`;
  // An .onnx key, or an MLflow directory's prefix (no trailing slash), as a user writes MODELS.
  const models = () => modelsVariable(entries, (entry) => `s3://${LOCAL.modelBucket}/${zooKey(entry)}${zooModelFile(entry)}`.replace(/\/$/, ''));
  let zoo: AssetFunction;

  beforeAll(async () => {
    for (const entry of [...servedZoo(), ...refusedZoo()])
      for (const file of zooFiles(entry)) await s3.put(LOCAL.modelBucket, `${zooKey(entry)}${file.name}`, bytesOf(file.path));
    zoo = await start(bundled.predict, { MODELS: models() });
  });

  it.each(entries.map((entry) => [entry.id, entry] as const))("%s answers scikit-learn's predictions over API Gateway (/predict/<name>)", async (id, entry) => {
    const { statusCode, body } = httpBody(await zoo.invoke(apiGatewayEvent({ path: `/predict/${id}`, body: JSON.stringify(entry.rows) })));

    expect(statusCode).toBe(200);
    expect(
      zooMismatches(
        entry,
        (body as unknown as Record<string, unknown>[]).map((reply) => reply[id]),
        'asset: API Gateway',
      ),
    ).toEqual([]);
  });

  it("scores rides carrying every zoo model's fields from one Kinesis batch, each model as scikit-learn does", async () => {
    const first = 900_000;
    const result = await zoo.invoke(kinesisEvent(rides.map((ride, i) => rideRecord(first + i, ride))));

    expect(result.body).toEqual({ batchItemFailures: [] });
    const records = (await readAll(kinesis.client, LOCAL.predictionsStream))
      .map((r) => JSON.parse(r.data.toString('utf8')) as { prediction: Record<string, number> })
      .filter((r) => Number(r.prediction.ride_id) >= first)
      .sort((a, b) => Number(a.prediction.ride_id) - Number(b.prediction.ride_id));
    expect(records).toHaveLength(rides.length);
    for (const entry of entries)
      expect(
        zooMismatches(
          entry,
          records.map((r) => r.prediction[`ride_${entry.id}`]),
          'asset: Kinesis',
        ),
      ).toEqual([]);
  });

  it('scores a trip file of those rides with the batch function, each model into its predicted_<name> column', async () => {
    const batch = await start(bundled.batch, { MODELS: models() });
    const file = join(scratch.path, 'zoo-trips.parquet');
    await writeFixture(file, zooTripRows(rides));
    await s3.put(LOCAL.dataBucket, 'trip-data/green_tripdata_2021-03.parquet', readFileSync(file));

    const result = await batch.invoke({ taxi_type: 'green', year: 2021, month: 3, run_id: 'zoo' });

    if (result.kind !== 'response') throw new Error(`${JSON.stringify(result.body)}\n--- function output ---\n${batch.output()}`);
    expect(result.body).toMatchObject({ rows_read: rides.length, rows_scored: rides.length });
    const object = await s3.client.send(new GetObjectCommand({ Bucket: LOCAL.dataBucket, Key: 'predictions/taxi_type=green/year=2021/month=03/zoo.parquet' }));
    const written = await readParquet(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    for (const entry of entries)
      expect(
        zooMismatches(
          entry,
          written.rows.map((row) => Number(row[`predicted_${entry.id}`])),
          'asset: batch function',
        ),
      ).toEqual([]);
  });

  it.each(refusedZoo().map((entry) => [entry.id, entry] as const))('refuses %s at load, and /health says why', async (id, entry) => {
    const refused = await start(bundled.predict, { MODELS: `${id}=s3://${LOCAL.modelBucket}/${zooKey(entry)}${zooModelFile(entry)}`.replace(/\/$/, '') });

    const { statusCode, body } = httpBody(await refused.invoke(apiGatewayEvent({ method: 'GET', path: '/health' })));

    expect(statusCode).toBe(503);
    expect(body.models).toEqual([expect.objectContaining({ name: id, state: 'failed', reason: expect.stringContaining(entry.refusal as string) })]);
  });

  it('serves a model whose sidecar marks an input nullable, a missing value reaching its Imputer, on every path', async () => {
    const [imputer] = servedZoo((entry) => hasNullRows(entry));
    if (!imputer) throw new Error('the zoo has no model with nullable rows');
    const models = `${imputer.id}=s3://${LOCAL.modelBucket}/${zooKey(imputer)}${zooModelFile(imputer)}`;
    const fn = await start(bundled.predict, { MODELS: models });
    const first = 950_000;

    const http = httpBody(await fn.invoke(apiGatewayEvent({ path: `/predict/${imputer.id}`, body: JSON.stringify(imputer.rows) })));
    const stream = await fn.invoke(kinesisEvent(imputer.rows.map((ride, i) => rideRecord(first + i, ride))));
    const batch = await start(bundled.batch, { MODELS: models });
    const file = join(scratch.path, 'imputer-trips.parquet');
    await writeFixture(file, zooTripRows(imputer.rows));
    await s3.put(LOCAL.dataBucket, 'trip-data/green_tripdata_2021-05.parquet', readFileSync(file));
    const scored = await batch.invoke({ taxi_type: 'green', year: 2021, month: 5, run_id: 'imputer' });

    expect(http.statusCode).toBe(200);
    expect(
      zooMismatches(
        imputer,
        (http.body as unknown as Record<string, unknown>[]).map((reply) => reply[imputer.id]),
        'asset: API Gateway',
      ),
    ).toEqual([]);
    expect(stream.body).toEqual({ batchItemFailures: [] });
    const records = (await readAll(kinesis.client, LOCAL.predictionsStream))
      .map((r) => JSON.parse(r.data.toString('utf8')) as { prediction: Record<string, number> })
      .filter((r) => Number(r.prediction.ride_id) >= first)
      .sort((a, b) => Number(a.prediction.ride_id) - Number(b.prediction.ride_id));
    expect(
      zooMismatches(
        imputer,
        records.map((r) => r.prediction[`ride_${imputer.id}`]),
        'asset: Kinesis',
      ),
    ).toEqual([]);
    expect(scored.body).toMatchObject({ rows_read: imputer.rows.length, rows_scored: imputer.rows.length });
    const object = await s3.client.send(
      new GetObjectCommand({ Bucket: LOCAL.dataBucket, Key: 'predictions/taxi_type=green/year=2021/month=05/imputer.parquet' }),
    );
    const written = await readParquet(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    expect(
      zooMismatches(
        imputer,
        written.rows.map((row) => Number(row[`predicted_${imputer.id}`])),
        'asset: batch function',
      ),
    ).toEqual([]);
  });
});

describe('one model that cannot load, beside one that can, in the asset', () => {
  it('keeps the good model answering and names the broken one on every path, never as "retry shortly"', async () => {
    const [good] = servedZoo((entry) => entry.id === 'recipe');
    if (!good) throw new Error('the zoo has no recipe model');
    const models = `good=s3://${LOCAL.modelBucket}/zoo/${good.id}/${zooModelFile(good)},broken=s3://${LOCAL.modelBucket}/zoo/no-such-model/model.onnx`;
    const fn = await start(bundled.predict, { MODELS: models });

    const one = httpBody(await fn.invoke(apiGatewayEvent({ path: '/predict/good', body: JSON.stringify(good.rows) })));
    const all = await fn.invoke(apiGatewayEvent({ body: JSON.stringify(good.rows[0]) }));
    const health = httpBody(await fn.invoke(apiGatewayEvent({ method: 'GET', path: '/health' })));
    const stream = await fn.invoke(kinesisEvent([rideRecord(1, good.rows[0])]));
    const batch = await start(bundled.batch, { MODELS: models });
    const job = await batch.invoke({ taxi_type: 'green', year: 2021, month: 3, run_id: 'broken' });

    expect(one.statusCode).toBe(200);
    expect(
      zooMismatches(
        good,
        (one.body as unknown as Record<string, unknown>[]).map((reply) => reply.good),
      ),
    ).toEqual([]);
    expect(httpBody(all)).toMatchObject({ statusCode: 503, body: { code: 'MODEL_UNAVAILABLE', model: 'broken' } });
    expect((all.body as { headers: Record<string, string> }).headers['retry-after']).toBeUndefined();
    expect(health.statusCode).toBe(503);
    expect(health.body.models).toEqual([
      expect.objectContaining({ name: 'good', state: 'loaded' }),
      expect.objectContaining({ name: 'broken', state: 'failed', code: 'MODEL_NOT_FOUND' }),
    ]);
    expect((stream.body as { batchItemFailures: unknown[] }).batchItemFailures).toHaveLength(1);
    expect(job.kind).toBe('error');
    expect(JSON.stringify(job.body)).toContain('broken');
  });
});

describe('every protocol through the asset, as API Gateway hands the function its requests', () => {
  const rides = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }];
  const columns = ['PULocationID', 'DOLocationID', 'trip_distance'] as const;
  const oneModel = async (name: string) =>
    (
      httpBody(await predict.invoke(apiGatewayEvent({ path: `/predict/${name}`, body: JSON.stringify(rides) }))).body as unknown as Record<string, number>[]
    ).map((reply) => reply[name]);

  it("answers OIP v2 infer with /predict/<name>'s numbers, and its metadata with the version fetched from S3", async () => {
    await firstInvocation;
    const inputs = columns.map((name) => ({
      name,
      shape: [rides.length],
      datatype: name === 'trip_distance' ? 'FP32' : 'INT64',
      data: rides.map((ride) => ride[name]),
    }));

    const infer = httpBody(await predict.invoke(apiGatewayEvent({ path: '/v2/models/cost/infer', body: JSON.stringify({ inputs }) })));
    const metadata = httpBody(await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/v2/models/cost' })));

    expect(infer).toEqual({
      statusCode: 200,
      body: { model_name: 'cost', model_version: expect.any(String), outputs: [{ name: 'cost', datatype: 'FP32', shape: [2], data: await oneModel('cost') }] },
    });
    expect(metadata.body).toMatchObject({ name: 'cost', versions: [infer.body.model_version], platform: 'onnxruntime_onnx' });
  });

  it("answers MLflow's /invocations, JSON and CSV, with /predict/<name>'s numbers, and SageMaker's /ping", async () => {
    await firstInvocation;
    const [duration, cost] = [await oneModel('duration'), await oneModel('cost')];
    const expected = { predictions: rides.map((_, i) => ({ duration: duration[i], cost: cost[i] })) };
    const csv = `,${columns.join(',')}\n${rides.map((ride, i) => [i, ...columns.map((c) => ride[c])].join(',')).join('\n')}\n`;

    const json = httpBody(await predict.invoke(apiGatewayEvent({ path: '/invocations', body: JSON.stringify({ dataframe_records: rides }) })));
    const fromCsv = httpBody(await predict.invoke(apiGatewayEvent({ path: '/invocations', body: csv, headers: { 'content-type': 'text/csv' } })));
    const ping = await predict.invoke(apiGatewayEvent({ method: 'GET', path: '/ping' }));

    expect(json).toEqual({ statusCode: 200, body: expected });
    expect(fromCsv).toEqual({ statusCode: 200, body: expected });
    expect((ping.body as { statusCode: number }).statusCode).toBe(200);
  });

  it('serves the API reference page and its two files from the files the asset carries', async () => {
    await firstInvocation;
    const get = async (path: string) =>
      (await predict.invoke(apiGatewayEvent({ method: 'GET', path }))).body as { statusCode: number; headers: Record<string, string>; body: string };

    const page = await get('/docs');
    const script = await get('/docs/swagger-ui-bundle.js');
    const style = await get('/docs/swagger-ui.css');

    expect([page.statusCode, page.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(page.body).toContain('SwaggerUIBundle');
    expect([script.statusCode, script.body]).toEqual([
      200,
      readFileSync(join(bundled.predict.assetDir, 'node_modules', 'swagger-ui-dist', 'swagger-ui-bundle.js'), 'utf8'),
    ]);
    expect([style.statusCode, style.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
  });

  const missingPython = pythonClientMissing();
  (missingPython ? describe.skip : describe)('a Python client written from the specs, over a loopback API Gateway bridge', () => {
    const clientRides = [
      { PULocationID: 10, DOLocationID: 50, trip_distance: 40, passenger_count: 1 },
      { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66, passenger_count: 2 },
      { PULocationID: 1, DOLocationID: 265, trip_distance: 0.5, passenger_count: 4 },
    ];
    const bridges: ApiGatewayBridge[] = [];
    afterAll(async () => {
      for (const bridge of bridges) await bridge.close();
    });

    /** The template's MODELS plus the fare model (docs/own-model.md's) uploaded beside them: the several-models setup. */
    async function severalModels(): Promise<AssetFunction> {
      for (const file of ['model.onnx', 'model.json'])
        await s3.put(LOCAL.modelBucket, `protocols/fare/${file}`, readFileSync(join(__dirname, '..', 'fixtures', 'zoo', 'recipe', file)));
      return start(bundled.predict, { MODELS: `${bundled.predict.environment.MODELS},fare=s3://${LOCAL.modelBucket}/protocols/fare/model.onnx` });
    }

    it.each([
      ['the shipped models', ['duration', 'cost']],
      ['several models (MODELS + fare)', ['duration', 'cost', 'fare']],
    ])('gets, for %s, the numbers /predict/<name> gives on OIP v2 and every MLflow format', async (_setup, models) => {
      await firstInvocation;
      const fn = models.includes('fare') ? await severalModels() : predict;
      const bridge = await startApiGatewayBridge((event) => fn.invoke(event));
      bridges.push(bridge);

      const results = await runSpecClient(bridge.url, models, clientRides);

      expect(bridge.invocations()).toBeGreaterThan(10);
      for (const [protocol, numbers] of Object.entries(protocolNumbers(results, models)))
        expect({ protocol, numbers }).toEqual({ protocol, numbers: results.predict });
      expect(results.oip).toMatchObject({ live: 200, ready: 200 });
      expect(results.mlflow.ping).toBe(200);
    });
  });
});

describe('everything the asset ships', () => {
  it('was loaded by some function above: no chunk our code can load is untested', async () => {
    const plan = await assetChunkPlan();

    expect(plan.required.length).toBeGreaterThan(10);
    // The plan is of this very asset: the recipe's build gives the same chunk names.
    expect(plan.all.sort()).toEqual(assetModules(bundled.predict.assetDir).sort());
    expect(chunksNeverLoaded(bundled.predict.assetDir, traces, plan.required)).toEqual([]);
  });

  it('holds no other lazy chunk than those a dependency loads for situations Lambda never meets (each named with its reason)', async () => {
    const { dependencyLazy } = await assetChunkPlan();

    expect(dependencyLazy.filter(({ entry }) => !DEPENDENCY_LAZY_CHUNKS.some((known) => known.entry.test(entry)))).toEqual([]);
  });
});
