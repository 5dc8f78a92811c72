import { InferenceSession, Tensor } from 'onnxruntime-node';
import { SESSION_OPTIONS } from '../../../../../lambda/model/runtimes/onnx/onnx-model';
import { WARM_UP_MODEL } from '../../../../../lambda/model/runtimes/onnx/warm-up';

describe('the model that sets onnxruntime up before the real ones arrive', () => {
  it("is a valid ONNX model onnxruntime loads with the service's session options, and answers y = x", async () => {
    const session = await InferenceSession.create(WARM_UP_MODEL, SESSION_OPTIONS);

    const { y } = await session.run({ x: new Tensor('float32', Float32Array.from([4.5]), [1]) });

    expect(Array.from(y?.data as Float32Array)).toEqual([4.5]);
    await session.release();
  });
});
