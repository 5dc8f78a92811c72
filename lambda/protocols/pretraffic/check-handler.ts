import type { ModelSetCache } from '../../repository/model-set-cache';
import { createDataplane } from '../../serving/dataplane';
import { handleApiGatewayEvent, type HttpDeps } from '../http/http-handler';
import { handleKinesisEvent, type KinesisDeps } from '../kinesis/stream-handler';
import type { DescribedModel, ExamplesDescription, PreTrafficCheck, PreTrafficCheckResult } from './check-event';

/** What the checks need of the process: its models, and the HTTP and stream adapters' deps. */
export interface PreTrafficCheckDeps {
  readonly models: Pick<ModelSetCache, 'get' | 'status' | 'loaded'>;
  readonly http: HttpDeps;
  stream(): Promise<KinesisDeps>;
}

/** A check event that is none of the three kinds (check-event.ts). */
export class InvalidPreTrafficCheckError extends Error {
  override readonly name = 'InvalidPreTrafficCheckError';
  readonly code = 'INVALID_PRETRAFFIC_CHECK' as const;
}

/** The dataplane without observers: a check is neither captured nor counted. */
const UNOBSERVED = createDataplane({ onObserverError: () => undefined });

/**
 * Answers a PreTraffic check (check-event.ts) with the process's own adapters, minus everything a
 * check must not leave behind: the HTTP and stream deps use a dataplane without observers (no capture,
 * no metrics), and the stream runs as a test run (nothing is put on the predictions stream).
 *
 * @example await handlePreTrafficCheck({ pretraffic: { describe: 'examples' } }, deps) // { models: [...] }
 */
export async function handlePreTrafficCheck(event: PreTrafficCheck, deps: PreTrafficCheckDeps): Promise<PreTrafficCheckResult> {
  const check = event.pretraffic as Record<string, unknown>;
  if (check.describe === 'examples') return describeExamples(deps.models);
  if (typeof check.http === 'object' && check.http !== null) {
    return handleApiGatewayEvent(check.http as Parameters<typeof handleApiGatewayEvent>[0], { ...deps.http, dataplane: UNOBSERVED });
  }
  if (typeof check.kinesis === 'object' && check.kinesis !== null) {
    const stream = await deps.stream();
    return handleKinesisEvent(check.kinesis as Parameters<typeof handleKinesisEvent>[0], { ...stream, testRun: true, dataplane: UNOBSERVED });
  }
  throw new InvalidPreTrafficCheckError(
    `a pretraffic check is {"describe": "examples"}, {"http": <API Gateway event>} or {"kinesis": <Kinesis event>}; got keys ${Object.keys(check).join(', ') || 'none'}`,
  );
}

/** Every configured model's state (each load attempted first) and, when loaded, its examples. */
async function describeExamples(models: PreTrafficCheckDeps['models']): Promise<ExamplesDescription> {
  await models.get().catch(() => undefined);
  return {
    models: models.status().map((status): DescribedModel => {
      const examples = status.state === 'loaded' ? models.loaded(status.name)?.info.examples : undefined;
      return { ...status, ...(examples ? { examples: { rows: examples.rows, tolerance: examples.tolerance } } : {}) };
    }),
  };
}
