import * as z from 'zod';
import { PRETRAFFIC } from '../contract';

/** The hook's configuration: which version of the predict function to check. */
export interface PreTrafficSettings {
  /** a qualified function ARN, `arn:aws:lambda:<region>:<account>:function:<name>:<version>` */
  readonly target: string;
}

/** A bad or missing PRETRAFFIC_TARGET, said in one line. */
export class PreTrafficSettingsError extends Error {
  override readonly name = 'PreTrafficSettingsError';
}

const QualifiedArn = z
  .string()
  .regex(/^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:[\w-]+:[\w$-]+$/, 'must be a qualified function ARN (…:function:<name>:<version>)');

/**
 * Reads the hook's environment once, at module load.
 *
 * @example preTrafficSettings({ PRETRAFFIC_TARGET: 'arn:aws:lambda:us-east-1:123456789012:function:predict:7' })
 */
export function preTrafficSettings(env: NodeJS.ProcessEnv): PreTrafficSettings {
  const parsed = QualifiedArn.safeParse(env[PRETRAFFIC.targetEnv]);
  if (!parsed.success)
    throw new PreTrafficSettingsError(`${PRETRAFFIC.targetEnv} ${env[PRETRAFFIC.targetEnv] === undefined ? 'is not set' : parsed.error.issues[0]?.message}`);
  return { target: parsed.data };
}
