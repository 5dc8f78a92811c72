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
      const text = typeof value === 'string' ? value : Array.isArray(value) ? value.join(',') : Object.entries(value).map(([n, l]) => `${n}=${l}`).join(',');
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
  batchSchedule: z.string().regex(/^(cron|rate)\(.+\)$/, 'an EventBridge cron(...) or rate(...) expression').optional(),
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
