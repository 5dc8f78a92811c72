import * as z from 'zod';
import { DEFAULT_METRICS_NAMESPACE, ENV, LOCAL_FUNCTION_VERSION } from '../contract';
import { envVar, readEnv } from './env';

/** Where the service's EMF metrics go and which Lambda version emits them. */
export const METRICS_ENV = {
  namespace: envVar(ENV.metricsNamespace, z.string().trim().min(1).default(DEFAULT_METRICS_NAMESPACE), {
    type: 'text',
    doc: 'The CloudWatch namespace of the EMF metrics.',
  }),
  functionVersion: envVar(ENV.functionVersion, z.string().trim().min(1).default(LOCAL_FUNCTION_VERSION), {
    type: 'text (set by Lambda)',
    doc: 'The Lambda version running (`$LATEST`, `7`): the `function_version` metric dimension the canary alarms watch; `local` elsewhere.',
  }),
} as const;

export type MetricsSettings = ReturnType<typeof metricsSettings>;

export function metricsSettings(env: NodeJS.ProcessEnv) {
  return Object.freeze(readEnv(METRICS_ENV, env));
}
