import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { RIDE_FEATURES } from '../../lambda/rides/features';
import { createServedModel } from '../../lambda/model/served-model';
import { createModelSet, type ModelSet } from '../../lambda/model/model-set';
import { defaultModelBytes, defaultSidecar } from './fixtures';

/** The real default model as the set's `duration`, counting how many times it runs. */
export async function countingModels(version = 'test-version'): Promise<{ set: ModelSet; runs: () => number }> {
  const model = await OnnxModel.fromBytes(defaultModelBytes());
  let runs = 0;
  const counting = {
    format: model.format,
    inputs: model.inputs,
    outputs: model.outputs,
    maxRowsPerRun: model.maxRowsPerRun,
    run(segments: Parameters<OnnxModel['run']>[0]) {
      runs++;
      return model.run(segments);
    },
  };
  const served = createServedModel({ name: 'duration', version, runner: counting, preprocessing: RIDE_FEATURES, sidecar: defaultSidecar(), source: 'test' });
  return { set: createModelSet([served]), runs: () => runs };
}
