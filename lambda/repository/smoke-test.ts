import { InvalidModelError, isPredictError, oneLine } from '../serving/errors';
import type { InputBatch, InputColumn } from '../model/input-batch';
import type { RequestField } from '../model/model-input';
import type { ServedModel } from '../model/served-model';

/**
 * One ride every request field accepts: numbers at 1 moved into the field's [min, max] (a zone
 * id 1, a trip of 1 mile), text `"1"`; a nullable field gets a value too (the ride is complete).
 * Built from the model's own fields, so it fits any model.
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
 * Runs the model once on {@link representativeBatch}, before it serves anything (at load and
 * before a hot swap). A model that cannot run on a well-formed ride (onnxruntime refusing the
 * tensors it is fed, an output of the wrong size) or answers a non-finite value would fail every
 * request, so it is refused with an InvalidModelError naming the model, the ride and the reason;
 * its session is released.
 */
export async function smokeTest(model: ServedModel): Promise<void> {
  const batch = representativeBatch(model.fields);
  const ride = JSON.stringify(Object.fromEntries(Object.entries(batch.columns).map(([name, column]) => [name, column[0]])));
  let output: Float64Array;
  try {
    output = await model.predict(batch);
  } catch (cause) {
    await model.release?.();
    const reason = isPredictError(cause) ? `${cause.code}: ${cause.message}` : (cause as Error).message;
    throw new InvalidModelError(`model '${model.name}' version ${model.version} fails its first run, on the well-formed ride ${ride}: ${oneLine(reason)}`, {
      cause,
    });
  }
  const value = output[0];
  if (output.length !== 1 || value === undefined || !Number.isFinite(value)) {
    await model.release?.();
    throw new InvalidModelError(`model '${model.name}' version ${model.version} predicts ${String(value)} for the ride ${ride}`);
  }
}
