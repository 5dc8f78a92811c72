import { PutLifecycleEventHookExecutionStatusCommand, type CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEventV2, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import * as z from 'zod';
import { describeMismatch, mismatchesOf, type ModelExample } from '../model/examples';
import type { DescribedModel, PreTrafficCheck } from '../protocols/pretraffic/check-event';

/** The event CodeDeploy invokes a Lambda deployment's BeforeAllowTraffic hook with. */
export const HookEventSchema = z.looseObject({ DeploymentId: z.string().min(1), LifecycleEventHookExecutionId: z.string().min(1) });
export type HookEvent = z.infer<typeof HookEventSchema>;

/** What the hook tells CodeDeploy: `Failed` keeps all traffic on the old version and rolls back. */
export type HookStatus = 'Succeeded' | 'Failed';

/** What the hook found, returned and logged as one line. */
export interface HookReport {
  readonly status: HookStatus;
  /** the qualified ARN of the version checked */
  readonly target: string;
  readonly deploymentId: string;
  /** per model: its version and how many examples each event shape reproduced */
  readonly models: readonly { name: string; version?: string; examples: number; http: number; kinesis: number }[];
  /** one line per problem: a model not loaded, an error, an example that did not reproduce */
  readonly failures: readonly string[];
  /** loaded models without examples (checked to load only) */
  readonly notes: readonly string[];
}

export interface PreTrafficHookDeps {
  /** the new version's qualified ARN (PRETRAFFIC_TARGET, set by the stack each deploy) */
  readonly target: string;
  readonly lambda: Pick<LambdaClient, 'send'>;
  readonly codedeploy: Pick<CodeDeployClient, 'send'>;
  readonly logger: { info(message: string, extra: Record<string, unknown>): void; error(message: string, extra: Record<string, unknown>): void };
}

/** The new version answered a check with a function error, or with something that is not an answer. */
export class CheckFailedError extends Error {
  override readonly name = 'CheckFailedError';
}

/**
 * CodeDeploy's BeforeAllowTraffic hook for the `live` alias: invokes the new version (its
 * qualified ARN, so the alias and its traffic are untouched) with every model's examples as API
 * Gateway and Kinesis events, and reports `Succeeded` only when each model loaded and every
 * example came back within its tolerance on both paths; anything else — a model that did not
 * load, a function error, an error reply, a dead-lettered example, a mismatch — reports `Failed`,
 * and CodeDeploy shifts no traffic. Throws (so Lambda retries the hook) only when the event is not
 * a hook event or CodeDeploy cannot be told.
 *
 * @example await handlePreTrafficHook({ DeploymentId: 'd-1', LifecycleEventHookExecutionId: 'h-1' }, deps)
 */
export async function handlePreTrafficHook(event: unknown, deps: PreTrafficHookDeps): Promise<HookReport> {
  const hook = HookEventSchema.parse(event);
  const report = await checkVersion(deps, hook.DeploymentId);
  await deps.codedeploy.send(
    new PutLifecycleEventHookExecutionStatusCommand({
      deploymentId: hook.DeploymentId,
      lifecycleEventHookExecutionId: hook.LifecycleEventHookExecutionId,
      status: report.status,
    }),
  );
  (report.status === 'Succeeded' ? deps.logger.info : deps.logger.error).call(deps.logger, `pretraffic checks ${report.status.toLowerCase()}`, { ...report });
  return report;
}

async function checkVersion(deps: PreTrafficHookDeps, deploymentId: string): Promise<HookReport> {
  const failures: string[] = [];
  const notes: string[] = [];
  const models: { name: string; version?: string; examples: number; http: number; kinesis: number }[] = [];
  try {
    const described = DescriptionSchema.parse(await invoke(deps, { pretraffic: { describe: 'examples' } }));
    for (const model of described.models) {
      if (model.state !== 'loaded')
        failures.push(`model '${model.name}' is not loaded (${model.state}${model.code ? `, ${model.code}` : ''})${model.reason ? `: ${model.reason}` : ''}`);
      else if (!model.examples) notes.push(`model '${model.name}' has no examples: checked to load only`);
    }
    const withExamples = described.models.flatMap((m): Checked[] => (m.state === 'loaded' && m.examples !== undefined ? [{ ...m, examples: m.examples }] : []));
    for (const model of withExamples) {
      const http = await checkHttp(deps, model);
      failures.push(...http.failures);
      models.push({
        name: model.name,
        ...(model.version ? { version: model.version } : {}),
        examples: model.examples.rows.length,
        http: http.reproduced,
        kinesis: 0,
      });
    }
    const notLoaded = described.models.filter((m) => m.state !== 'loaded').map((m) => `'${m.name}'`);
    // The stream scores every ride with every model: it fails every batch while one is not loaded (already a failure above).
    if (notLoaded.length > 0) notes.push(`not checked over Kinesis: the stream needs every model, and ${notLoaded.join(', ')} did not load`);
    else if (withExamples.length > 0) {
      const kinesis = await checkKinesis(deps, withExamples, deploymentId);
      failures.push(...kinesis.failures);
      for (const entry of models) entry.kinesis = kinesis.reproduced.get(entry.name) ?? 0;
    }
  } catch (error) {
    failures.push(`the check could not be completed: ${(error as Error).message}`);
  }
  return { status: failures.length === 0 ? 'Succeeded' : 'Failed', target: deps.target, deploymentId, models, failures, notes };
}

type Checked = DescribedModel & { examples: NonNullable<DescribedModel['examples']> };

/** One `POST /predict/<name>` of the model's example rides, as API Gateway would send it. */
async function checkHttp(deps: PreTrafficHookDeps, model: Checked): Promise<{ reproduced: number; failures: string[] }> {
  const rows = model.examples.rows;
  const reply = HttpReplySchema.parse(
    await invoke(deps, {
      pretraffic: {
        http: apiGatewayEvent(
          `/predict/${model.name}`,
          rows.map((row) => row.inputs),
        ),
      },
    }),
  );
  if (reply.statusCode !== 200)
    return {
      reproduced: 0,
      failures: [`model '${model.name}' over API Gateway: POST /predict/${model.name} answered ${reply.statusCode} ${reply.body.slice(0, 300)}`],
    };
  const answers = z.array(z.record(z.string(), z.unknown())).parse(JSON.parse(reply.body));
  const values = rows.map((_, i) => numberOr(answers[i]?.[model.name]));
  return compared(model, rows, values, 'over API Gateway');
}

/**
 * One Kinesis event carrying every model's examples. The stream scores each ride with every
 * model, so a ride gets the fields other models need from their first example (only its own
 * model's answer is compared).
 */
async function checkKinesis(
  deps: PreTrafficHookDeps,
  models: readonly Checked[],
  deploymentId: string,
): Promise<{ reproduced: Map<string, number>; failures: string[] }> {
  const fill: Record<string, unknown> = {};
  for (const model of [...models].reverse()) Object.assign(fill, model.examples.rows[0]?.inputs);
  const rides = models.flatMap((model) =>
    model.examples.rows.map((row, i) => ({ model: model.name, rideId: `pretraffic-${deploymentId}-${model.name}-${i}`, ride: { ...fill, ...row.inputs } })),
  );
  const reply = await invoke(deps, { pretraffic: { kinesis: kinesisEvent(rides) } });
  const parsed = TestRunSchema.safeParse(reply);
  if (!parsed.success)
    return { reproduced: new Map(), failures: [`over Kinesis: the stream adapter did not score the examples (${JSON.stringify(reply).slice(0, 300)})`] };
  const byRide = new Map(parsed.data.predictions.map((p) => [String(p.prediction.ride_id), p.prediction]));
  const failures = (parsed.data.dead_letters ?? []).map((letter) => `over Kinesis: an example ride was dead-lettered (${letter.code}: ${letter.reason})`);
  const reproduced = new Map<string, number>();
  for (const model of models) {
    const values = model.examples.rows.map((_, i) => numberOr(byRide.get(`pretraffic-${deploymentId}-${model.name}-${i}`)?.[`ride_${model.name}`]));
    const result = compared(model, model.examples.rows, values, 'over Kinesis');
    failures.push(...result.failures);
    reproduced.set(model.name, result.reproduced);
  }
  return { reproduced, failures };
}

function compared(model: Checked, rows: readonly ModelExample[], values: readonly number[], path: string): { reproduced: number; failures: string[] } {
  const mismatches = mismatchesOf(rows, values, model.examples.tolerance);
  const worst = mismatches[0];
  const failures = worst
    ? [`model '${model.name}' ${path}: ${mismatches.length} of ${rows.length} examples differ; the worst: ${describeMismatch(worst, model.examples.tolerance)}`]
    : [];
  return { reproduced: rows.length - mismatches.length, failures };
}

/** Invokes the new version synchronously; a function error is a failed check. */
async function invoke(deps: PreTrafficHookDeps, check: PreTrafficCheck): Promise<unknown> {
  const response = await deps.lambda.send(
    new InvokeCommand({ FunctionName: deps.target, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(check)) }),
  );
  const text = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  if (response.FunctionError)
    throw new CheckFailedError(
      `${deps.target} answered a ${Object.keys(check.pretraffic)[0]} check with a function error (${response.FunctionError}): ${text.slice(0, 300)}`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CheckFailedError(`${deps.target} answered a ${Object.keys(check.pretraffic)[0]} check with something that is not JSON: ${text.slice(0, 100)}`);
  }
}

