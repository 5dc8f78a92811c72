import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_METRICS_NAMESPACE, type ModelPair, type TaxiType } from '../lambda/contract';

/** How CodeDeploy shifts the `live` alias to a new version (see infra/rollout.ts). */
export type DeploymentStyle = 'canary' | 'linear' | 'allAtOnce';

/**
 * Every name and size the stack can be given, flat so each one is also a `cdk -c key=value`
 * context key. Defaults live in {@link DEFAULT_SETTINGS}; nothing else in infra/ picks a number.
 */
export interface PredictSettings {
  /** Lambda CPU architecture of both functions; only that platform's onnxruntime binary is bundled */
  readonly architecture: 'x86_64' | 'arm64';
  /** web service + stream function */
  readonly predictMemoryMb: number;
  readonly predictTimeoutSeconds: number;
  /** batch-scoring function (same asset, own sizing: a month of trips in one invocation) */
  readonly batchMemoryMb: number;
  readonly batchTimeoutSeconds: number;
  /** EventBridge schedule of the batch run (the course's `0 3 2 * *`: 03:00 UTC on the 2nd) */
  readonly batchSchedule: string;
  /** taxi type the scheduled batch run scores (BATCH_TAXI_TYPE) */
  readonly batchTaxiType: TaxiType;
  /**
   * The models to serve (MODELS), `name=location`: a project path (uploaded under a
   * content-addressed key), `s3://bucket/key.onnx`, or an MLflow directory (a project directory,
   * or `s3://bucket/prefix`). Unset: the shipped models, or `modelKey` when that is given.
   */
  readonly models?: readonly ModelPair[];
  /** shadow models (SHADOW_MODELS) for the predict function, same syntax as {@link models} */
  readonly shadowModels: readonly ModelPair[];
  /** MODEL_REFRESH_SECONDS for the predict function (hot swap of an overwritten key); unset = off */
  readonly modelRefreshSeconds?: number;
  /** serve models from this existing bucket instead of creating one */
  readonly modelBucketName?: string;
  /** legacy single-model mode: the `duration` model is this key of the model bucket */
  readonly modelKey?: string;
  /** upload the project's model files named by {@link models} (always allowed into a bucket the stack creates) */
  readonly uploadDefaultModel: boolean;
  /** how a new predict version takes traffic: canary (default), linear steps, or all at once */
  readonly deployment: DeploymentStyle;
  /** canary: share of traffic on the new version during the wait; linear: share added per step */
  readonly deploymentPercentage: number;
  /** canary: minutes before the rest shifts; linear: minutes between steps */
  readonly deploymentMinutes: number;
  /** roll back when the new version's p99 duration stays above this for two minutes */
  readonly rollbackP99DurationMs: number;
  /** shards per Kinesis stream; unset = on-demand capacity */
  readonly shardCount?: number;
  readonly streamBatchSize: number;
  readonly streamBatchingWindowSeconds: number;
  /** retries of a failing batch (after bisecting) before it goes to the on-failure queue */
  readonly streamRetryAttempts: number;
  /** records older than this are sent to the on-failure queue instead of processed */
  readonly streamMaxRecordAgeSeconds: number;
  /** concurrent batches per shard (1–10); ordering is kept per partition key */
  readonly streamParallelizationFactor: number;
  readonly streamStartingPosition: 'LATEST' | 'TRIM_HORIZON';
  /** alarm when the oldest unread ride event is older than this */
  readonly iteratorAgeAlarmSeconds: number;
  /** HTTP API stage throttling: steady requests per second and burst */
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  readonly logRetentionDays: RetentionDays;
  /** POWERTOOLS_METRICS_NAMESPACE: where the functions' EMF metrics (and the dead-letter alarm) live */
  readonly metricsNamespace: string;
  /**
   * Who may call `POST /predict` and `POST /predict/{name}`: SigV4-signed IAM principals (`iam`),
   * bearers of a JWT from `jwtIssuer` for `jwtAudience` (`jwt`), or anyone (`none`, only when asked).
   */
  readonly apiAuth: ApiAuthMode;
  /** `jwt` mode: the issuer URL (a Cognito user pool's `https://cognito-idp.<region>.amazonaws.com/<pool id>` or any OIDC issuer) */
  readonly jwtIssuer?: string;
  /** `jwt` mode: accepted `aud` (or Cognito `client_id`) values */
  readonly jwtAudience?: readonly string[];
  /** `jwt` mode: a scope every token must carry (e.g. `predict/invoke`); unset = any valid token */
  readonly jwtScope?: string;
  /** raw inputs (dead-letters/, capture/, actuals/) expire from the data bucket after this many days */
  readonly rawInputExpiryDays: number;
  /** the monitor alarms when a model version's RMSE on joined ground truth exceeds its training RMSE this many times */
  readonly rmseAlarmFactor: number;
  /**
   * the operator's alarms (function errors and throttles, stream age, dead letters, the on-failure
   * queue, drift, dropped capture, the monitor's errors); the deployment's rollback alarms stay either way
   */
  readonly operationalAlarms: boolean;
  /** CAPTURE_SAMPLE_RATE of the functions: the share of predictions captured for the monitor (0–1) */
  readonly captureSampleRate: number;
}

