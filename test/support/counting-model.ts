import { OnnxModel, type Model } from '../../lambda/core/model';
import { createPredictService, type PredictService } from '../../lambda/core/predict';
import { defaultModelBytes } from './fixtures';

/** The real default model, counting how many times it runs. */
export async function countingService(version = 'test-version'): Promise<{ service: PredictService; runs: () => number }> {
  const model = await OnnxModel.fromBytes(defaultModelBytes());
  let runs = 0;
  const counting: Model = {
    maxRowsPerRun: model.maxRowsPerRun,
    run(rides) {
      runs++;
      return model.run(rides);
    },
    runColumns(columns) {
      runs++;
      return model.runColumns(columns);
    },
  };
  return { service: createPredictService(counting, version), runs: () => runs };
}
