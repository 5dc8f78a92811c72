import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadConfig } from './config/index';
import { handleApiGatewayEvent } from './protocols/http/http-handler';
import type { TestRunResponse } from './protocols/kinesis/stream-handler';
import type { BatchSummary } from './protocols/batch/run-batch';
import type { BatchRequest } from './protocols/batch/job';
import { createRuntime } from './services';
import { isMonitorEvent, type MonitorEvent } from './protocols/monitor/monitor-event';
import { AfterInvocation } from './observability/after-invocation';
import type { MonitorResult } from './protocols/monitor/monitor-handler';

/**
 * The one Lambda entry point. The runtime (and the model fetch) starts at module load, so it
 * overlaps Lambda's init phase and is shared by every invocation of the container.
 */
const runtime = createRuntime(loadConfig(process.env));

/** What is left once a reply is out (shadows, metrics, capture): never on the reply's path (issue 23). */
export const afterInvocation = new AfterInvocation(runtime);

/**
 * Settles once every model has loaded, or failed to. It never rejects, so a model that cannot
 * load never fails the init phase: it is logged, the other models serve, and a later request
 * tries it again (after the model cache's back-off). The asset's entry (lambda/entry.mts)
 * awaits it, so the models finish loading in Lambda's init phase and the first invocation does
 * not wait for them.
 */
export const modelsSettled: Promise<void> = runtime.models.get().then(
  () => undefined,
  () => undefined,
);

/**
 * The stream, batch and monitor adapters are imported on their first event, never at module
 * load: a function answering HTTP does not compile or evaluate the Kinesis SDK, the batch and
 * parquet code, or anything a later event kind adds (cold start is module compilation and
 * evaluation first; test/cold-start/lazy-loading.test.ts checks it). `import()` is also where
 * the asset's bundler (infra/bundling.ts) splits the code: each adapter is its own chunk, read
 * from disk only when its first event arrives. Only `import type` of those adapters may appear
 * at the top of this file: a value import would load them for every kind. The HTTP adapter is
 * the exception: small, and the one path whose first request waits on init.
 */
const adapters = {
  kinesis: once(() => import('./protocols/kinesis/stream-handler.js')),
  batch: once(() => import('./protocols/batch/batch-handler.js')),
  monitor: once(() => import('./protocols/monitor/monitor-handler.js')),
};

export type SupportedEvent = APIGatewayProxyEventV2 | KinesisStreamEvent | BatchRequest | MonitorEvent;
export type SupportedResult = APIGatewayProxyStructuredResultV2 | KinesisStreamBatchResponse | TestRunResponse | BatchSummary | MonitorResult;

function isApiGatewayV2Event(event: unknown): event is APIGatewayProxyEventV2 {
  const e = event as Partial<APIGatewayProxyEventV2> | null;
  return typeof e === 'object' && e !== null && e.version === '2.0' && typeof e.requestContext?.http?.method === 'string';
}

/**
 * A `Records` array in which no record names another event source. An empty batch is a Kinesis
 * batch with nothing to do (not an error), and a record too broken to name its source is the
 * stream adapter's to dead-letter; S3, SQS or SNS records name their own source and are refused.
 */
function isKinesisEvent(event: unknown): event is KinesisStreamEvent {
  const records = (event as Partial<KinesisStreamEvent> | null)?.Records as unknown;
  return Array.isArray(records) && records.every((r: unknown) => sourceOf(r) === undefined || sourceOf(r) === 'aws:kinesis') && (records.length === 0 || records.some((r: unknown) => sourceOf(r) === 'aws:kinesis'));
}

function sourceOf(record: unknown): unknown {
  return typeof record === 'object' && record !== null ? (record as { eventSource?: unknown }).eventSource : undefined;
}

/**
 * Routes each event kind to its adapter by the event's shape. The invocation's shadow runs,
 * metrics (EMF on stdout) and capture records are dealt with after the reply is out
 * (lambda/observability/after-invocation.ts); in Lambda an internal extension keeps the process
 * from being frozen until they are.
 */
export async function handler(event: SupportedEvent, context?: Context): Promise<SupportedResult> {
  try {
    return await route(event, context);
  } finally {
    await afterInvocation.afterReply(context?.awsRequestId);
  }
}

async function route(event: SupportedEvent, context?: Context): Promise<SupportedResult> {
  if (context) runtime.logger.addContext(context);
  if (isApiGatewayV2Event(event)) return handleApiGatewayEvent(event, runtime.http);
  if (isKinesisEvent(event)) {
    return (await adapters.kinesis()).handleKinesisEvent(event, await runtime.stream());
  }
  if (isMonitorEvent(event)) {
    const monitor = await adapters.monitor();
    return monitor.handleMonitorEvent(event, monitor.createMonitorDeps(runtime));
  }
  // The batch adapter owns the batch event's shape; anything else is checked there too.
  const batch = await adapters.batch();
  if (batch.isBatchEvent(event)) return batch.handleBatchEvent(event, runtime.batch);
  runtime.logger.error('unsupported event shape', { keys: Object.keys((event as object) ?? {}) });
  throw new Error('unsupported event: expected an API Gateway HTTP API (payload 2.0), a Kinesis, a batch or a monitor event');
}

/** A module loaded once, on the first call. */
function once<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
