import { ModelLoadError } from '../core/errors';
import type { InputBatch, InputColumn } from '../models/input-batch';
import type { RequestField } from '../models/model-input';
import type { ServedModel } from '../models/served-model';

/**
 * One ride every request field accepts: numbers at 1 moved into the field's [min, max] (a zone
 * id 1, a trip of 1 mile), text `"1"`. Built from the model's own fields, so it fits any model.
 */
export function representativeBatch(fields: readonly RequestField[]): InputBatch {
  const columns: Record<string, InputColumn> = {};
  for (const field of fields) {
    if (field.kind === 'string') {
      columns[field.name] = ['1'];
      continue;
    }
    let value = Math.min(Math.max(1, field.min ?? -Infinity), field.max ?? Infinity);
    if (field.kind === 'integer') value = Math.ceil(value);
    columns[field.name] = Float64Array.of(value);
  }
  return { length: 1, columns };
}

/**
 * Runs the model once on {@link representativeBatch}: a model that cannot run, or answers a
 * non-finite value, is refused before it serves a request.
 */
export async function smokeTest(model: ServedModel): Promise<void> {
  const batch = representativeBatch(model.fields);
  const output = await model.predict(batch);
  const value = output[0];
  if (output.length !== 1 || value === undefined || !Number.isFinite(value)) {
    const ride = Object.fromEntries(Object.entries(batch.columns).map(([name, column]) => [name, column[0]]));
    throw new ModelLoadError(`model '${model.name}' version ${model.version} predicts ${String(value)} for the ride ${JSON.stringify(ride)}`);
  }
}
