import type { Runtime } from '../services';

/**
 * One kind of event the Lambda function serves: how to tell it by its shape, and how to answer
 * it with the process's services. Each protocol has one (protocols/<protocol>/source.ts), listed
 * in lambda/handler.ts's table; a new event kind is one new source file and one line there.
 *
 * `matches` must be cheap and must not load the protocol's code: a source whose handler is big
 * (the stream, the batch job, the monitor) imports it inside `handle`, so the asset's bundler
 * makes it a chunk read only on that kind's first event (cold start compiles the web path only).
 */
export interface EventSource {
  /** for logs and errors: `API Gateway HTTP API`, `Kinesis`, … */
  readonly name: string;
  matches(event: unknown): boolean;
  handle(event: unknown, services: Runtime): Promise<unknown>;
}

/** A module loaded once, on the first call (the lazily imported protocol handlers). */
export function once<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
