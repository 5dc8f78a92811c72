/**
 * The Lambda asset's entry (infra/bundling.ts bundles it as index.mjs; the handler setting stays
 * `index.handler`). An ES module, so it may await at the top level: Lambda finishes the init
 * phase only when this module has evaluated, so the models are fetched and their ONNX sessions
 * created before the first event is handed over, and that event is answered at once. It also
 * registers the internal extension that lets capture and metrics go out after each reply
 * (lambda/observability/lambda-lifecycle.ts). Everything else is lambda/handler.ts (which tests
 * and the local tools import directly).
 *
 * The handler is imported, not imported statically: Node compiles a module's static imports
 * before its body runs, and the body first turns on the compile cache shipped in the asset
 * (lambda/compile-cache.ts), so that the handler's modules are read from it.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useShippedCompileCache } from './compile-cache.js';

useShippedCompileCache(dirname(fileURLToPath(import.meta.url)));

const { afterInvocation, handler, modelsSettled } = await import('./handler.js');
const { startLambdaLifecycle } = await import('./observability/lambda-lifecycle.js');

// The internal extension must register during init, and the models load meanwhile.
await Promise.all([modelsSettled, startLambdaLifecycle(afterInvocation, process.env.AWS_LAMBDA_RUNTIME_API)]);

export { handler };
