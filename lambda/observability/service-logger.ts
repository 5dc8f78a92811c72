import { Logger } from '@aws-lambda-powertools/logger';
import type { ConstructorOptions } from '@aws-lambda-powertools/logger/types';
import { redactingReplacer } from './log-redaction';

/**
 * The service's logger: Powertools' JSON lines through {@link redactingReplacer}. Every process
 * builds its logger here, so no log line escapes the redactor.
 *
 * @example const logger = createServiceLogger({ serviceName: SERVICE_NAME });
 */
export function createServiceLogger(options: Omit<ConstructorOptions, 'jsonReplacerFn'> = {}): Logger {
  return new Logger({ ...options, jsonReplacerFn: redactingReplacer } as ConstructorOptions);
}
