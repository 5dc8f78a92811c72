import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { InvalidModelError } from '../../../lambda/serving/errors';
import { ModelRefresher, ModelSetCache, fingerprintModel, loadServedModel, parseModelLocation, type ModelSpec } from '../../../lambda/repository';
import { ExamplesMismatchError, parseServingInput } from '../../../lambda/repository/examples-check';
import { relativeError, reproduces } from '../../../lambda/model/examples';
import { COST_MODEL_PATH, DEFAULT_MODEL_PATH, batchOf } from '../../support/fixtures';
import { mlmodelYaml, scaledDistanceModel } from '../../support/onnx-models';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

/**
 * Examples (issue 25): a model carries rides with the outputs its training framework gave; a
 * model that does not reproduce them is refused at load and before a hot swap, naming the worst.
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'examples-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const spec = (name: string, location: string): ModelSpec => ({ name, location: parseModelLocation(location) });

/** A `factor · trip_distance` model with a sidecar, written to `dir/<sub>/model.onnx`. */
function writeModel(sub: string, factor: number, sidecar: Record<string, unknown>): string {
  const folder = join(dir, sub);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'model.onnx'), scaledDistanceModel(factor));
  writeFileSync(join(folder, 'model.json'), JSON.stringify(sidecar));
  return join(folder, 'model.onnx');
}

const examplesOf = (factor: number, distances: number[]) => distances.map((d) => ({ inputs: { trip_distance: d }, output: factor * d }));

describe('the shipped models', () => {
  it.each([
    ['duration', DEFAULT_MODEL_PATH],
    ['cost', COST_MODEL_PATH],
  ])('%s carries examples written by npm run train, and reproduces them at load', async (name, path) => {
    const sidecar = JSON.parse(readFileSync(path.replace(/\.onnx$/, '.json'), 'utf8')) as { examples: { inputs: Record<string, number>; output: number }[] };

    const model = await loadServedModel(spec(name, path));

    expect(sidecar.examples.length).toBeGreaterThanOrEqual(5);
    expect(model.info.examples?.rows).toEqual(sidecar.examples);
    const outputs = await model.predict(batchOf(sidecar.examples.map((e) => e.inputs)));
    sidecar.examples.forEach((example, i) => expect(relativeError(outputs[i] as number, example.output)).toBeLessThan(1e-4));
  });

  it('is refused when one of its examples is edited to be wrong, the message naming that example', async () => {
    const sidecar = JSON.parse(readFileSync(DEFAULT_MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8')) as {
      examples: { inputs: Record<string, number>; output: number }[];
    };
    sidecar.examples[2] = { ...(sidecar.examples[2] as (typeof sidecar.examples)[number]), output: 99 };
    mkdirSync(join(dir, 'edited'));
    writeFileSync(join(dir, 'edited', 'model.onnx'), readFileSync(DEFAULT_MODEL_PATH));
    writeFileSync(join(dir, 'edited', 'model.json'), JSON.stringify(sidecar));

    const load = loadServedModel(spec('duration', join(dir, 'edited', 'model.onnx')));

    await expect(load).rejects.toBeInstanceOf(ExamplesMismatchError);
    await expect(load).rejects.toMatchObject({ code: 'INVALID_MODEL', worst: { index: 2, expected: 99 }, mismatched: 1, total: 6 });
    await expect(load).rejects.toThrow(
      /model 'duration' version 54c7ff65d8e2 does not reproduce its examples \(1 of 6 differ\); the worst: example 2 \{"PULocationID":53,"DOLocationID":53,"trip_distance":0\.26\} expects 99, got 2\.64/,
    );
  });
});

describe('the example check at load', () => {
  it('names the worst of several examples that differ', async () => {
    const examples = [...examplesOf(2, [1, 2]), { inputs: { trip_distance: 3 }, output: 6.5 }, { inputs: { trip_distance: 4 }, output: 20 }];

    const load = loadServedModel(spec('m', writeModel('a', 2, { examples })));

    await expect(load).rejects.toMatchObject({ worst: { index: 3, expected: 20, actual: 8 }, mismatched: 2, total: 4 });
  });

  it("accepts a difference within the sidecar's own tolerance, and refuses it within the default", async () => {
    const examples = [{ inputs: { trip_distance: 10 }, output: 20.01 }];

    await expect(loadServedModel(spec('m', writeModel('loose', 2, { examples, examples_tolerance: 1e-3 })))).resolves.toMatchObject({ name: 'm' });
    await expect(loadServedModel(spec('m', writeModel('strict', 2, { examples })))).rejects.toBeInstanceOf(ExamplesMismatchError);
  });

  it('refuses an example whose inputs are not a ride the model accepts, naming the field', async () => {
    const load = loadServedModel(spec('m', writeModel('bad', 2, { examples: [{ inputs: { trip_distance: 'far' }, output: 1 }] })));

    await expect(load).rejects.toBeInstanceOf(InvalidModelError);
    await expect(load).rejects.toThrow(
      /model 'm' version \S+ cannot run its examples \(.*model\.json\): INVALID_RIDE: examples\[0\]\.trip_distance must be a number/,
    );
  });

  it('refuses a sidecar whose examples are not examples, naming the key', async () => {
    await expect(loadServedModel(spec('m', writeModel('shape', 2, { examples: [{ inputs: {}, output: 'x' }] })))).rejects.toThrow(/examples\.0\.output/);
  });

  it('agrees, for any factor and distances, exactly when the relative error is within the tolerance', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (actual, expected) => {
        expect(reproduces(actual, expected, 1e-4)).toBe(Math.abs(actual - expected) <= 1e-4 * Math.max(Math.abs(expected), 1));
      }),
    );
    expect(reproduces(Number.NaN, 1, 1)).toBe(false);
  });
});

