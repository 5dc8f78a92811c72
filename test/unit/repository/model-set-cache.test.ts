import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  InvalidModelError,
  ModelLoadError,
  ModelNotFoundError,
  ModelUnavailableError,
  UnknownModelError,
  UnsupportedModelError,
} from '../../../lambda/serving/errors';
import {
  ModelSetCache,
  RETRY_PERMANENT_MS,
  RETRY_TRANSIENT_MS,
  loadServedModel,
  parseModelLocation,
  representativeBatch,
  type ModelLoadFailure,
  type ModelSpec,
} from '../../../lambda/repository';
import type { RequestField } from '../../../lambda/model/model-input';
import { createRequestParser } from '../../../lambda/model/request-schema';
import type { ServedModel } from '../../../lambda/model/served-model';
import { batchOf, defaultModelBytes } from '../../support/fixtures';
import { divergentModel, failsEveryRunModel, floatInputModel, scaledDistanceModel } from '../../support/onnx-models';
import { freePort } from '../../support/loopback';
import { createTestS3Client, startS3Server, type LocalS3 } from '../../support/s3-server';

const spec = (name: string, location: string): ModelSpec => ({ name, location: parseModelLocation(location) });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'model-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A model file in the scratch directory (and its sidecar, when given). */
function modelFile(name: string, bytes: Uint8Array | string, sidecar?: object): string {
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, bytes);
  if (sidecar) writeFileSync(join(dir, `${name}.json`), JSON.stringify(sidecar));
  return path;
}

describe('no model is marked loaded before it has answered', () => {
  it('refuses at load a model that would fail every request, naming the model and the reason in one line', async () => {
    const error = await loadServedModel(spec('broken', modelFile('broken', failsEveryRunModel()))).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidModelError);
    expect((error as Error).message).toMatch(
      /^model 'broken' version [0-9a-f]{12} fails its first run, on the well-formed ride \{"trip_distance":1\}: .*(dimension|MatMul)/i,
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('refuses at load a model whose first prediction is not a finite number', async () => {
    await expect(loadServedModel(spec('divergent', modelFile('divergent', divergentModel())))).rejects.toThrow(
      /^model 'divergent' version \w+ predicts Infinity for the ride \{"trip_distance":1\}$/,
    );
  });

  it("refuses skl2onnx's [None, 3] float_input at load when nothing names its columns, instead of answering 500 to every request", async () => {
    const error = await loadServedModel(spec('zoo', modelFile('zoo', floatInputModel({ coefficients: [1, 2, 3], intercept: 0 })))).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnsupportedModelError);
    expect((error as Error).message).toMatch(/^model 'zoo': input 'float_input' is \[N,3\], and nothing names its 3 columns/);
  });

  it('runs the model on a ride every field accepts, whatever the fields and their bounds', () => {
    const bound = fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: undefined });
    const field = fc.record({ kind: fc.constantFrom<RequestField['kind']>('string', 'number', 'integer'), a: bound, b: bound, nullable: fc.boolean() });
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z_]{1,12}$/), field), { minLength: 1, maxLength: 6, selector: ([name]) => name }), (specs) => {
        const fields: RequestField[] = specs.map(([name, { kind, a, b, nullable }]) => {
          if (kind === 'string') return { name, kind };
          const [min, max] = a !== undefined && b !== undefined && a > b ? [b, a] : [a, b];
          return { name, kind, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }), ...(nullable ? { nullable } : {}) };
        });
        const batch = representativeBatch(fields);
        const ride = Object.fromEntries(fields.map((f) => [f.name, batch.columns[f.name]?.[0]]));

        expect(() => createRequestParser(fields).parseOne(ride)).not.toThrow();
        for (const f of fields) expect(Number.isNaN(ride[f.name])).toBe(false);
      }),
    );
  });
});

