import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OnnxModel } from '../../lambda/core/model';
import { createPredictService, type PredictService } from '../../lambda/core/predict';

export const DEFAULT_MODEL_PATH = resolve(__dirname, '..', '..', 'models', 'model.onnx');

export function defaultModelBytes(): Uint8Array {
  return new Uint8Array(readFileSync(DEFAULT_MODEL_PATH));
}

/** The predict service on the committed default model. */
export async function defaultService(version = 'test-version'): Promise<PredictService> {
  return createPredictService(await OnnxModel.fromBytes(defaultModelBytes()), version);
}

/** The course's example request. */
export const COURSE_RIDE = { PULocationID: 10, DOLocationID: 50, trip_distance: 40 };
