import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ModelLoadError } from '../../lambda/core/errors';
import { ModelCache, loadPredictService, parseModelLocation } from '../../lambda/model-store';
import { COURSE_RIDE, DEFAULT_MODEL_PATH, defaultModelBytes } from '../support/fixtures';
import { startS3Server, type LocalS3 } from '../support/s3-server';

/** Counts the GetObject calls a client sends (observes the real client; no response is faked). */
function countGets(client: S3Client): { count: number } {
  const counter = { count: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetObjectCommand') counter.count++;
      return next(args);
    },
    { step: 'initialize', name: 'countGets' },
  );
  return counter;
}

describe('loading the model from S3', () => {
  let s3: LocalS3;
  const bytes = defaultModelBytes();
  const md5 = createHash('md5').update(bytes).digest('hex');

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
    await s3.put('models', 'ride/model.onnx', bytes);
  });
  afterAll(() => s3.close());

  it('loads a cold model and reports the object ETag as its version', async () => {
    const service = await loadPredictService({ location: parseModelLocation('s3://models/ride/model.onnx'), s3: s3.client });

    expect(service.modelVersion).toBe(md5);
    expect((await service.predict([COURSE_RIDE]))[0]).toBeGreaterThan(0);
  });

  it('prefers MODEL_VERSION / RUN_ID over the store version', async () => {
    const service = await loadPredictService({ location: { kind: 's3', bucket: 'models', key: 'ride/model.onnx' }, s3: s3.client, versionOverride: 'run-7' });

    expect(service.modelVersion).toBe('run-7');
  });

  it('shares one GET between concurrent first callers', async () => {
    const gets = countGets(s3.client);
    const cache = new ModelCache(() => loadPredictService({ location: parseModelLocation('s3://models/ride/model.onnx'), s3: s3.client }));

    const services = await Promise.all(Array.from({ length: 10 }, () => cache.get()));

    expect(gets.count).toBe(1);
    expect(new Set(services).size).toBe(1);
    expect(cache.current()).toBe(services[0]);
  });

  it('fails clearly while the object is missing, then recovers once it is uploaded', async () => {
    const cache = new ModelCache(() => loadPredictService({ location: parseModelLocation('s3://models/later/model.onnx'), s3: s3.client }));

    const error = await cache.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/^cannot fetch model from s3:\/\/models\/later\/model.onnx: /);
    expect(cache.current()).toBeUndefined();

    await s3.put('models', 'later/model.onnx', bytes);
    const service = await cache.get();

    expect(service.modelVersion).toBe(md5);
  });

  it('rejects corrupt bytes with a clear error', async () => {
    await s3.put('models', 'corrupt/model.onnx', 'this is not an onnx model');

    const error = await loadPredictService({ location: parseModelLocation('s3://models/corrupt/model.onnx'), s3: s3.client }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/^model at s3:\/\/models\/corrupt\/model.onnx is unusable/);
  });
});

describe('loading the model from a file', () => {
  it('versions a file by the sha256 of its bytes', async () => {
    const service = await loadPredictService({ location: parseModelLocation(DEFAULT_MODEL_PATH) });

    expect(service.modelVersion).toBe(createHash('sha256').update(defaultModelBytes()).digest('hex').slice(0, 12));
  });

  it('names the path when the file does not exist', async () => {
    await expect(loadPredictService({ location: parseModelLocation('/nonexistent/model.onnx') })).rejects.toThrow(
      /^cannot fetch model from \/nonexistent\/model.onnx: ENOENT/,
    );
  });
});

describe('parseModelLocation', () => {
  it('reads s3 URIs and paths', () => {
    expect(parseModelLocation('s3://b/k/m.onnx')).toEqual({ kind: 's3', bucket: 'b', key: 'k/m.onnx' });
    expect(parseModelLocation('models/model.onnx')).toEqual({ kind: 'file', path: 'models/model.onnx' });
  });

  it('rejects an s3 URI without a key', () => {
    expect(() => parseModelLocation('s3://bucket-only')).toThrow(/must be s3:\/\/bucket\/key/);
  });
});
