import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { loadConfig } from './config/index';
import type { EventSource } from './protocols/event-source';
import { batchSource } from './protocols/batch/source';
import { httpSource } from './protocols/http/source';
import { kinesisSource } from './protocols/kinesis/source';
import { monitorSource } from './protocols/monitor/source';
import { preTrafficSource } from './protocols/pretraffic/source';
import type { TestRunResponse } from './protocols/kinesis/stream-handler';
import type { BatchSummary } from './protocols/batch/run-batch';
import type { BatchRequest } from './protocols/batch/job';
import type { MonitorEvent } from './protocols/monitor/monitor-event';
import type { MonitorResult } from './protocols/monitor/monitor-handler';
import type { PreTrafficCheck, PreTrafficCheckResult } from './protocols/pretraffic/check-event';
import { createRuntime } from './services';
import { traceFrom } from './observability/trace';
import { AfterInvocation } from './observability/after-invocation';

/**
 * The one Lambda entry point. The services (and the model fetch) start at module load, so they
 * overlap Lambda's init phase and are shared by every invocation of the container.
 */
const services = createRuntime(loadConfig(process.env));

/** What is left once a reply is out (shadows, metrics, capture): never on the reply's path (issue 23). */
export const afterInvocation = new AfterInvocation(services);

/**
 * Settles once every model has loaded, or failed to. It never rejects, so a model that cannot
 * load never fails the init phase: it is logged, the other models serve, and a later request
 * tries it again (after the model cache's back-off). The asset's entry (lambda/entry.mts)
 * awaits it, so the models finish loading in Lambda's init phase and the first invocation does
 * not wait for them.
 */
export const modelsSettled: Promise<void> = services.models.get().then(
  () => undefined,
  () => undefined,
);

/**
 * The event kinds the function serves, tried in order by shape: one source per protocol
 * (protocols/<protocol>/source.ts). Every source but HTTP loads its handler on its first event
 * (a chunk of its own in the asset), so a function answering HTTP never compiles the stream,
 * batch or monitor code (test/artifacts/lazy-loading.test.ts checks it).
 */
const EVENT_SOURCES: readonly EventSource[] = [httpSource, kinesisSource, preTrafficSource, monitorSource, batchSource];

export type SupportedEvent = APIGatewayProxyEventV2 | KinesisStreamEvent | BatchRequest | MonitorEvent | PreTrafficCheck;
export type SupportedResult =
  APIGatewayProxyStructuredResultV2 | KinesisStreamBatchResponse | TestRunResponse | BatchSummary | MonitorResult | PreTrafficCheckResult;

/**
 * Routes each event to its source's handler by the event's shape. The invocation's shadow runs,
 * metrics (EMF on stdout) and capture records are dealt with after the reply is out
 * (lambda/observability/after-invocation.ts); in Lambda an internal extension keeps the process
 * from being frozen until they are.
 */
export async function handler(event: SupportedEvent, context?: Context): Promise<SupportedResult> {
  try {
    if (context) services.logger.addContext(context);
    const source = EVENT_SOURCES.find((candidate) => candidate.matches(event));
    if (!source) {
      services.logger.error('unsupported event shape', { keys: Object.keys((event as object) ?? {}) });
      throw new Error(`unsupported event: expected one of ${EVENT_SOURCES.map((s) => s.name).join(', ')}`);
    }
    // One trace id per invocation (HTTP: the request's), in every log line it writes.
    const trace = source.traceOf?.(event) ?? traceFrom({}, process.env._X_AMZN_TRACE_ID);
    services.logger.appendKeys({ trace_id: trace.traceId });
    return (await source.handle(event, services, trace)) as SupportedResult;
  } finally {
    await afterInvocation.afterReply(context?.awsRequestId);
  }
}
