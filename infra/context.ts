import type { Node } from 'constructs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import { TAXI_TYPES, parseModelPairs } from '../lambda/contract';
import { allowedValues } from '../lambda/config/errors';
import { ContextError } from './errors';
import { PRESETS, type PredictSettings, type PresetName } from './settings';

// `cdk -c key=value` hands every value over as a string; cdk.json may hold real numbers and booleans.
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();
const flag = z
  .union([z.boolean(), z.enum(['true', 'false'])])
  .transform((value) => value === true || value === 'true')
  .optional();
const text = z.string().trim().min(1).optional();
const retention = z.coerce
  .number()
  .refine((days) => Object.values(RetentionDays).includes(days), 'not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, …)')
  .optional();

/**
 * A model list: `name=location,...` (as `-c models=…` gives it), or in cdk.json a list of such
 * pairs or an object `{ "duration": "models/model.onnx" }`. Parsed with the runtime's own syntax.
 */
const modelList = (key: string) =>
  z
    .union([z.string(), z.array(z.string()), z.record(z.string(), z.string())])
    .transform((value, ctx) => {
      const text =
        typeof value === 'string'
          ? value
          : Array.isArray(value)
            ? value.join(',')
            : Object.entries(value)
                .map(([n, l]) => `${n}=${l}`)
                .join(',');
      try {
        return parseModelPairs(text, key);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional();

const ContextSchema = z.object({
  architecture: z.enum(['x86_64', 'arm64']).optional(),
  predictMemoryMb: int(128, 10240),
  predictTimeoutSeconds: int(1, 900),
  batchMemoryMb: int(128, 10240),
  batchTimeoutSeconds: int(1, 900),
  batchSchedule: z
    .string()
    .regex(/^(cron|rate)\(.+\)$/, 'an EventBridge cron(...) or rate(...) expression')
    .optional(),
  batchTaxiType: z.enum(TAXI_TYPES).optional(),
  models: modelList('models'),
  shadowModels: modelList('shadowModels'),
  modelRefreshSeconds: int(1, 86400),
  modelBucketName: text,
  modelKey: text,
  uploadDefaultModel: flag,
  shardCount: int(1, 500),
  streamBatchSize: int(1, 10000),
  streamBatchingWindowSeconds: int(0, 300),
  streamRetryAttempts: int(0, 10000),
  streamMaxRecordAgeSeconds: int(60, 604800),
  streamParallelizationFactor: int(1, 10),
  streamStartingPosition: z.enum(['LATEST', 'TRIM_HORIZON']).optional(),
  iteratorAgeAlarmSeconds: int(1, 604800),
  apiRateLimit: int(1, 10000),
  apiBurstLimit: int(1, 5000),
  logRetentionDays: retention,
  metricsNamespace: text,
  deployment: z.enum(['canary', 'linear', 'allAtOnce']).optional(),
  deploymentPercentage: int(1, 99),
  deploymentMinutes: int(1, 2880),
  rollbackP99DurationMs: int(1, 900000),
  apiAuth: z.enum(['iam', 'jwt', 'none']).optional(),
  jwtIssuer: z.url({ protocol: /^https$/ }).optional(),
  // `-c jwtAudience=a,b` on the command line, or a list in cdk.json
  jwtAudience: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : value.split(',')).map((v) => v.trim()).filter((v) => v !== ''))
    .pipe(z.array(z.string()).min(1))
    .optional(),
  jwtScope: text,
  rawInputExpiryDays: int(1, 3650),
  rmseAlarmFactor: z.coerce.number().min(1).max(100).optional(),
  operationalAlarms: flag,
  captureSampleRate: z.coerce.number().min(0).max(1).optional(),
});

/** What a context key is, for docs/configuration.md (infra/context-reference.ts): its type and meaning; `unset` says what not giving it means when that is more than one default value. */
export interface ContextDoc {
  readonly type: string;
  readonly doc: string;
  readonly unset?: string;
}

/** Every key's documentation; a key added to the schema without a line here is a type error. */
export const CONTEXT_DOCS: Readonly<Record<'preset' | keyof typeof ContextSchema.shape, ContextDoc>> = Object.freeze({
  preset: { type: '`demo`', doc: 'A bundle of the keys below: `demo` is the cheapest stack that still shows every path (see Presets).', unset: 'none' },
  architecture: {
    type: '`x86_64`, `arm64`',
    doc: 'CPU of the functions. `arm64` (Graviton, cheaper per GB-second) is not shown to work: onnxruntime has an open report of aborting at start on arm64 Lambda (microsoft/onnxruntime#10038), so synth warns; the asset would carry the linux/arm64 binary.',
  },
  predictMemoryMb: { type: 'integer 128–10240 (MB)', doc: 'Memory of the predict function (web service + stream); CPU grows with it.' },
  predictTimeoutSeconds: { type: 'integer 1–900 (s)', doc: "The predict function's timeout (API Gateway gives up after 30 s)." },
  batchMemoryMb: { type: 'integer 128–10240 (MB)', doc: 'Memory of the batch function (a month of trips in one invocation).' },
  batchTimeoutSeconds: { type: 'integer 1–900 (s)', doc: "The batch function's timeout." },
  batchSchedule: {
    type: 'EventBridge `cron(...)` or `rate(...)`',
    doc: "When the batch job runs (the course's 03:00 UTC on the 2nd of the month); it scores the month before.",
  },
  batchTaxiType: { type: '`green`, `yellow`', doc: 'The fleet the scheduled batch run scores (BATCH_TAXI_TYPE).' },
  models: {
    type: 'name=location,... (in cdk.json also a list or an object)',
    doc: 'The models served (MODELS): project paths are uploaded under content-addressed keys; `s3://bucket/key.onnx` and MLflow `s3://bucket/prefix` are read in place.',
    unset: 'the shipped `duration` and `cost`',
  },
  shadowModels: {
    type: 'name=location,...',
    doc: 'Shadow models of the predict function (SHADOW_MODELS): each scores the same rides as the served model of its name, never answers (operate.md).',
    unset: 'none',
  },
  modelRefreshSeconds: {
    type: 'integer 1–86400 (s)',
    doc: 'Hot swap (MODEL_REFRESH_SECONDS of the predict function): warm containers re-check their model locations this often (operate.md).',
    unset: 'off',
  },
  modelBucketName: { type: 'bucket name', doc: 'Serve models from this existing bucket instead of creating one.', unset: 'a new bucket' },
  modelKey: { type: 'object key', doc: 'Legacy single-model form: the `duration` model is this key of the model bucket.', unset: '—' },
  uploadDefaultModel: {
    type: '`true`, `false`',
    doc: 'Upload the project model files `models` names (always into a bucket the stack creates; into an existing bucket only when `true`).',
    unset: '`true` (`false` with `modelBucketName`)',
  },
  shardCount: { type: 'integer 1–500', doc: 'Provisioned shards per Kinesis stream (billed per shard-hour).', unset: 'on-demand streams' },
  streamBatchSize: { type: 'integer 1–10000', doc: 'Most records per invocation from the ride-events stream.' },
  streamBatchingWindowSeconds: { type: 'integer 0–300 (s)', doc: 'How long the event source mapping gathers records before invoking.' },
  streamRetryAttempts: {
    type: 'integer 0–10000',
    doc: "Retries of a failing batch (after bisecting), then the batch's metadata goes to the on-failure queue.",
  },
  streamMaxRecordAgeSeconds: { type: 'integer 60–604800 (s)', doc: 'Records older than this go to the on-failure queue instead of being processed.' },
  streamParallelizationFactor: { type: 'integer 1–10', doc: 'Concurrent batches per shard (order is kept per partition key).' },
  streamStartingPosition: { type: '`LATEST`, `TRIM_HORIZON`', doc: '`TRIM_HORIZON` scores what is already on the stream when the mapping is created.' },
  iteratorAgeAlarmSeconds: { type: 'integer 1–604800 (s)', doc: 'Alarm when the oldest unread ride event is older than this.' },
  apiRateLimit: { type: 'integer 1–10000 (requests/s)', doc: "The HTTP API stage's steady throttling rate." },
  apiBurstLimit: { type: 'integer 1–5000', doc: "The HTTP API stage's burst." },
  logRetentionDays: { type: 'a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, …)', doc: "Days the functions' and the API's logs are kept." },
  metricsNamespace: { type: 'text', doc: "CloudWatch namespace of the functions' metrics (POWERTOOLS_METRICS_NAMESPACE) and their alarms." },
  deployment: { type: '`canary`, `linear`, `allAtOnce`', doc: 'How CodeDeploy shifts the `live` alias to a new predict version (operate.md).' },
  deploymentPercentage: { type: 'integer 1–99 (%)', doc: 'canary: the share on the new version during the wait; linear: the share added per step.' },
  deploymentMinutes: { type: 'integer 1–2880 (min)', doc: 'canary: minutes before the rest shifts; linear: minutes between steps.' },
  rollbackP99DurationMs: { type: 'integer 1–900000 (ms)', doc: "Roll back when the new version's p99 duration stays above this for two minutes." },
  apiAuth: {
    type: '`iam`, `jwt`, `none`',
    doc: 'Who may call POST /predict: SigV4-signed IAM principals with InvokePolicyArn (`iam`), bearers of a JWT from `jwtIssuer` for `jwtAudience` (`jwt`), or anyone (`none`, only when asked).',
  },
  jwtIssuer: { type: 'https URL', doc: '`jwt` mode: the issuer (a Cognito user pool or any OIDC issuer).', unset: '—' },
  jwtAudience: { type: 'comma-separated list', doc: '`jwt` mode: accepted `aud` (or Cognito `client_id`) values.', unset: '—' },
  jwtScope: { type: 'text', doc: '`jwt` mode: a scope every token must carry (e.g. `predict/invoke`).', unset: 'any valid token' },
  rawInputExpiryDays: {
    type: 'integer 1–3650 (days)',
    doc: 'Raw inputs in the data bucket (`dead-letters/`, `capture/`, `capture-errors/`, `actuals/`) are deleted after this.',
  },
  rmseAlarmFactor: {
    type: 'number 1–100',
    doc: "The monitor alarms when a model version's RMSE on joined ground truth exceeds its training RMSE this many times (monitoring.md); only with `operationalAlarms`.",
  },
  operationalAlarms: {
    type: '`true`, `false`',
    doc: "`false` keeps only the deployment's rollback alarms (no function-error, throttle, stream-age, dead-letter, queue, drift, capture or monitor alarms).",
  },
  captureSampleRate: { type: 'number 0–1', doc: 'CAPTURE_SAMPLE_RATE of the functions: the share of predictions captured for the monitor.' },
});

/** `-c preset=demo`: a bundle of the keys above (infra/settings.ts, PRESETS); keys given explicitly win. */
const PresetSchema = z.enum(Object.keys(PRESETS) as [PresetName, ...PresetName[]]).optional();

/** Every key the stack reads; other keys of this shape are typos (framework keys hold `:` or `@`). */
export const CONTEXT_KEYS: readonly string[] = Object.freeze(['preset', ...Object.keys(ContextSchema.shape)]);

/**
 * Reads the stack's settings from CDK context (cdk.json or `cdk deploy -c key=value`), once: a
 * preset's values first, then the keys given. Throws a {@link ContextError} naming the key that is
 * wrong (or unknown), before anything is synthesized.
 *
 * @example settingsFromContext(app.node) // { architecture: 'arm64' } for `-c architecture=arm64`
 */
export function settingsFromContext(node: Node): Partial<PredictSettings> {
  rejectUnknownKeys(node);
  const preset = PresetSchema.safeParse(node.tryGetContext('preset'), { error: allowedValues });
  if (!preset.success) throw contextError(preset.error, 'preset');
  const raw = Object.fromEntries(Object.keys(ContextSchema.shape).map((key) => [key, node.tryGetContext(key)]));
  const parsed = ContextSchema.safeParse(raw, { error: allowedValues });
  if (!parsed.success) throw contextError(parsed.error);
  const given = Object.entries(parsed.data).filter(([, value]) => value !== undefined);
  return { ...(preset.data === undefined ? {} : PRESETS[preset.data]), ...Object.fromEntries(given) } as Partial<PredictSettings>;
}

/** A failed parse as a {@link ContextError} naming the key (`key` when the schema parsed that key's value alone). */
function contextError(error: z.ZodError, key?: string): ContextError {
  const issue = error.issues[0];
  const path = [key, ...(issue?.path ?? [])].filter((part) => part !== undefined).join('.');
  return new ContextError(path, `invalid context ${path}: ${issue?.message ?? 'invalid'}`, { cause: error });
}

/** A key like ours that the stack does not read (e.g. `-c shardcount=1`) is a mistake, not a no-op. */
function rejectUnknownKeys(node: Node): void {
  const unknown = Object.keys(node.getAllContext()).filter((key) => /^[a-z][A-Za-z0-9]*$/.test(key) && !CONTEXT_KEYS.includes(key));
  const [key] = unknown;
  if (key === undefined) return;
  const like = CONTEXT_KEYS.find((known) => known.toLowerCase() === key.toLowerCase());
  throw new ContextError(key, `unknown context key ${key}: ${like ? `did you mean ${like}?` : `the keys are ${CONTEXT_KEYS.join(', ')}`} (docs/deploy.md)`);
}
