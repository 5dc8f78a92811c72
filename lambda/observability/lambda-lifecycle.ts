import { SHUTDOWN_BUDGET_MS, type AfterInvocation } from './after-invocation';
import { registerInternalExtension, type RegisteredExtension } from './extensions-api';

/** The internal extension's name (Lambda-Extension-Name); shown in Lambda's EXTENSION log line. */
export const EXTENSION_NAME = 'ride-duration-after-invocation';

/**
 * Lambda's side of {@link AfterInvocation}, started by the asset's entry during the init phase:
 * registers an internal extension (Lambda allows registration only during init), then, for every
 * invocation, asks for the next event only once that invocation's work is done, so Lambda freezes
 * the process after the capture and metrics have gone out while the caller already has its reply.
 * Registering an extension is also what makes Lambda send SIGTERM before it ends the environment;
 * the handler here delivers what capture still holds (within Lambda's 500 ms) and exits.
 *
 * If Lambda refuses the extension, the reply waits for the work instead (bounded by
 * CAPTURE_FLUSH_TIMEOUT_MS), as it did before: slower, but nothing is frozen half-sent.
 *
 * @example await startLambdaLifecycle(afterInvocation, process.env.AWS_LAMBDA_RUNTIME_API);
 */
export async function startLambdaLifecycle(after: AfterInvocation, runtimeApi: string | undefined): Promise<void> {
  if (!runtimeApi) return;
  let extension: RegisteredExtension;
  try {
    extension = await registerInternalExtension(runtimeApi, EXTENSION_NAME);
  } catch (error) {
    after.logger.warn('Lambda extension not registered: capture and metrics are sent before each reply', { error: (error as Error).message });
    after.setMode('before-reply');
    return;
  }
  after.setMode('extension');
  process.once('SIGTERM', () => {
    void after.shutdown(SHUTDOWN_BUDGET_MS).finally(endBySigterm);
  });
  // Its first `next` is part of init: Lambda ends the init phase once the runtime and every extension have asked.
  void serveInvocations(extension, after);
}

/**
 * Ends the process as SIGTERM's default action does (this listener is gone: `once`). Not
 * `process.exit()`: at exit libuv joins its thread pool, where the runtime client's `next`
 * call is blocked waiting for an event that never comes, and the process would hang until
 * Lambda's SIGKILL.
 */
function endBySigterm(): void {
  process.kill(process.pid, 'SIGTERM');
}

async function serveInvocations(extension: RegisteredExtension, after: AfterInvocation): Promise<never> {
  for (;;) {
    let event;
    try {
      event = await extension.next();
    } catch (error) {
      // Lambda: "Container error. Non-recoverable state. Extension should exit promptly." It starts a new environment.
      after.logger.error('Lambda extensions API failed; ending the process', { error: (error as Error).message });
      // Not process.exit(): see endBySigterm.
      process.kill(process.pid, 'SIGKILL');
      throw error;
    }
    after.invocationStarted();
    await after.invocationDone(event.requestId, event.deadlineMs);
  }
}
