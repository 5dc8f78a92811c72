import type * as z from 'zod';

/**
 * A setting in the environment has a value the service cannot use. The message names the setting
 * and what it allows (`invalid environment: PORT: must be a whole number`); `setting` names it
 * for code. The programs' entries print it as one line and exit 2 (lambda/local/cli.ts): branch on
 * the class or `code`, never on the text.
 *
 * @example throw new ConfigError('MODEL_BUCKET', 'MODEL_BUCKET and MODEL_KEY must be set together');
 */
export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG' as const;
  override readonly name = 'ConfigError';

  constructor(
    readonly setting: string,
    problem: string,
    options?: ErrorOptions,
  ) {
    super(`invalid environment: ${problem}`, options);
  }
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
      return issue.origin === 'string' ? `must be at most ${String(issue.maximum)} characters` : `must be ${issue.inclusive ? 'at most' : 'below'} ${String(issue.maximum)}`;
    case 'too_small':
      return issue.origin === 'string' ? `must be at least ${String(issue.minimum)} characters` : `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    default:
      return undefined;
  }
}

/** The first issue of a failed parse of the environment as a {@link ConfigError} naming its variable. */
export function configErrorFrom(error: z.ZodError): ConfigError {
  const issue = error.issues[0];
  const setting = issue?.path.join('.') ?? 'environment';
  return new ConfigError(setting, `${setting}: ${issue?.message ?? 'invalid'}`, { cause: error });
}
