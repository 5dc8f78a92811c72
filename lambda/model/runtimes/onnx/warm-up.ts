import { InferenceSession } from 'onnxruntime-node';
import { SESSION_OPTIONS } from './onnx-model';

/** An ONNX model of one Identity node, `y = x` (120 bytes, as models/training/onnx-graph.ts encodes it). */
const IDENTITY_MODEL = Buffer.from(
  'CAgSFXJpZGUtZHVyYXRpb24tc2VydmljZRoBMTIAOkIKFQoBeBIBeRoBeSIISWRlbnRpdHk6ABIHd2FybV91cFoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEBFCDgoKYWkub25ueC5tbBAD',
  'base64',
);

/**
 * onnxruntime sets itself up once per process, in its first session (its environment, the CPU
 * kernel registry: 30–50 ms here, on the main thread), whatever that session's model. Creating a
 * session of a one-node model right after the models' fetch has gone out pays that set-up while
 * the fetch is waited for, instead of after it on the cold start's path: the real sessions then
 * take their own ~20 ms each. Never throws: whatever fails here fails again, and is reported,
 * for the real models.
 *
 * @example models.warm(); warmUpOnnxRuntime();
 */
export function warmUpOnnxRuntime(): void {
  // Two turns of the event loop: the fetch's request is on the wire before the main thread is busy.
  setImmediate(() =>
    setImmediate(() => {
      InferenceSession.create(IDENTITY_MODEL, SESSION_OPTIONS).then(
        (session) => session.release(),
        () => undefined,
      );
    }),
  );
}

/** The warm-up model, for its test. */
export const WARM_UP_MODEL: Uint8Array = IDENTITY_MODEL;
