import type { Logger } from '@aws-lambda-powertools/logger';
import type { Capture } from './capture';

/** How long the work after an invocation waits for its shadow runs (one extra model run is milliseconds). */
export const SHADOW_SETTLE_MS = 1_000;

/**
 * What a SIGTERM leaves for delivering held capture records: Lambda allows a runtime with an
 * internal extension 500 ms after SIGTERM, then SIGKILLs it; the rest is for the exit itself.
 */
export const SHUTDOWN_BUDGET_MS = 400;

/** The parts of a process's runtime (lambda/services.ts) that have work left once a reply is out. */
export interface AfterInvocationParts {
  readonly shadows?: { settle(timeoutMs: number): Promise<void> };
  readonly metrics: { flush(): void };
  readonly capture?: Pick<Capture, 'flush' | 'isDue' | 'setTimer' | 'close' | 'stats'>;
  readonly config: { readonly capture: { readonly flushIntervalMs: number; readonly flushTimeoutMs: number } };
  readonly logger: Pick<Logger, 'warn' | 'error'>;
}

/**
 * How this process learns that it may be frozen:
 * - `unfrozen`: never (a test, the bench's driver): the work runs after the reply, nothing waits;
 * - `extension`: Lambda, with the internal extension registered (lambda-lifecycle.ts): the work
 *   runs after the reply and the extension holds the freeze until it is done;
 * - `before-reply`: Lambda without a working extension: the reply waits for the work (bounded),
 *   as it did before the extension existed, since a frozen process sends nothing.
 */
export type FreezeMode = 'unfrozen' | 'extension' | 'before-reply';

/**
 * The work an invocation leaves once its reply is built: the shadows' runs settle, the
 * invocation's metrics are written (EMF on stdout), capture records are sent. None of it may
 * hold the reply (issue 23): the handler calls {@link AfterInvocation.afterReply} in its
 * `finally` and the work starts once the runtime client has posted the reply. In Lambda the
 * internal extension then waits for it before asking for its next event, so Lambda freezes the
 * process only when it is done; the caller has its answer meanwhile (the time is still billed).
 *
 * Capture is not sent after every invocation: records are held across invocations until the
 * oldest has waited CAPTURE_FLUSH_INTERVAL_MS (or a send is in flight, or the buffer is half
 * full), so a busy function pays one Firehose call per interval instead of one per request, and
 * whatever is still held when Lambda ends the environment goes out on SIGTERM ({@link shutdown}).
 *
 * @example
 * const after = new AfterInvocation(runtime);
 * try { return await route(event); } finally { await after.afterReply(context?.awsRequestId); }
 */
export class AfterInvocation {
  private mode: FreezeMode = 'unfrozen';
  /** each invocation's work, in order; also what {@link idle} waits for */
  private chain: Promise<void> = Promise.resolve();
  /** invocation id → its work's end, for the extension (only kept in `extension` mode) */
  private readonly ends = new Map<string, Deferred>();

  constructor(private readonly parts: AfterInvocationParts) {}

  /** The process's logger (the Lambda lifecycle reports through it). */
  get logger(): AfterInvocationParts['logger'] {
    return this.parts.logger;
  }

  /** Switches how freezing is handled (lambda-lifecycle.ts, once it knows). */
  setMode(mode: FreezeMode): void {
    this.mode = mode;
    // A frozen process's overdue timer fires at the thaw, in the next request's way: in Lambda,
    // capture's background sends run only while an invocation does (see invocationStarted).
    if (mode === 'extension') this.parts.capture?.setTimer(false);
  }

  /**
   * Called by the handler's `finally`: starts the invocation's work once the reply is out, and
   * resolves at once (in `before-reply` mode: once the work is done). Never rejects.
   */
  afterReply(requestId?: string): Promise<void> {
    const holdsReply = this.mode === 'before-reply';
    const work = this.chain.then(() => (holdsReply ? undefined : replyPosted())).then(() => this.work(holdsReply));
    this.chain = work;
    if (this.mode === 'extension' && requestId !== undefined) void work.then(() => this.endOf(requestId).resolve());
    return holdsReply ? work : Promise.resolve();
  }

  /** The extension saw an invocation start: capture's background sends run while it lasts (a long batch job). */
  invocationStarted(): void {
    this.parts.capture?.setTimer(true);
  }

  /**
   * Resolves once the work after invocation `requestId` is done, or shortly before its
   * deadline (a handler that never returned must not keep the extension from asking for the
   * next event: Lambda ends a timed-out invocation itself).
   */
  async invocationDone(requestId: string, deadlineMs: number): Promise<void> {
    const end = this.endOf(requestId);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadlineMs - Date.now() - 50));
      timer.unref();
    });
    try {
      await Promise.race([end.promise, deadline]);
    } finally {
      clearTimeout(timer);
      this.ends.delete(requestId);
    }
  }

  /** Resolves when every invocation's work so far is done. */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * Lambda is ending the environment (SIGTERM): waits for the work in progress, then sends
   * every held capture record within `budgetMs` and closes capture. Records still held after it
   * are counted in the log line; they are lost with the process.
   */
  async shutdown(budgetMs: number): Promise<void> {
    const deadline = performance.now() + budgetMs;
    await settlesWithin(this.chain, budgetMs / 2);
    await this.parts.shadows?.settle(Math.max(0, (deadline - performance.now()) / 2));
    this.parts.metrics.flush();
    const capture = this.parts.capture;
    if (!capture) return;
    await capture.close(Math.max(0, deadline - performance.now()));
    const { heldRecords } = capture.stats();
    if (heldRecords > 0) this.parts.logger.warn('capture records not delivered before shutdown', { heldRecords });
  }

  private async work(sendAll: boolean): Promise<void> {
    const { shadows, metrics, capture, config } = this.parts;
    try {
      // A shadow's run finishes (or gives up) before the metrics are written: they count it.
      await shadows?.settle(SHADOW_SETTLE_MS);
      metrics.flush();
      if (!capture) return;
      if (sendAll || capture.isDue(config.capture.flushIntervalMs)) await capture.flush(config.capture.flushTimeoutMs);
    } catch {
      // Each part reports its own failures (capture logs and keeps its records); nothing here may reach a reply.
    } finally {
      if (this.mode === 'extension') capture?.setTimer(false);
    }
  }

  private endOf(requestId: string): Deferred {
    let end = this.ends.get(requestId);
    if (!end) {
      end = deferred();
      this.ends.set(requestId, end);
    }
    return end;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Resolves once the runtime client has posted the reply. aws-lambda-ric (the client Lambda's
 * Node.js runtime is) posts a handler's result from a `setImmediate` callback queued after the
 * handler's promise settles, synchronously: a callback queued from this one's `setImmediate`
 * runs in the next turn, after that post.
 */
function replyPosted(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/** Waits for `work`, at most `ms`; never rejects. */
async function settlesWithin(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  await Promise.race([work.catch(() => undefined), timeout]);
  clearTimeout(timer);
}
