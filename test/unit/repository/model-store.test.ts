import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { InvalidModelError, ModelNotFoundError, ModelUnavailableError, UnsupportedModelError } from '../../../lambda/serving/errors';
import { ModelSetCache, RETRY_PERMANENT_MS, contentVersion, loadServedModel, parseModelLocation, type ModelSpec } from '../../../lambda/repository';
import { createModelSet } from '../../../lambda/model/model-set';
import { COURSE_RIDE, DEFAULT_MODEL_PATH, batchOf, defaultModelBytes, predictDurations } from '../../support/fixtures';
import { mlmodelYaml, passengerModel, rankOneModel } from '../../support/onnx-models';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

/** Counts the GetObject calls a client sends (observes the real client; no response is faked). */
function countGets(client: S3Client): { keys: string[] } {
  const counter = { keys: [] as string[] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') counter.keys.push(String((args.input as { Key?: string }).Key));
      return next(args);
    },
    { step: 'initialize', name: `countGets${Math.random()}` },
  );
  return counter;
}

const spec = (name: string, location: string, versionOverride?: string): ModelSpec => ({
  name,
  location: parseModelLocation(location),
  ...(versionOverride ? { versionOverride } : {}),
});
const PASSENGER_SIGNATURE = [
  { name: 'passenger_count', type: 'long' },
  { name: 'trip_distance', type: 'double' },
];

