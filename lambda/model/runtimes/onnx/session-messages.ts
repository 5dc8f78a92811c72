import type { InputBatch } from '../../input-batch';
import type { ModelInput } from '../../model-input';
import type { ModelOutput } from '../../model';

/**
 * The messages between a WorkerOnnxModel (worker-onnx-model.ts, on the event loop's thread) and
 * the worker hosting its onnxruntime session (onnx-worker.ts). One worker holds one session.
 */
export type ToSessionWorker =
  | { readonly op: 'load'; readonly bytes: Uint8Array; readonly what: string }
  /** names the columns of [N,k] inputs for runs that give this `variant` */
  | { readonly op: 'variant'; readonly variant: number; readonly columns: readonly (readonly [string, readonly string[]])[] }
  | { readonly op: 'run'; readonly id: number; readonly variant: number; readonly segments: readonly InputBatch[] }
  | { readonly op: 'release' };

/** An error as it crosses the thread boundary: the core's code (classes do not cross) and the message. */
export interface SessionError {
  readonly code?: string;
  readonly message: string;
}

export type FromSessionWorker =
  | { readonly op: 'loaded'; readonly inputs: readonly ModelInput[]; readonly outputs: readonly ModelOutput[]; readonly maxRowsPerRun: number }
  | { readonly op: 'ran'; readonly id: number; readonly output?: Float64Array; readonly error?: SessionError }
  | { readonly op: 'failed'; readonly error: SessionError }
  | { readonly op: 'released' };
