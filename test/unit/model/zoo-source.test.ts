/**
 * The zoo of real converter output (test/fixtures/zoo) on the SOURCE path: quick feedback that
 * each graph loads in onnxruntime-node and answers scikit-learn's predictions. The shipped paths
 * (the Lambda asset, npm start, batch, stream) are the artifact tests' job.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { loadServedModel, parseModelLocation } from '../../../lambda/repository';
import { SESSION_OPTIONS } from '../../../lambda/model/runtimes/onnx/onnx-model';
import { createRequestParser } from '../../../lambda/model/request-schema';
import type { ServedModel } from '../../../lambda/model/served-model';
import { TRIP_FIELDS, agrees, differsAt, loadZoo, zooPath, type RowValue, type ZooEntry } from '../../support/zoo-manifest';

/** The runtime features a zoo model may need: a sidecar's `"nullable": true` and a named 2-D input. */
const KNOWN_NEEDS: ReadonlySet<string> = new Set(['nullable', 'columns']);

const zoo = loadZoo();
const load = (entry: ZooEntry): Promise<ServedModel> => loadServedModel({ name: entry.id, location: parseModelLocation(zooPath(entry)) });

/** The .onnx file of an entry (an MLflow directory's is named in its MLmodel; the zoo's is model.onnx). */
function modelFile(entry: ZooEntry): string {
  const path = zooPath(entry);
  return statSync(path).isDirectory() ? join(path, 'model.onnx') : path;
}

describe('the zoo manifest', () => {
  it('names each model once, with a name the service accepts', () => {
    const ids = zoo.map((e) => e.id);

    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9_]+$/);
  });

  it.each(zoo.map((e) => [e.id, e] as const))(
    '%s: 6–10 rides with the same TLC trip fields, zones 1–265, distances 0–100, one finite expected value each',
    (_, entry) => {
      const fields = Object.keys(entry.rows[0] ?? {}).sort();

      expect(entry.rows.length).toBeGreaterThanOrEqual(6);
      expect(entry.rows.length).toBeLessThanOrEqual(10);
      expect(entry.expected).toHaveLength(entry.rows.length);
      expect(entry.expected.every(Number.isFinite)).toBe(true);
      for (const field of fields) expect(TRIP_FIELDS).toContain(field);
      for (const row of entry.rows) {
        expect(Object.keys(row).sort()).toEqual(fields);
        for (const zone of [row.PULocationID, row.DOLocationID])
          if (zone !== undefined) expect(Number.isInteger(zone) && Number(zone) >= 1 && Number(zone) <= 265).toBe(true);
        if (row.trip_distance !== undefined && row.trip_distance !== null)
          expect(Number(row.trip_distance) >= 0 && Number(row.trip_distance) <= 100).toBe(true);
      }
    },
  );

  it('asks only for runtime features the service has', () => {
    expect(zoo.flatMap((e) => e.needs).filter((need) => !KNOWN_NEEDS.has(need))).toEqual([]);
  });

  it('spreads the opsets over 13–18 and ai.onnx.ml over 1–3', () => {
    expect(new Set(zoo.map((e) => e.opset))).toEqual(new Set([13, 14, 15, 16, 17, 18]));
    expect(new Set(zoo.map((e) => e.ml_opset))).toEqual(new Set([1, 2, 3]));
  });
});

describe('every zoo graph in onnxruntime-node, fed directly', () => {
  it.each(zoo.map((e) => [e.id, e] as const))('%s loads, and computes scikit-learn’s predictions when its inputs are tensors', async (_, entry) => {
    const session = await InferenceSession.create(readFileSync(modelFile(entry)), SESSION_OPTIONS);
    try {
      if (!session.inputMetadata.every((input) => input.isTensor)) {
        // The DictVectorizer's map input: onnxruntime-node only feeds tensors, hence its refusal.
        expect(entry.expect).toBe('refused');
        return;
      }
      const feeds = Object.fromEntries(session.inputMetadata.map((input) => [input.name, tensorFor(input, entry.rows)]));
      const output = (await session.run(feeds))[session.outputNames[0] as string] as Tensor;

      expect(output.size).toBe(entry.rows.length);
      expectPredictions(entry, Array.from(output.data as ArrayLike<number>));
    } finally {
      await session.release();
    }
  });
});

describe('the zoo through loadServedModel and the request parser (source path)', () => {
  for (const entry of zoo) {
    if (entry.expect === 'refused') {
      it(`refuses ${entry.id} at load, saying '${entry.refusal}'`, async () => {
        await expect(load(entry)).rejects.toThrow(entry.refusal as string);
      });
      continue;
    }
    it(`serves ${entry.id} from exactly the rides' fields, with scikit-learn's predictions (${entry.expect})`, async () => {
      const model = await load(entry);
      try {
        expect(model.fields.map((f) => f.name).sort()).toEqual(Object.keys(entry.rows[0] as object).sort());
        const { batch } = createRequestParser(model.fields).parse(entry.rows);

        expectPredictions(entry, Array.from(await model.predict(batch)));
      } finally {
        await model.release?.();
      }
    });
  }
});

/**
 * Served predictions against scikit-learn's: each within the entry's tolerance, or, for an
 * entry the converter changed, off exactly on the rows its `differs_where` names.
 */
function expectPredictions(entry: ZooEntry, actual: readonly number[]): void {
  const verdicts = actual.map((value, i) => {
    const row = entry.rows[i] as Readonly<Record<string, RowValue>>;
    const expected = entry.expected[i] as number;
    return { row, value, expected, agrees: Number.isFinite(value) && agrees(value, expected, entry.rtol) };
  });
  const shouldAgree = (row: Readonly<Record<string, RowValue>>): boolean => entry.differs_where === undefined || !differsAt(entry, row);

  // Compared as whole records, so a failure shows each ride with its value and scikit-learn's.
  expect(verdicts).toEqual(verdicts.map((v) => ({ ...v, agrees: shouldAgree(v.row) })));
}

/**
 * The tensor an input is fed from the rides: PU_DO is built as the service builds it, a 2-D
 * input of k columns takes the rides' fields in order (build_zoo.py writes rows in the model's
 * column order), a null becomes NaN.
 */
function tensorFor(input: InferenceSession.ValueMetadata, rows: readonly Readonly<Record<string, RowValue>>[]): Tensor {
  if (!input.isTensor) throw new Error(`input ${input.name} is not a tensor`);
  const width = typeof input.shape[1] === 'number' ? input.shape[1] : 1;
  const values = rows.flatMap((row) => {
    if (input.name === 'PU_DO') return [`${row.PULocationID}_${row.DOLocationID}`];
    return width === 1 ? [row[input.name]] : Object.values(row).slice(0, width);
  });
  const dims = input.shape.length === 1 ? [rows.length] : [rows.length, width];
  const number = (v: RowValue | undefined): number => (v === null || v === undefined ? Number.NaN : Number(v));
  switch (input.type) {
    case 'string':
      return new Tensor('string', values.map(String), dims);
    case 'float32':
      return new Tensor('float32', Float32Array.from(values, number), dims);
    case 'float64':
      return new Tensor('float64', Float64Array.from(values, number), dims);
    case 'int64':
      return new Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(number(v))),
        dims,
      );
    default:
      throw new Error(`input ${input.name}: no zoo model has element type ${input.type}`);
  }
}
