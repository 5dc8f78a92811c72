/**
 * The Lambda asset's entry (infra/bundling.ts bundles it as index.mjs; the handler setting stays
 * `index.handler`). An ES module, so it may await at the top level: Lambda finishes the init
 * phase only when this module has evaluated, so the models are fetched and their ONNX sessions
 * created before the first event is handed over, and that event is answered at once. Everything
 * else is lambda/handler.ts (which tests and the local tools import directly).
 */
import { handler, modelsSettled } from './handler.js';

await modelsSettled;

export { handler };