describe('a failed model, the others, and retries', () => {
  it('answers the models asked for while another failed; the whole set rejects naming the broken one', async () => {
    const cache = new ModelSetCache([spec('duration', modelFile('good', scaledDistanceModel(2))), spec('cost', join(dir, 'missing.onnx'))], (s) =>
      loadServedModel(s),
    );

    const one = await cache.get(['duration']);
    const all = await cache.get().catch((e: unknown) => e);

    expect(one.names).toEqual(['duration']);
    expect(Array.from((await one.predict(batchOf([{ trip_distance: 4 }]))).outputs.duration ?? [])).toEqual([8]);
    expect(all).toBeInstanceOf(ModelUnavailableError);
    expect(all).toMatchObject({ code: 'MODEL_UNAVAILABLE', model: 'cost', reason: expect.any(ModelNotFoundError) });
    expect((all as Error).message).toMatch(/^model 'cost' cannot be loaded \(MODEL_NOT_FOUND\): cannot fetch model 'cost' from .*missing\.onnx: ENOENT/);
    expect(cache.status()).toEqual([
      { name: 'duration', state: 'loaded', version: expect.any(String) },
      { name: 'cost', state: 'failed', code: 'MODEL_NOT_FOUND', reason: expect.stringMatching(/^cannot fetch model 'cost' from .*ENOENT/) },
    ]);
    await expect(cache.get(['nope'])).rejects.toBeInstanceOf(UnknownModelError);
  });

  it.each([
    ['transient', () => new ModelLoadError('cannot fetch model: S3 timed out'), RETRY_TRANSIENT_MS],
    ['permanent', () => new InvalidModelError('not a loadable ONNX graph'), RETRY_PERMANENT_MS],
  ])('tries a %s failure again at most once per back-off interval, never once per request', async (_kind, failure, interval) => {
    let clock = 0;
    let attempts = 0;
    const failures: ModelLoadFailure[] = [];
    const cache = new ModelSetCache(
      [spec('duration', 'models/model.onnx')],
      async () => {
        attempts++;
        throw failure();
      },
      { now: () => clock, onLoadFailed: (f) => failures.push(f) },
    );

    for (let i = 0; i < 20; i++) await cache.get().catch(() => undefined);
    clock += interval - 1;
    await cache.get().catch(() => undefined);
    expect(attempts).toBe(1);
    clock += 1;
    await Promise.all(Array.from({ length: 5 }, () => cache.get().catch(() => undefined)));

    expect(attempts).toBe(2);
    expect(failures.map((f) => [f.model, f.permanent, f.retryInSeconds])).toEqual([
      ['duration', interval === RETRY_PERMANENT_MS, interval / 1000],
      ['duration', interval === RETRY_PERMANENT_MS, interval / 1000],
    ]);
  });

  it('says when a transient failure is tried again (for Retry-After), counting down', async () => {
    let clock = 0;
    const cache = new ModelSetCache([spec('duration', 'm.onnx')], () => Promise.reject(new ModelLoadError('S3 unreachable')), { now: () => clock });

    const first = await cache.get().catch((e: unknown) => e);
    clock += 3_500;
    const later = await cache.get().catch((e: unknown) => e);

    expect(first).toMatchObject({ code: 'MODEL_LOAD_FAILED', model: 'duration', retryAfterSeconds: 5 });
    expect(later).toMatchObject({ code: 'MODEL_LOAD_FAILED', model: 'duration', retryAfterSeconds: 2 });
  });
});

describe('a failure is permanent or transient by its class, never its message', () => {
  let s3: LocalS3;
  let throttling: Server;
  let throttlingEndpoint: string;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
    await s3.put('models', 'garbage/model.onnx', 'not an onnx model');
    // An S3 that answers every request 503 SlowDown, as a throttled bucket does.
    throttling = createServer((_req, res) =>
      res
        .writeHead(503, { 'content-type': 'application/xml' })
        .end('<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'),
    );
    await new Promise<void>((resolve) => throttling.listen(0, '127.0.0.1', resolve));
    throttlingEndpoint = `http://127.0.0.1:${(throttling.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await s3.close();
    await new Promise((resolve) => throttling.close(resolve));
  });

  const load = async (location: string, endpoint = s3.endpoint) => {
    const client = createTestS3Client(endpoint, 1);
    try {
      return await loadServedModel(spec('duration', location), client).catch((e: unknown) => e);
    } finally {
      client.destroy();
    }
  };

  it('a missing S3 object or file is MODEL_NOT_FOUND (permanent)', async () => {
    expect(await load('s3://models/absent/model.onnx')).toBeInstanceOf(ModelNotFoundError);
    expect(await load('s3://no-such-bucket/model.onnx')).toBeInstanceOf(ModelNotFoundError);
    expect(await load(join(dir, 'absent.onnx'))).toBeInstanceOf(ModelNotFoundError);
  });

  it('bytes that are not ONNX are INVALID_MODEL (permanent)', async () => {
    expect(await load('s3://models/garbage/model.onnx')).toBeInstanceOf(InvalidModelError);
  });

  it('a bad sidecar is INVALID_MODEL (permanent)', async () => {
    expect(await load(modelFile('duration', defaultModelBytes(), { model_version: 42 }))).toBeInstanceOf(InvalidModelError);
  });

  it('an unreachable S3 and a throttling S3 are MODEL_LOAD_FAILED (transient), naming the model', async () => {
    const refused = await load('s3://models/model.onnx', `http://127.0.0.1:${await freePort()}`);
    const throttled = await load('s3://models/model.onnx', throttlingEndpoint);

    expect(refused).toBeInstanceOf(ModelLoadError);
    expect(throttled).toBeInstanceOf(ModelLoadError);
    expect(throttled).toMatchObject({ model: 'duration' });
  });
});

describe('hot swap with a failed model beside the loaded ones', () => {
  it('swaps a loaded model while another is failed, and builds the whole set once the failed one loads', async () => {
    let clock = 0;
    const missing = join(dir, 'later.onnx');
    const cache = new ModelSetCache([spec('duration', modelFile('one', scaledDistanceModel(2))), spec('later', missing)], (s) => loadServedModel(s), {
      now: () => clock,
    });
    await cache.get().catch(() => undefined);
    const swapped: ServedModel = await loadServedModel(spec('duration', modelFile('two', scaledDistanceModel(3))));

    cache.replace(swapped);
    const one = await cache.get(['duration']);
    writeFileSync(missing, scaledDistanceModel(5));
    clock += RETRY_PERMANENT_MS;
    const all = await cache.get();

    expect(Array.from((await one.predict(batchOf([{ trip_distance: 1 }]))).outputs.duration ?? [])).toEqual([3]);
    expect(all.names).toEqual(['duration', 'later']);
    expect(all.require('duration')).toBe(swapped);
  });
});
