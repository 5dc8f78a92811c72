import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import type { ModelExample } from '../../model/examples';
import type { TestRunResponse } from '../kinesis/stream-handler';

/**
 * What the CodeDeploy PreTraffic hook (lambda/deploy-hook) sends the new version of the predict
 * function, by its qualified ARN, before any traffic shifts to it:
 *
 * - `{"pretraffic": {"describe": "examples"}}`: each model's load state and examples;
 * - `{"pretraffic": {"http": <API Gateway HTTP API event>}}`: the event as API Gateway sends it,
 *   answered by the HTTP adapter;
 * - `{"pretraffic": {"kinesis": <Kinesis event>}}`: the event as the event source mapping sends
 *   it, run through the stream adapter as a test run (the predictions come back in the reply).
 *
 * Checks are not traffic: nothing is captured, counted or written to the predictions stream, so a
 * deploy leaves no example rides in the data a monitor or a consumer reads.
 */
export type PreTrafficCheck =
  | { readonly pretraffic: { readonly describe: 'examples' } }
  | { readonly pretraffic: { readonly http: APIGatewayProxyEventV2 } }
  | { readonly pretraffic: { readonly kinesis: KinesisStreamEvent } };

/** One model as the new version loaded it, with the examples it must reproduce. */
export interface DescribedModel {
  readonly name: string;
  readonly state: 'loading' | 'loaded' | 'failed';
  readonly version?: string;
  /** a failed model's error code and one-line reason */
  readonly code?: string;
  readonly reason?: string;
  readonly examples?: { readonly rows: readonly ModelExample[]; readonly tolerance: number };
}

/** The answer to `describe: examples`. */
export interface ExamplesDescription {
  readonly models: readonly DescribedModel[];
}

/** A test run answers with its predictions; a batch the stream adapter could not take answers as it would to Lambda. */
export type PreTrafficCheckResult = ExamplesDescription | APIGatewayProxyStructuredResultV2 | TestRunResponse | KinesisStreamBatchResponse;

/**
 * Is this event a PreTraffic check? A shape test only, so lambda/handler.ts can route it without
 * loading the check adapter for other events.
 */
export function isPreTrafficCheck(event: unknown): event is PreTrafficCheck {
  const check = typeof event === 'object' && event !== null ? (event as { pretraffic?: unknown }).pretraffic : undefined;
  return typeof check === 'object' && check !== null;
}
