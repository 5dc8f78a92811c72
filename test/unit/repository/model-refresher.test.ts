import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { S3Client } from '@aws-sdk/client-s3';
import { ModelLoadError } from '../../../lambda/serving/errors';
import {
  ModelRefresher,
  ModelSetCache,
  contentVersion,
  fingerprintModel,
  loadServedModel,
  parseModelLocation,
  representativeBatch,
  type ModelRefresherOptions,
  type ModelSpec,
} from '../../../lambda/repository';
import { createServedModel, type ServedModel } from '../../../lambda/model/served-model';
import type { RequestField } from '../../../lambda/model/model-input';
import { batchOf } from '../../support/fixtures';
import { divergentModel, mlmodelYaml, passengerModel, scaledDistanceModel } from '../../support/onnx-models';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

const RIDE = { trip_distance: 4 };

/** Counts the S3 commands a client sends by name (observes the real client; nothing is faked). */
function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: `countCommands${Math.random()}` },
  );
  return counts;
}

/** Collects the process's unhandled rejections until stop(): a background check must leave none. */
function watchUnhandledRejections(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}

/** A refresher over a cache of one model, on a clock the test moves; loads are counted. */
function harness(
  spec: ModelSpec,
  s3?: S3Client,
  load: (spec: ModelSpec) => Promise<ServedModel> = (s) => loadServedModel(s, s3),
  options: Pick<ModelRefresherOptions, 'allowContractChange'> = {},
) {
  let clock = 0;
  const logged: { level: string; message: string; extra: Record<string, unknown> }[] = [];
  const loads = { count: 0 };
  const refresher = new ModelRefresher({
    intervalMs: 1000,
    now: () => clock,
    fingerprint: (s, previous) => fingerprintModel(s, s3, previous),
    load: (s) => {
      loads.count++;
      return load(s);
    },
    log: { info: (message, extra) => logged.push({ level: 'info', message, extra }), warn: (message, extra) => logged.push({ level: 'warn', message, extra }) },
    releaseAfterMs: 0,
    ...options,
  });
  const cache = new ModelSetCache([spec], (s) => refresher.loadWatched(s));
  refresher.watch(cache);
  /** Moves the clock past the interval, pokes as a request would, and waits for the check. */
  const check = async () => {
    advance();
    refresher.poke();
    await refresher.settled();
  };
  const served = async () => {
    const set = await cache.get();
    const prediction = await set.predict(batchOf([RIDE]));
    return { version: prediction.versions.duration, value: prediction.outputs.duration?.[0] };
  };
  const advance = () => {
    clock += 1000;
  };
  return { refresher, cache, check, advance, served, logged, loads };
}

describe('hot swap: checking an S3 model', () => {
  let s3: LocalS3;
  const first = scaledDistanceModel(2);
  const second = scaledDistanceModel(3);

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
  });
  afterAll(() => s3.close());

  it('fetches nothing but object heads while the object is unchanged, and the new bytes once it changes', async () => {
    await s3.put('models', 'same/model.onnx', first);
    const counts = countCommands(s3.client);
    const { cache, check, served, refresher } = harness({ name: 'duration', location: parseModelLocation('s3://models/same/model.onnx') }, s3.client);
    await cache.get();
    const getsAfterLoad = counts.get('GetObjectCommand') ?? 0;

    for (let i = 0; i < 3; i++) await check();

    expect(counts.get('GetObjectCommand') ?? 0).toBe(getsAfterLoad);
    expect(counts.get('HeadObjectCommand')).toBeGreaterThanOrEqual(3 * 2); // model + sidecar, each check
    expect((await served()).version).toBe(contentVersion(first));

    await s3.put('models', 'same/model.onnx', second);
    await check();

    expect(counts.get('GetObjectCommand')).toBeGreaterThan(getsAfterLoad);
    expect(await served()).toEqual({ version: contentVersion(second), value: 3 * RIDE.trip_distance });
    expect(refresher.stats()).toMatchObject({ checks: 4, swaps: 1, refused: 0 });
  });
});

describe('hot swap: checking an MLflow directory on S3', () => {
  let s3: LocalS3;

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('mlflow');
  });
  afterAll(() => s3.close());

  it('heads MLmodel and the model file while nothing changed, and reads MLmodel again only when its ETag moves', async () => {
    await s3.put('mlflow', '1/run/artifacts/model/MLmodel', mlmodelYaml('run-a'));
    await s3.put('mlflow', '1/run/artifacts/model/model.onnx', scaledDistanceModel(2));
    const counts = countCommands(s3.client);
    const { cache, check, served } = harness({ name: 'duration', location: parseModelLocation('s3://mlflow/1/run/artifacts/model') }, s3.client);
    await cache.get();
    const getsAfterLoad = counts.get('GetObjectCommand') ?? 0;

    await check();
    await check();
    expect(counts.get('GetObjectCommand') ?? 0).toBe(getsAfterLoad);

    await s3.put('mlflow', '1/run/artifacts/model/model.onnx', scaledDistanceModel(3));
    await s3.put('mlflow', '1/run/artifacts/model/MLmodel', mlmodelYaml('run-b'));
    await check();

    expect(await served()).toEqual({ version: 'run-b', value: 3 * RIDE.trip_distance });
  });
});

describe('hot swap: checking a model file', () => {
  let dir: string;
  let path: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hot-swap-'));
    path = join(dir, 'model.onnx');
    writeFileSync(path, scaledDistanceModel(2));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('does not reload a file touched with the same bytes (mtime moved, hash the same)', async () => {
    const { cache, check, loads, refresher } = harness({ name: 'duration', location: parseModelLocation(path) });
    await cache.get();
    const future = new Date(Date.now() + 60_000);
    utimesSync(path, future, future);

    await check();
    await check();

    expect(loads.count).toBe(1);
    expect(refresher.stats()).toMatchObject({ checks: 2, swaps: 0, refused: 0 });
  });

  it.each([
    [
      'copied beside it with its mtime (cp, touch -r) and moved over it (mv)',
      (live: string, next: string) => {
        execFileSync('touch', ['-r', live, next]);
        renameSync(next, live);
      },
    ],
    [
      'copied over it in place keeping the mtime (cp -p)',
      (live: string, next: string) => {
        execFileSync('touch', ['-r', live, next]);
        execFileSync('cp', ['-p', next, live]);
      },
    ],
  ])('swaps in a replacement of the same size %s', async (_case, replace) => {
    const { cache, check, served, refresher } = harness({ name: 'duration', location: parseModelLocation(path) });
    await cache.get();
    const next = join(dir, 'next.onnx');
    writeFileSync(next, scaledDistanceModel(3));
    const [live, replacement] = [statSync(path), statSync(next)];
    expect(replacement.size).toBe(live.size);

    replace(path, next);
    expect(statSync(path)).toMatchObject({ size: live.size, mtimeMs: live.mtimeMs });
    await check();

    expect(await served()).toEqual({ version: contentVersion(scaledDistanceModel(3)), value: 3 * RIDE.trip_distance });
    expect(refresher.stats()).toMatchObject({ swaps: 1, refused: 0 });
  });

  it('refuses garbage and a model with non-finite output, keeps serving, and retries only after another change', async () => {
    const { cache, check, served, loads, refresher, logged } = harness({ name: 'duration', location: parseModelLocation(path) });
    const before = await (await cache.get(), served());

    writeFileSync(path, 'not an onnx model');
    await check();
    await check(); // unchanged garbage: not fetched again

    expect(loads.count).toBe(2);
    expect(await served()).toEqual(before);
    expect(refresher.stats().refused).toBe(1);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        extra: expect.objectContaining({ metric: 'ModelRefreshRefused', code: 'INVALID_MODEL', servedVersion: before.version }),
      }),
    );

    writeFileSync(path, divergentModel());
    await check();

    expect(refresher.stats().refused).toBe(2);
    expect(await served()).toEqual(before);

    writeFileSync(path, scaledDistanceModel(5));
    await check();

    expect(await served()).toEqual({ version: contentVersion(scaledDistanceModel(5)), value: 5 * RIDE.trip_distance });
    expect(loads.count).toBe(4);
  });

  it('never makes a request wait for a check: get() answers the old set while the new model is still loading', async () => {
    let finishLoad: () => void = () => undefined;
    let loadStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (loadStarted = resolve));
    let loading = false;
    const { cache, refresher, served, advance } = harness({ name: 'duration', location: parseModelLocation(path) }, undefined, async (spec) => {
      if (loading) {
        const held = new Promise<void>((resolve) => (finishLoad = resolve));
        loadStarted();
        await held;
      }
      return loadServedModel(spec);
    });
    const before = await (await cache.get(), served());
    loading = true;
    writeFileSync(path, scaledDistanceModel(7));

    advance();
    refresher.poke();
    await started;
    const during = await served();
    finishLoad();
    await refresher.settled();

    expect(during).toEqual(before);
    expect((await served()).value).toBe(7 * RIDE.trip_distance);
  });
});

