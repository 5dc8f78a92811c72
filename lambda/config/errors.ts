import type * as z from 'zod';

/**
 * A setting in the environment has a value the service cannot use. The message names the setting
 * and what it allows (`invalid environment: PORT: must be a whole number`); `variable` names it
 * for code. The programs' entries print it as one line and exit 2 (lambda/local/cli.ts): branch on
 * the class or `code`, never on the text.
 *
 * @example throw new ConfigError('MODEL_BUCKET', 'MODEL_BUCKET and MODEL_KEY must be set together');
 */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG' as const;
  override readonly name = 'ConfigError';

  constructor(
    /** the environment variable at fault (several joined with `/` when their combination is) */
    readonly variable: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    // A parser's message may already start with the variable's name (parseModelPairs does).
    super(`invalid environment: ${variable}: ${problem.startsWith(`${variable}: `) ? problem.slice(variable.length + 2) : problem}`, options);
  }
}

/** Is `error` a bad setting (to print as one line) rather than a failure? */
export function isConfigError(error: unknown): error is ConfigError {
  return error instanceof ConfigError;
}

/**
 * What a setting allows, in words, for zod's own issues (a schema's custom message wins over this).
 * Pass it as the parse's `error` option: `schema.safeParse(env, { error: allowedValues })`.
 */
export function allowedValues(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number';
      if (issue.expected === 'number') return 'must be a number';
      return undefined;
    case 'too_big':
      return issue.origin === 'string'
        ? `must be at most ${String(issue.maximum)} characters`
        : `must be ${issue.inclusive ? 'at most' : 'below'} ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${String(issue.minimum)} characters`
        : `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
}