/** Named bundles of settings (`-c preset=demo`); keys given explicitly win over the preset's. */
export type PresetName = 'demo';

/**
 * `demo`: the cheapest stack that still shows every path. Both streams provisioned with one shard
 * (an on-demand stream bills by the hour whether it carries records or not), only the deployment's
 * rollback alarms (CodeDeploy needs them), logs kept three days, one prediction in ten captured.
 * docs/deploy.md lists what each preset creates.
 */
export const PRESETS: Readonly<Record<PresetName, Partial<PredictSettings>>> = Object.freeze({
  demo: Object.freeze({
    shardCount: 1,
    operationalAlarms: false,
    logRetentionDays: RetentionDays.THREE_DAYS,
    captureSampleRate: 0.1,
  }),
});

/** How the HTTP API authenticates prediction requests. */
export type ApiAuthMode = 'iam' | 'jwt' | 'none';

/** Where a legacy single model lives in an existing bucket when only `modelBucketName` is given. */
export const DEFAULT_MODEL_KEY = 'models/model.onnx';

/** Defaults: sized from the bundle test's measurements (see README, Deploy). */
export const DEFAULT_SETTINGS: PredictSettings = Object.freeze({
  architecture: 'x86_64',
  // More memory buys more CPU: 1 GB keeps the cold start (model fetch + session) near one second.
  predictMemoryMb: 1024,
  // API Gateway's integration limit is 30 s; a stream batch of 100 rides takes milliseconds.
  predictTimeoutSeconds: 30,
  batchMemoryMb: 3008,
  batchTimeoutSeconds: 900,
  batchSchedule: 'cron(0 3 2 * ? *)',
  batchTaxiType: 'green',
  shadowModels: [],
  uploadDefaultModel: true,
  // CodeDeploy's own default for Lambda canaries: a tenth of the traffic for five minutes.
  deployment: 'canary',
  deploymentPercentage: 10,
  deploymentMinutes: 5,
  // Warm requests take milliseconds; seconds at p99 for two minutes means the new version is sick.
  rollbackP99DurationMs: 3000,
  streamBatchSize: 100,
  streamBatchingWindowSeconds: 1,
  streamRetryAttempts: 3,
  streamMaxRecordAgeSeconds: 3600,
  streamParallelizationFactor: 1,
  streamStartingPosition: 'LATEST',
  iteratorAgeAlarmSeconds: 60,
  apiRateLimit: 50,
  apiBurstLimit: 100,
  logRetentionDays: RetentionDays.ONE_MONTH,
  metricsNamespace: DEFAULT_METRICS_NAMESPACE,
  // Authentication is on by default: predictions need a SigV4 signature.
  apiAuth: 'iam',
  rawInputExpiryDays: 90,
  // The validation month scores 1.31× the training RMSE (README, The models); a drifted month 1.54×.
  rmseAlarmFactor: 1.5,
  operationalAlarms: true,
  captureSampleRate: 1,
});

/**
 * The defaults with the given values on top; `undefined` values keep the default. An existing
 * model bucket is not written to unless `uploadDefaultModel` is asked for explicitly.
 */
export function resolveSettings(overrides: Partial<PredictSettings> = {}): PredictSettings {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const uploadDefaultModel = overrides.uploadDefaultModel ?? overrides.modelBucketName === undefined;
  return Object.freeze({ ...DEFAULT_SETTINGS, ...given, uploadDefaultModel });
}