describe('hot swap: a new model that changes what clients must send', () => {
  let dir: string;
  let path: string;
  const sidecar = (max: number) => JSON.stringify({ inputs: { trip_distance: { min: 0, max } } });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hot-swap-contract-'));
    path = join(dir, 'model.onnx');
    writeFileSync(path, scaledDistanceModel(2));
    writeFileSync(join(dir, 'model.json'), sidecar(1000));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the next model beside the live one and moves it over, as an operator's `mv` does. */
  const moveIn = (bytes: Uint8Array, maxDistance = 1000) => {
    writeFileSync(join(dir, 'next.json'), sidecar(maxDistance));
    writeFileSync(join(dir, 'next.onnx'), bytes);
    renameSync(join(dir, 'next.json'), join(dir, 'model.json'));
    renameSync(join(dir, 'next.onnx'), path);
  };

  it.each([
    ['a new required field', () => moveIn(passengerModel()), ["new required field 'passenger_count'"]],
    ['a narrower bound', () => moveIn(scaledDistanceModel(3), 50), ["'trip_distance' maximum falls from 1000 to 50"]],
  ])(
    'is refused when it needs %s: the served model keeps answering the same requests, and the refusal is logged and counted',
    async (_case, change, changes) => {
      const { cache, check, served, refresher, logged } = harness({ name: 'duration', location: parseModelLocation(path) });
      const before = await (await cache.get(), served());

      change();
      await check();

      expect(await served()).toEqual(before);
      expect((await cache.get()).require('duration').fields.map((f) => f.name)).toEqual(['trip_distance']);
      expect(refresher.stats()).toMatchObject({ swaps: 0, refused: 1 });
      expect(logged).toContainEqual(
        expect.objectContaining({
          level: 'warn',
          message: expect.stringContaining('refused'),
          extra: expect.objectContaining({ metric: 'ModelRefreshRefused', code: 'CONTRACT_CHANGE', changes, servedVersion: before.version }),
        }),
      );
    },
  );

  it('swaps in a model that accepts more (a wider bound) without asking', async () => {
    const { cache, check, served, refresher } = harness({ name: 'duration', location: parseModelLocation(path) });
    await cache.get();

    moveIn(scaledDistanceModel(3), 5000);
    await check();

    expect((await served()).value).toBe(3 * RIDE.trip_distance);
    expect(refresher.stats()).toMatchObject({ swaps: 1, refused: 0 });
  });

  it('swaps in a contract change when MODEL_REFRESH_ALLOW_CONTRACT_CHANGE allows it, with a warning naming the change', async () => {
    const { cache, check, refresher, logged } = harness({ name: 'duration', location: parseModelLocation(path) }, undefined, undefined, {
      allowContractChange: true,
    });
    await cache.get();

    moveIn(passengerModel());
    await check();

    expect(
      (await cache.get())
        .require('duration')
        .fields.map((f) => f.name)
        .sort(),
    ).toEqual(['passenger_count', 'trip_distance']);
    expect(refresher.stats()).toMatchObject({ swaps: 1, refused: 0 });
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'warn', extra: expect.objectContaining({ changes: ["new required field 'passenger_count'"] }) }),
    );
  });
});

