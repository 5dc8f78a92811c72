import { resolve } from 'node:path';
import * as z from 'zod';
import { ENV, SHIPPED_MODELS, parseModelPairs, type ModelPair } from '../contract';
import { PRIMARY_MODEL } from '../model/model-set';
import { parseModelLocation } from '../repository/location';
import type { ModelSpec } from '../repository/load-model';
import type { Location } from '../storage/location';
import { ConfigError, envVar, flag, optionalText, parsedText, readEnv, type ValuesOf } from './env';

/**
 * The models committed in models/, served when nothing else is configured (lambda/contract.ts),
 * by name. Relative to the working directory, which npm sets to the project root (and the
 * container's WORKDIR holds models/): a bundled program's own location says nothing, since its
 * code may sit in any chunk.
 */
export const DEFAULT_MODELS: Readonly<Record<string, string>> = Object.fromEntries(SHIPPED_MODELS.map(({ name, path }) => [name, resolve(path)]));

/** The shipped duration model, as {@link DEFAULT_MODELS} finds it. */
export const DEFAULT_MODEL_PATH = DEFAULT_MODELS[PRIMARY_MODEL] as string;

const HOT_SWAP = 'must be a whole number of seconds above 0 (unset = no hot swap)';

/** The models' variables: which models are served (and shadowed), their versions, hot swap. */
export const MODELS_ENV = {
  models: envVar(
    ENV.models,
    parsedText((text) => parseModelPairs(text, ENV.models)),
    {
      type: 'name=location,...',
      doc: 'The models served side by side; a location is a path, s3://bucket/key.onnx, or an MLflow model directory (local or an s3:// prefix). Unset: MODEL_LOCATION, else the shipped duration and cost models.',
    },
  ),
  modelLocation: envVar('MODEL_LOCATION', optionalText, {
    type: 's3://bucket/key or a path',
    doc: "One model named `duration` (the course's name); not together with MODELS.",
  }),
  modelBucket: envVar('MODEL_BUCKET', optionalText, { type: 'bucket name', doc: 'With MODEL_KEY: the same as MODEL_LOCATION=s3://MODEL_BUCKET/MODEL_KEY.' }),
  modelKey: envVar('MODEL_KEY', optionalText, { type: 'object key', doc: 'See MODEL_BUCKET.' }),
  modelVersion: envVar('MODEL_VERSION', optionalText, {
    type: 'text',
    doc: "The version `duration` (or the only model) reports; else the sidecar's model_version, the MLflow run_id, or a sha256 prefix of the bytes.",
  }),
  runId: envVar('RUN_ID', optionalText, { type: 'text', doc: "The course's name for MODEL_VERSION (MODEL_VERSION wins)." }),
  modelRefreshSeconds: envVar(
    ENV.modelRefreshSeconds,
    optionalText.pipe(
      z
        .string()
        .regex(/^\d+$/, HOT_SWAP)
        .transform(Number)
        .pipe(
          z
            .number()
            .int()
            .positive(HOT_SWAP)
            .max(86_400 * 365),
        )
        .optional(),
    ),
    {
      type: 'integer ≥ 1 (s)',
      doc: 'Hot swap: a warm process re-checks its model locations at most this often and swaps in a changed model; unset: models load once per process.',
    },
  ),
  allowContractChange: envVar('MODEL_REFRESH_ALLOW_CONTRACT_CHANGE', flag, {
    type: 'true/1/yes, else false',
    doc: 'Hot swap: a replacement that changes what clients must send (a new required field, a removed field, text vs number, a narrower bound or nullability) is swapped in; otherwise it is refused, logged with its changes and counted as ModelRefreshRefused.',
  }),
  allowPartialModels: envVar('ALLOW_PARTIAL_MODELS', flag, {
    type: 'true/1/yes, else false',
    doc: '`npm start` (and the container) serve the models that loaded when another cannot load; otherwise they exit 1 at start naming it. Lambda always serves the others.',
  }),
  shadowModels: envVar(
    ENV.shadowModels,
    parsedText((text) => parseModelPairs(text, ENV.shadowModels)),
    {
      type: 'name=location,...',
      doc: 'Shadow models: each scores the same rides as the served model of its name, is compared, logged and captured, and never answers.',
    },
  ),
} as const;