describe("an MLflow directory's examples", () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('mlflow');
  });
  afterAll(() => s3.close());

  async function putRun(run: string, servingInput: unknown, outputs: number[] | undefined): Promise<ModelSpec> {
    const prefix = `1/${run}/artifacts/model/`;
    await s3.put('mlflow', `${prefix}MLmodel`, mlmodelYaml(run));
    await s3.put('mlflow', `${prefix}model.onnx`, scaledDistanceModel(2));
    if (servingInput !== undefined) await s3.put('mlflow', `${prefix}serving_input_example.json`, JSON.stringify(servingInput));
    if (outputs) await s3.put('mlflow', `${prefix}model.json`, JSON.stringify({ example_outputs: outputs }));
    return spec('m', `s3://mlflow/${prefix.replace(/\/$/, '')}`);
  }

  it('are the rows of serving_input_example.json with the outputs the sidecar expects', async () => {
    const model = await loadServedModel(await putRun('good', { dataframe_split: { columns: ['trip_distance'], data: [[1.5], [4]] } }, [3, 8]), s3.client);

    expect(model.info.examples?.rows).toEqual([
      { inputs: { trip_distance: 1.5 }, output: 3 },
      { inputs: { trip_distance: 4 }, output: 8 },
    ]);
    expect(model.info.examples?.source).toBe(
      's3://mlflow/1/good/artifacts/model/serving_input_example.json with s3://mlflow/1/good/artifacts/model/model.json',
    );
  });

  it('refuse the model when an expected output is wrong', async () => {
    await expect(loadServedModel(await putRun('wrong', { inputs: [{ trip_distance: 1.5 }, { trip_distance: 4 }] }, [3, 9]), s3.client)).rejects.toMatchObject({
      worst: { index: 1, expected: 9, actual: 8 },
    });
  });

  it('refuse the model when the sidecar expects outputs for a serving input example the directory lacks, or for a different number of rows', async () => {
    await expect(loadServedModel(await putRun('missing', undefined, [3]), s3.client)).rejects.toThrow(
      /gives example_outputs, but the model directory has no serving input example/,
    );
    await expect(loadServedModel(await putRun('short', { inputs: { trip_distance: [1, 2, 3] } }, [2, 4]), s3.client)).rejects.toThrow(
      /gives 2 example_outputs for the 3 rows of/,
    );
  });

  it('read every shape MLflow writes: a DataFrame split, a list of records, a dict of columns or of scalars', () => {
    const rows = [
      { PULocationID: 1, trip_distance: 2 },
      { PULocationID: 3, trip_distance: 4 },
    ];
    expect(
      parseServingInput(
        JSON.stringify({
          dataframe_split: {
            columns: ['PULocationID', 'trip_distance'],
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        }),
        'f',
      ),
    ).toEqual(rows);
    expect(parseServingInput(JSON.stringify({ inputs: rows }), 'f')).toEqual(rows);
    expect(parseServingInput(JSON.stringify({ inputs: { PULocationID: [1, 3], trip_distance: [2, 4] } }), 'f')).toEqual(rows);
    expect(parseServingInput(JSON.stringify({ inputs: { PULocationID: 1, trip_distance: 2 } }), 'f')).toEqual([rows[0]]);
    expect(() => parseServingInput('{"instances": [[1, 2]]}', 'f')).toThrow(/f: expected \{"dataframe_split"/);
    expect(() => parseServingInput('not json', 'f')).toThrow('f is not valid JSON');
  });
});

describe('the example check before a hot swap', () => {
  it('keeps the served model when the changed one does not reproduce its examples, and says which example', async () => {
    const path = writeModel('swap', 2, { examples: examplesOf(2, [1, 5]) });
    const logged: { message: string; extra: Record<string, unknown> }[] = [];
    let clock = 0;
    const refresher = new ModelRefresher({
      intervalMs: 1000,
      now: () => clock,
      fingerprint: (s, previous) => fingerprintModel(s, undefined, previous),
      load: (s) => loadServedModel(s),
      log: { info: (message, extra) => logged.push({ message, extra }), warn: (message, extra) => logged.push({ message, extra }) },
      releaseAfterMs: 0,
    });
    const cache = new ModelSetCache([spec('duration', path)], (s) => refresher.loadWatched(s));
    refresher.watch(cache);
    await cache.get();

    // New bytes (factor 3), the old examples (factor 2) left in the sidecar.
    writeFileSync(path, scaledDistanceModel(3));
    clock += 1000;
    refresher.poke();
    await refresher.settled();

    const served = await (await cache.get()).predict(batchOf([{ trip_distance: 5 }]));
    expect(served.outputs.duration?.[0]).toBe(10);
    expect(refresher.stats()).toMatchObject({ swaps: 0, refused: 1 });
    expect(logged.at(-1)).toMatchObject({
      message: 'model refresh refused; the served model stays',
      extra: { code: 'INVALID_MODEL', reason: expect.stringContaining('(2 of 2 differ); the worst: example 0 {"trip_distance":1} expects 2, got 3') },
    });
  });
});