describe('hot swap: a model uploaded before its sidecar', () => {
  let dir: string;
  let path: string;
  const sidecar = (version: string) => JSON.stringify({ model_version: version });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hot-swap-sidecar-'));
    path = join(dir, 'model.onnx');
    writeFileSync(path, scaledDistanceModel(2));
    writeFileSync(join(dir, 'model.json'), sidecar('v1'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is not served under the old sidecar version: the swap waits for the sidecar, then takes its version', async () => {
    const { cache, check, served, refresher } = harness({ name: 'duration', location: parseModelLocation(path) });
    await cache.get();

    writeFileSync(path, scaledDistanceModel(3));
    await check();
    const beforeSidecar = await served();
    writeFileSync(join(dir, 'model.json'), sidecar('v2'));
    await check();

    expect(beforeSidecar).toEqual({ version: 'v1', value: 2 * RIDE.trip_distance });
    expect(await served()).toEqual({ version: 'v2', value: 3 * RIDE.trip_distance });
    expect(refresher.stats()).toMatchObject({ swaps: 1, refused: 0 });
  });

  it('swaps the model in at the next check when no new sidecar comes (with the same-version warning)', async () => {
    const { cache, check, served, logged } = harness({ name: 'duration', location: parseModelLocation(path) });
    await cache.get();

    writeFileSync(path, scaledDistanceModel(3));
    await check();
    await check();

    expect(await served()).toEqual({ version: 'v1', value: 3 * RIDE.trip_distance });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('same version') }));
  });
});

describe('hot swap: checking an MLflow model directory', () => {
  it('watches MLmodel and the model file it names: a new run is swapped in under its run_id, an unchanged directory is not reloaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hot-swap-mlflow-'));
    try {
      writeFileSync(join(dir, 'MLmodel'), mlmodelYaml('run-1', undefined, 'model.onnx'));
      writeFileSync(join(dir, 'model.onnx'), scaledDistanceModel(2));
      const { cache, check, served, loads } = harness({ name: 'duration', location: parseModelLocation(dir) });
      await cache.get();

      await check();
      expect(loads.count).toBe(1);

      writeFileSync(join(dir, 'next.onnx'), scaledDistanceModel(4));
      writeFileSync(join(dir, 'MLmodel'), mlmodelYaml('run-2', undefined, 'next.onnx'));
      await check();

      expect(await served()).toEqual({ version: 'run-2', value: 4 * RIDE.trip_distance });

      writeFileSync(join(dir, 'next.onnx'), scaledDistanceModel(6)); // the model file alone changes
      await check();

      expect((await served()).value).toBe(6 * RIDE.trip_distance);
      expect(loads.count).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a changed model the rest of the set disagrees with', () => {
  it('is refused (not a crash): its sidecar allows no trip_distance the other model accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hot-swap-conflict-'));
    const unhandled = watchUnhandledRejections();
    try {
      mkdirSync(join(dir, 'cost'));
      writeFileSync(join(dir, 'model.onnx'), scaledDistanceModel(2));
      writeFileSync(join(dir, 'cost', 'model.onnx'), scaledDistanceModel(3));
      writeFileSync(join(dir, 'cost', 'model.json'), JSON.stringify({ inputs: { trip_distance: { max: 1000 } } }));
      let clock = 0;
      const refresher = new ModelRefresher({
        intervalMs: 1000,
        now: () => clock,
        fingerprint: (s, previous) => fingerprintModel(s, undefined, previous),
        load: (s) => loadServedModel(s),
        log: { info: () => undefined, warn: () => undefined },
      });
      const cache = new ModelSetCache(
        [
          { name: 'duration', location: parseModelLocation(join(dir, 'model.onnx')) },
          { name: 'cost', location: parseModelLocation(join(dir, 'cost', 'model.onnx')) },
        ],
        (s) => refresher.loadWatched(s),
      );
      refresher.watch(cache);
      const before = await cache.get();

      writeFileSync(join(dir, 'model.onnx'), scaledDistanceModel(4));
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ inputs: { trip_distance: { min: 2000 } } }));
      clock += 1000;
      refresher.poke();
      await refresher.settled();
      await new Promise((resolve) => setImmediate(resolve));

      expect(refresher.stats()).toMatchObject({ refused: 1, swaps: 0 });
      expect(await cache.get()).toBe(before);
      expect(cache.status().find((m) => m.name === 'duration')?.version).toBe(before.require('duration').version);
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a check that cannot be made', () => {
  it('is logged and counted, leaves the model serving, lets no rejection escape, and is made again at the next interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hot-swap-gone-'));
    const unhandled = watchUnhandledRejections();
    try {
      writeFileSync(join(dir, 'MLmodel'), mlmodelYaml('run-1'));
      writeFileSync(join(dir, 'model.onnx'), scaledDistanceModel(2));
      const { cache, check, served, refresher, logged } = harness({ name: 'duration', location: parseModelLocation(dir) });
      const before = await (await cache.get(), served());

      rmSync(join(dir, 'MLmodel')); // a directory without MLmodel cannot say which file is the model
      await check();
      await new Promise((resolve) => setImmediate(resolve));

      expect(refresher.stats()).toMatchObject({ failedChecks: 1, refused: 0, swaps: 0 });
      expect(logged).toContainEqual(
        expect.objectContaining({ level: 'warn', message: expect.stringMatching(/check failed/), extra: expect.objectContaining({ model: 'duration' }) }),
      );
      expect(await served()).toEqual(before);
      expect(unhandled.reasons).toEqual([]);

      writeFileSync(join(dir, 'MLmodel'), mlmodelYaml('run-2'));
      await check();

      expect((await served()).version).toBe('run-2');
    } finally {
      unhandled.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('releasing a replaced model', () => {
  it('frees the session only after its in-flight predicts settle, and refuses predicts afterwards', async () => {
    const events: string[] = [];
    let finishRun: (value: Float64Array) => void = () => undefined;
    const model = createServedModel({
      name: 'duration',
      version: 'v1',
      source: 'test',
      runner: {
        format: 'test',
        inputs: [{ name: 'trip_distance', type: 'float32', rank: 2 }],
        outputs: [{ name: 'variable', type: 'float32', shape: [null, 1] }],
        maxRowsPerRun: 8192,
        run: () => new Promise<Float64Array>((resolve) => (finishRun = resolve)),
        release: async () => {
          events.push('released');
        },
      },
    });
    const inFlight = model.predict(batchOf([RIDE]));
    await new Promise((resolve) => setImmediate(resolve)); // the coalescer's turn: the run starts

    const released = (model.release as () => Promise<void>)();
    await new Promise((resolve) => setImmediate(resolve));
    events.push('run finishing');
    finishRun(Float64Array.of(8));
    await released;

    expect(await inFlight).toEqual(Float64Array.of(8));
    expect(events).toEqual(['run finishing', 'released']);
    await expect(model.predict(batchOf([RIDE]))).rejects.toBeInstanceOf(ModelLoadError);
  });
});

describe('the smoke test ride', () => {
  const field = fc.oneof(
    fc.record({ name: fc.constant('z'), kind: fc.constant<'string'>('string') }),
    fc
      .tuple(
        fc.constantFrom<'number' | 'integer'>('number', 'integer'),
        fc.option(fc.integer({ min: -1e6, max: 1e6 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 1e6 }), { nil: undefined }),
      )
      .map(([kind, min, span]) => ({
        name: 'x',
        kind,
        ...(min === undefined ? {} : { min }),
        ...(min === undefined || span === undefined ? {} : { max: min + span }),
      })),
  );

  it('gives every field a value its kind and range accept', () => {
    fc.assert(
      fc.property(field, (f: RequestField) => {
        const value = representativeBatch([f]).columns[f.name]?.[0];
        if (f.kind === 'string') return typeof value === 'string';
        const n = value as number;
        return Number.isFinite(n) && (f.kind === 'number' || Number.isInteger(n)) && (f.min === undefined || n >= f.min) && (f.max === undefined || n <= f.max);
      }),
    );
  });
});
