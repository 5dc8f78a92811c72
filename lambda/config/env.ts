import * as z from 'zod';
import { ConfigError, allowedValues } from './errors';

export { ConfigError, isConfigError } from './errors';

/**
 * One environment variable the service reads: its name, the zod schema that turns its raw text
 * (or its absence) into a value, and what a user needs to know. Each feature lists its variables
 * as one slice (lambda/config/<feature>.ts); the value types come from the schemas, and the
 * configuration reference (docs/configuration.md) is generated from the same slices.
 */
export interface EnvVar<T> {
  readonly name: string;
  readonly schema: z.ZodType<T>;
  /** the kind of value, as the reference shows it: `integer ≥ 1`, `s3://bucket/prefix/ or a path`, … */
  readonly type: string;
  /** what it does (one or two sentences) */
  readonly doc: string;
}

/** A feature's variables, by the name its settings use. */
export type EnvSlice = Readonly<Record<string, EnvVar<unknown>>>;

/** The values a slice reads, by the same names. */
export type ValuesOf<S extends EnvSlice> = { readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

export function envVar<T>(name: string, schema: z.ZodType<T>, meta: { type: string; doc: string }): EnvVar<T> {
  return { name, schema, ...meta };
}

/**
 * Reads a slice's variables from `env`; throws a ConfigError naming the first variable whose
 * value its schema refuses (an exception inside a schema's transform included).
 */
export function readEnv<S extends EnvSlice>(slice: S, env: NodeJS.ProcessEnv): ValuesOf<S> {
  const values: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(slice)) {
    let parsed: ReturnType<typeof variable.schema.safeParse>;
    try {
      parsed = variable.schema.safeParse(env[variable.name], { error: allowedValues });
    } catch (error) {
      throw new ConfigError(variable.name, (error as Error).message, { cause: error });
    }
    if (!parsed.success) throw new ConfigError(variable.name, parsed.error.issues[0]?.message ?? 'invalid value', { cause: parsed.error });
    values[key] = parsed.data;
  }
  return values as ValuesOf<S>;
}

/** The value a variable takes when unset (`undefined` when unset means off or absent). */
export function defaultOf(variable: EnvVar<unknown>): unknown {
  const parsed = variable.schema.safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

/** Text, trimmed; unset or blank is `undefined`. */
export const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

/** A whole number ≥ 1, `fallback` when unset. */
export const positiveInt = (fallback: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().positive().max(max).default(fallback);

/** A switch: true, 1 or yes (any case) is on; unset or anything else is off. */
export const flag = z
  .string()
  .optional()
  .transform((v) => v !== undefined && ['true', '1', 'yes'].includes(v.trim().toLowerCase()));

/** Optional text parsed by `parse` (which throws a message naming what is wrong). */
export const parsedText = <T>(parse: (text: string) => T) =>
  optionalText.transform((text, ctx): T | undefined => {
    if (text === undefined) return undefined;
    try {
      return parse(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });
