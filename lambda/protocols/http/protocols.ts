import { once } from '../event-source';
import type { HttpDeps, HttpRequest, HttpResponse } from './http-handler';
import { routesAt, type MatchedRoute } from './routes';

/**
 * One protocol's codec around the dataplane: it answers the routes of its paths (each decoding
 * its protocol's request, calling `deps.dataplane.infer`, encoding the reply) and words every
 * error its own way. `matched` are the routes at the request's path (the method may match none:
 * then the codec answers 405 in its own format).
 */
export interface ProtocolCodec {
  answer(request: HttpRequest, deps: HttpDeps, matched: readonly MatchedRoute[]): Promise<HttpResponse>;
}

/**
 * The codecs beside the course's `/predict`, by the first segment of their routes. Each is
 * imported on its first request, a chunk of its own in the asset: a function that only answers
 * `/predict` never compiles them.
 */
const oipV2 = once(() => import('./oip-v2/oip-v2-handler.js').then((m) => m.oipV2));
const mlflow = once(() => import('./mlflow/mlflow-handler.js').then((m) => m.mlflow));
const docs = once(() => import('./docs/docs-page.js').then((m) => m.docsPage));
const CODECS: Readonly<Record<string, () => Promise<ProtocolCodec>>> = { v2: oipV2, invocations: mlflow, ping: mlflow, version: mlflow, docs };

/**
 * The answer to a request on another protocol's route (OIP v2, MLflow/SageMaker, the API
 * reference), or undefined, at once, when the path is the course's (`/predict`, `/health`,
 * `/openapi.json`) or no route at all, which `handleHttpRequest` answers as before.
 */
export function answerOtherProtocol(request: HttpRequest, deps: HttpDeps, traceId?: string): Promise<HttpResponse> | undefined {
  const matched = routesAt(request.path);
  const first = matched[0];
  const load = first && CODECS[first.route.path.split('/')[1] as string];
  if (!load) return undefined;
  // The request's trace id goes with every inference the codec asks for (capture records carry it).
  const traced: HttpDeps =
    traceId === undefined ? deps : { ...deps, dataplane: { infer: (set, inference) => deps.dataplane.infer(set, { ...inference, traceId }) } };
  return load().then((codec) => codec.answer(request, traced, matched));
}
