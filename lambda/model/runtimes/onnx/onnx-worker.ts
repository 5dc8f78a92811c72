/**
 * A worker thread hosting one onnxruntime session (worker-onnx-model.ts starts it). Creating a
 * session runs on the calling thread in onnxruntime-node (there is no asynchronous create), and
 * so do the protobuf decode of a one-hot width and every run: here they block this worker, never
 * the event loop that answers requests. An entry of the build recipe (infra/bundling.ts), built
 * beside every bundle as onnx-worker.mjs.
 */
import { parentPort } from 'node:worker_threads';
import { isPredictError } from '../../../serving/errors';
import { OnnxModel } from './onnx-model';
import type { FromSessionWorker, SessionError, ToSessionWorker } from './session-messages';

const port = parentPort;
if (!port) throw new Error('onnx-worker runs as a worker thread');

let base: OnnxModel | undefined;
const variants = new Map<number, OnnxModel>();
const send = (message: FromSessionWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (message: ToSessionWorker) => {
  void handle(message);
});

async function handle(message: ToSessionWorker): Promise<void> {
  switch (message.op) {
    case 'load':
      try {
        base = await OnnxModel.fromBytes(message.bytes, message.what);
        variants.set(0, base);
        send({ op: 'loaded', inputs: base.inputs, outputs: base.outputs, maxRowsPerRun: base.maxRowsPerRun });
      } catch (error) {
        send({ op: 'failed', error: sessionError(error) });
      }
      return;
    case 'variant':
      // The main thread checked these columns against the inputs before it sent them.
      if (base) variants.set(message.variant, base.withColumns(new Map(message.columns)));
      return;
    case 'run':
      try {
        const model = variants.get(message.variant);
        if (!model) throw new Error(`no session variant ${message.variant}`);
        const output = Float64Array.from(await model.run(message.segments));
        send({ op: 'ran', id: message.id, output }, [output.buffer]);
      } catch (error) {
        send({ op: 'ran', id: message.id, error: sessionError(error) });
      }
      return;
    case 'release':
      await base?.release();
      base = undefined;
      variants.clear();
      send({ op: 'released' });
      return;
  }
}

function sessionError(error: unknown): SessionError {
  const message = error instanceof Error ? error.message : String(error);
  return isPredictError(error) ? { code: error.code, message } : { message };
}