/** What the models' variables configure. */
export interface ModelsSettings {
  /** in MODELS order; the first is the primary unless `duration` is served */
  readonly models: readonly ModelSpec[];
  readonly shadowModels: readonly ModelSpec[];
  /** undefined: hot swap off */
  readonly modelRefreshSeconds?: number;
  /** a hot swap may change what clients must send (else it is refused) */
  readonly modelRefreshAllowContractChange: boolean;
  readonly allowPartialModels: boolean;
}

export function modelsSettings(env: NodeJS.ProcessEnv): ModelsSettings {
  const e = readEnv(MODELS_ENV, env);
  const models = modelSpecs(
    e.models ?? singleModel(e) ?? defaultModels(),
    e.modelVersion ?? e.runId,
    e.models !== undefined && (e.modelLocation || e.modelBucket || e.modelKey),
  );
  return Object.freeze({
    models: Object.freeze(models),
    shadowModels: Object.freeze(shadowSpecs(e.shadowModels ?? [], models)),
    ...(e.modelRefreshSeconds === undefined ? {} : { modelRefreshSeconds: e.modelRefreshSeconds }),
    modelRefreshAllowContractChange: e.allowContractChange,
    allowPartialModels: e.allowPartialModels,
  });
}

type Values = ValuesOf<typeof MODELS_ENV>;
type Pair = ModelPair | { name: string; location: Location };

function modelSpecs(pairs: readonly Pair[], versionOverride: string | undefined, conflicting: unknown): ModelSpec[] {
  if (conflicting) throw new ConfigError('MODELS', 'set MODELS or MODEL_LOCATION / MODEL_BUCKET+MODEL_KEY, not both');
  // The override names one model's version: `duration`, or the only model there is.
  const overridden = pairs.length === 1 ? pairs[0]?.name : PRIMARY_MODEL;
  return pairs.map((pair) => {
    const location = locationOf(pair, ENV.models);
    return pair.name === overridden && versionOverride !== undefined ? { name: pair.name, location, versionOverride } : { name: pair.name, location };
  });
}

/** SHADOW_MODELS: each name must be a served model's (a shadow of nothing would compare with nothing). */
function shadowSpecs(pairs: readonly ModelPair[], served: readonly ModelSpec[]): ModelSpec[] {
  return pairs.map((pair) => {
    if (!served.some((spec) => spec.name === pair.name)) {
      throw new ConfigError(ENV.shadowModels, `'${pair.name}' shadows no served model (served: ${served.map((spec) => spec.name).join(', ')})`);
    }
    return { name: pair.name, location: locationOf(pair, ENV.shadowModels) };
  });
}

function locationOf(pair: Pair, variable: string): Location {
  if (typeof pair.location !== 'string') return pair.location;
  try {
    return parseModelLocation(pair.location);
  } catch (error) {
    throw new ConfigError(variable, `'${pair.name}=${pair.location}': ${(error as Error).message}`);
  }
}

function singleModel(e: Values): Pair[] | undefined {
  if (e.modelLocation) return [{ name: PRIMARY_MODEL, location: e.modelLocation }];
  if (e.modelBucket && e.modelKey) return [{ name: PRIMARY_MODEL, location: { kind: 's3', bucket: e.modelBucket, key: e.modelKey } }];
  if (e.modelBucket || e.modelKey) throw new ConfigError(e.modelBucket ? 'MODEL_KEY' : 'MODEL_BUCKET', 'MODEL_BUCKET and MODEL_KEY must be set together');
  return undefined;
}

function defaultModels(): Pair[] {
  return Object.entries(DEFAULT_MODELS).map(([name, path]) => ({ name, location: path }));
}
