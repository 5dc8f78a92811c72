/**
 * A context value (`cdk … -c key=value`, or cdk.json) the stack cannot use, or a key it does not
 * know. The message names the key and what it allows; infra/app.ts prints it as one line.
 */
export class ContextError extends Error {
  readonly code = 'INVALID_CONTEXT' as const;
  override readonly name = 'ContextError';

  constructor(
    readonly key: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