describe('loading models from S3', () => {
  let s3: LocalS3;
  const bytes = defaultModelBytes();

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
    await s3.put('models', 'ride/model.onnx', bytes);
    await s3.put('models', 'bare/model.onnx', bytes);
    await s3.put('models', 'sidecar/model.onnx', bytes);
    await s3.put('models', 'sidecar/model.json', JSON.stringify({ model_version: 'side-3', unit: 'minutes', inputs: { trip_distance: { min: 0 } } }));
    await s3.put('models', '1/run42/artifacts/model/MLmodel', mlmodelYaml('run42', PASSENGER_SIGNATURE));
    await s3.put('models', '1/run42/artifacts/model/model.onnx', passengerModel());
  });
  afterAll(() => s3.close());

  it('versions the same bytes the same on S3 as on disk: a content hash, not the ETag', async () => {
    const fromS3 = await loadServedModel(spec('duration', 's3://models/bare/model.onnx'), s3.client);
    const dir = mkdtempSync(join(tmpdir(), 'bare-'));
    writeFileSync(join(dir, 'model.onnx'), bytes);
    const fromDisk = await loadServedModel(spec('duration', join(dir, 'model.onnx')));
    rmSync(dir, { recursive: true });

    expect(fromS3.version).toBe(contentVersion(bytes));
    expect(fromDisk.version).toBe(fromS3.version);
    expect((await predictDurations(createModelSet([fromS3]), [COURSE_RIDE]))[0]).toBeGreaterThan(0);
  });

  it('takes the version from the sidecar beside the object, and its constraints', async () => {
    const model = await loadServedModel(spec('duration', 's3://models/sidecar/model.onnx'), s3.client);

    expect(model.version).toBe('side-3');
    expect(model.info.unit).toBe('minutes');
    expect(model.fields.find((f) => f.name === 'trip_distance')).toMatchObject({ kind: 'number', min: 0 });
  });

  it('prefers MODEL_VERSION / RUN_ID over everything the store says', async () => {
    const model = await loadServedModel(spec('duration', 's3://models/sidecar/model.onnx', 'run-7'), s3.client);

    expect(model.version).toBe('run-7');
  });

  it('loads an MLflow model directory from an S3 prefix: version = run_id, the signature narrowing the request', async () => {
    const model = await loadServedModel(spec('fare', 's3://models/1/run42/artifacts/model'), s3.client);

    expect(model.version).toBe('run42');
    expect(model.info.source).toBe('s3://models/1/run42/artifacts/model/model.onnx');
    expect(model.fields).toEqual([
      expect.objectContaining({ name: 'passenger_count', kind: 'integer' }),
      expect.objectContaining({ name: 'trip_distance', kind: 'number' }),
    ]);
    const { outputs } = await createModelSet([model]).predict(batchOf([{ passenger_count: 2, trip_distance: 4 }]));
    expect(Array.from(outputs.fare!)).toEqual([14]);
  });

  it('says what is missing when an S3 prefix holds no MLmodel', async () => {
    const error = await loadServedModel(spec('x', 's3://models/1/nothing/artifacts/model'), s3.client).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as Error).message).toMatch(/s3:\/\/models\/1\/nothing\/artifacts\/model\/MLmodel not found/);
  });

  it('loads every model of a set concurrently, one GET per file, shared between concurrent first callers', async () => {
    const gets = countGets(s3.client);
    const cache = new ModelSetCache([spec('duration', 's3://models/ride/model.onnx'), spec('fare', 's3://models/1/run42/artifacts/model')], (s) =>
      loadServedModel(s, s3.client),
    );

    const sets = await Promise.all(Array.from({ length: 10 }, () => cache.get()));

    expect(new Set(sets).size).toBe(1);
    expect(cache.current()).toBe(sets[0]);
    expect(gets.keys.sort()).toEqual([
      '1/run42/artifacts/model/MLmodel',
      '1/run42/artifacts/model/model.json',
      '1/run42/artifacts/model/model.onnx',
      'ride/model.json',
      'ride/model.onnx',
    ]);
    expect(cache.status()).toEqual([
      { name: 'duration', state: 'loaded', version: contentVersion(bytes) },
      { name: 'fare', state: 'loaded', version: 'run42' },
    ]);
  });

  it('never hands out a half-loaded set: fails while one model is missing, then recovers loading only that one', async () => {
    const gets = countGets(s3.client);
    let clock = 0;
    const cache = new ModelSetCache(
      [spec('duration', 's3://models/ride/model.onnx'), spec('later', 's3://models/later/model.onnx')],
      (s) => loadServedModel(s, s3.client),
      { now: () => clock },
    );

    const error = await cache.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as Error).message).toMatch(
      /^model 'later' cannot be loaded \(MODEL_NOT_FOUND\): cannot fetch model 'later' from s3:\/\/models\/later\/model.onnx: /,
    );
    expect(cache.current()).toBeUndefined();
    expect(cache.status()).toEqual([
      expect.objectContaining({ name: 'duration' }),
      { name: 'later', state: 'failed', code: 'MODEL_NOT_FOUND', reason: expect.stringMatching(/^cannot fetch model 'later' from /) },
    ]);

    await s3.put('models', 'later/model.onnx', bytes);
    gets.keys.length = 0;
    // A missing object is permanent: looked at again only after RETRY_PERMANENT_MS, not per request.
    await expect(cache.get()).rejects.toBeInstanceOf(ModelUnavailableError);
    expect(gets.keys).toEqual([]);
    clock += RETRY_PERMANENT_MS;
    const set = await cache.get();

    expect(set.names).toEqual(['duration', 'later']);
    expect(gets.keys.filter((k) => k.endsWith('.onnx'))).toEqual(['later/model.onnx']);
  });

  it('refuses a sidecar object over 1 MiB by its Content-Length, naming the object', async () => {
    await s3.put('models', 'huge-sidecar/model.onnx', bytes);
    await s3.put('models', 'huge-sidecar/model.json', `{}${' '.repeat(1024 * 1024)}`);

    const error = await loadServedModel(spec('duration', 's3://models/huge-sidecar/model.onnx'), s3.client).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(/^s3:\/\/models\/huge-sidecar\/model\.json is 1048578 bytes; a sidecar or MLmodel may hold at most 1048576 bytes/);
  });

  it('rejects corrupt bytes with a clear error', async () => {
    await s3.put('models', 'corrupt/model.onnx', 'this is not an onnx model');

    const error = await loadServedModel(spec('duration', 's3://models/corrupt/model.onnx'), s3.client).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(/not a loadable ONNX graph/);
  });
});