function numberOr(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

const DescriptionSchema = z.object({
  models: z.array(
    z.object({
      name: z.string(),
      state: z.enum(['loading', 'loaded', 'failed']),
      version: z.string().optional(),
      code: z.string().optional(),
      reason: z.string().optional(),
      examples: z
        .object({
          rows: z.array(z.object({ inputs: z.record(z.string(), z.union([z.number(), z.string(), z.null()])), output: z.number() })),
          tolerance: z.number().positive(),
        })
        .optional(),
    }),
  ),
});
const HttpReplySchema = z.object({ statusCode: z.number(), body: z.string() });
const TestRunSchema = z.object({
  predictions: z.array(z.object({ prediction: z.record(z.string(), z.unknown()).and(z.object({ ride_id: z.union([z.string(), z.number()]) })) })),
  dead_letters: z.array(z.object({ code: z.string(), reason: z.string() })).optional(),
});

/** A `POST` of rides as API Gateway's HTTP API (payload 2.0) hands it to the function. */
export function apiGatewayEvent(path: string, rides: unknown): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /predict/{name}',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'user-agent': 'pretraffic-hook' },
    requestContext: {
      accountId: 'pretraffic',
      apiId: 'pretraffic',
      domainName: 'pretraffic.invalid',
      domainPrefix: 'pretraffic',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'pretraffic-hook' },
      requestId: `pretraffic-${now.getTime()}`,
      routeKey: 'POST /predict/{name}',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: JSON.stringify(rides),
    isBase64Encoded: false,
  };
}

/** Rides as a Kinesis event from the event source mapping: one record each, base64 JSON `{ride, ride_id}`. */
export function kinesisEvent(rides: readonly { rideId: string; ride: unknown }[]): KinesisStreamEvent {
  const arrival = Date.now() / 1000;
  return {
    Records: rides.map(({ rideId, ride }, i): KinesisStreamRecord => {
      const sequenceNumber = String(49_000_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(i));
      return {
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: rideId,
          sequenceNumber,
          data: Buffer.from(JSON.stringify({ ride, ride_id: rideId })).toString('base64'),
          approximateArrivalTimestamp: arrival,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `shardId-000000000000:${sequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'pretraffic-hook',
        awsRegion: 'pretraffic',
        eventSourceARN: 'pretraffic-hook',
      };
    }),
  };
}
