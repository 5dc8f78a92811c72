import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { createServedModel, type ServedModel } from '../../lambda/model/served-model';
import { createModelSet, type ModelSet, type ModelSetOptions } from '../../lambda/model/model-set';
import { parseSidecar, type ModelSidecar } from '../../lambda/model/sidecar';
import { RIDE_FEATURES } from '../../lambda/rides/features';

export const DEFAULT_MODEL_PATH = resolve(__dirname, '..', '..', 'models', 'model.onnx');

export function defaultModelBytes(): Uint8Array {
  return new Uint8Array(readFileSync(DEFAULT_MODEL_PATH));
}

/** The committed default model's sidecar (models/model.json). */
export function defaultSidecar(): ModelSidecar {
  return parseSidecar(readFileSync(DEFAULT_MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8'), 'models/model.json');
}

/** A ServedModel from ONNX bytes built in a test (or the default model's), with the course's ride features as the loader gives them. */
export async function servedModel(name: string, bytes: Uint8Array, version: string, sidecar?: ModelSidecar): Promise<ServedModel> {
  return createServedModel({
    name,
    version,
    runner: await OnnxModel.fromBytes(bytes),
    preprocessing: RIDE_FEATURES,
    source: `test:${name}`,
    ...(sidecar ? { sidecar } : {}),
  });
}

/** The committed default model as the one model `duration` of a set. */
export async function defaultModels(version = 'test-version', options: ModelSetOptions = {}): Promise<ModelSet> {
  return createModelSet([await servedModel('duration', defaultModelBytes(), version, defaultSidecar())], options);
}

/** The course's example request. */
export const COURSE_RIDE = { PULocationID: 10, DOLocationID: 50, trip_distance: 40 };

/** Rides (objects) as the columnar batch every model run takes. */
export function batchOf(rides: readonly Record<string, number | string>[]): import('../../lambda/model/input-batch').InputBatch {
  const names = [...new Set(rides.flatMap((r) => Object.keys(r)))];
  const columns: Record<string, Float64Array | string[]> = {};
  for (const name of names) {
    columns[name] = typeof rides[0]?.[name] === 'string' ? rides.map((r) => String(r[name])) : Float64Array.from(rides, (r) => Number(r[name]));
  }
  return { length: rides.length, columns };
}

/** The `duration` model's predictions for rides, as plain numbers (what a reply carries). */
export async function predictDurations(
  set: import('../../lambda/model/model-set').ModelSet,
  rides: readonly Record<string, number | string>[],
): Promise<number[]> {
  return Array.from((await set.predict(batchOf(rides))).outputs.duration ?? []);
}

export const COST_MODEL_PATH = resolve(__dirname, '..', '..', 'models', 'cost', 'model.onnx');

/** The shipped models as the default install serves them (duration and cost), each under its sidecar's version. */
export async function shippedModels(): Promise<ModelSet> {
  const costSidecar = parseSidecar(readFileSync(COST_MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8'), 'models/cost/model.json');
  const duration = defaultSidecar();
  return createModelSet([
    await servedModel('duration', defaultModelBytes(), duration.model_version as string, duration),
    await servedModel('cost', new Uint8Array(readFileSync(COST_MODEL_PATH)), costSidecar.model_version as string, costSidecar),
  ]);
}