describe('loading models from disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'model-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('versions a file without a sidecar by the sha256 of its bytes', async () => {
    writeFileSync(join(dir, 'double.onnx'), rankOneModel());

    const model = await loadServedModel(spec('double', join(dir, 'double.onnx')));

    expect(model.version).toBe(contentVersion(rankOneModel()));
  });

  it('reads the committed models/model.json as the default model sidecar (version and trip_distance ≥ 0)', async () => {
    const model = await loadServedModel(spec('duration', DEFAULT_MODEL_PATH));

    expect(model.version).toBe('54c7ff65d8e2');
    expect(model.version).toBe(contentVersion(defaultModelBytes()));
    expect(model.fields.find((f) => f.name === 'trip_distance')).toMatchObject({ min: 0 });
    expect(model.info.metrics).toMatchObject({ validation_rmse: expect.any(Number) });
  });

  it('loads an MLflow directory as mlflow.onnx.log_model writes it: version = run_id', async () => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'MLmodel'), mlmodelYaml('0a1b2c3d', PASSENGER_SIGNATURE));
    writeFileSync(join(model, 'model.onnx'), passengerModel());

    const served = await loadServedModel(spec('fare', model));

    expect(served.version).toBe('0a1b2c3d');
  });

  it.each([
    ['names an input the graph lacks', [...PASSENGER_SIGNATURE, { name: 'tip', type: 'double' }], /signature's inputs tip are not ONNX inputs/],
    ['lacks an input the graph has', [PASSENGER_SIGNATURE[1]!], /ONNX graph's inputs passenger_count are not in the signature/],
    [
      'types a number input as text',
      [{ name: 'passenger_count', type: 'string' }, PASSENGER_SIGNATURE[1]!],
      /'passenger_count' is string in the signature but int64 in the graph/,
    ],
  ])('fails at load when the MLmodel signature %s', async (_case, signature, message) => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'MLmodel'), mlmodelYaml('r', signature));
    writeFileSync(join(model, 'model.onnx'), passengerModel());

    const error = await loadServedModel(spec('fare', model)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsupportedModelError);
    expect((error as Error).message).toMatch(/^model 'fare': MLmodel signature disagrees with the ONNX inputs: /);
    expect((error as Error).message).toMatch(message);
  });

  it('fails at load, naming what is missing, for a directory without an onnx flavor', async () => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(
      join(model, 'MLmodel'),
      'flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\nrun_id: abc\n',
    );

    const error = await loadServedModel(spec('x', model)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(/has no onnx flavor with a data file \(flavors\.onnx\.data\); flavors present: python_function, sklearn/);
  });

  it('fails at load when a sidecar constrains an input the model does not have', async () => {
    writeFileSync(join(dir, 'double.onnx'), rankOneModel());
    writeFileSync(join(dir, 'double.json'), JSON.stringify({ inputs: { passenger_count: { min: 1 } } }));

    await expect(loadServedModel(spec('double', join(dir, 'double.onnx')))).rejects.toThrow(
      /sidecar constrains 'passenger_count', which is not one of its request fields \(trip_distance\)/,
    );
  });

  it.each([
    [
      'flow-nested 200,000 levels deep',
      `run_id: r\nflavors:\n  onnx:\n    data: model.onnx\nsignature: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`,
      /MLmodel nests deeper than 32 levels/,
    ],
    [
      'block-nested past 128 columns',
      `run_id: r\nx:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}- `).join('\n')}\n`,
      /MLmodel is indented deeper than 128 columns/,
    ],
  ])('refuses an MLmodel %s as INVALID_MODEL, before the YAML parser recurses through it', async (_case, text, message) => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'MLmodel'), text);
    writeFileSync(join(model, 'model.onnx'), passengerModel());

    const error = await loadServedModel(spec('fare', model)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(message);
  });

  it.each(['model.json', 'MLmodel'])('refuses a %s over 1 MiB without reading it, naming its size', async (name) => {
    const model = join(dir, 'model');
    mkdirSync(model);
    writeFileSync(join(model, 'MLmodel'), mlmodelYaml('r', PASSENGER_SIGNATURE));
    writeFileSync(join(model, 'model.onnx'), passengerModel());
    writeFileSync(join(model, name), `${name === 'MLmodel' ? mlmodelYaml('r') : '{}'}${' '.repeat(1024 * 1024)}`);

    const error = await loadServedModel(spec('fare', model)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(new RegExp(`${name} is \\d+ bytes; a sidecar or MLmodel may hold at most 1048576 bytes`));
  });

  it('names the path when the file does not exist', async () => {
    await expect(loadServedModel(spec('duration', '/nonexistent/model.onnx'))).rejects.toThrow(
      /^cannot fetch model 'duration' from \/nonexistent\/model.onnx: ENOENT/,
    );
  });
});

describe('parseModelLocation', () => {
  it('reads s3 URIs and paths', () => {
    expect(parseModelLocation('s3://b/k/m.onnx')).toEqual({ kind: 's3', bucket: 'b', key: 'k/m.onnx' });
    expect(parseModelLocation('s3://b/1/run/artifacts/model/')).toEqual({ kind: 's3', bucket: 'b', key: '1/run/artifacts/model' });
    expect(parseModelLocation('models/model.onnx')).toEqual({ kind: 'file', path: 'models/model.onnx' });
  });

  it('rejects an s3 URI without a key', () => {
    expect(() => parseModelLocation('s3://bucket-only')).toThrow(/must be s3:\/\/bucket\/key/);
  });
});
