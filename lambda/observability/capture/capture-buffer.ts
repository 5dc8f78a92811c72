import type { CaptureSink } from './capture-sink';

/** How much the buffer may hold (queued plus in flight) and how often it sends. */
export interface CaptureBufferLimits {
  /** most records held at once; more are dropped (and counted) */
  readonly maxRecords: number;
  /** most bytes of JSON held at once */
  readonly maxBytes: number;
  /** background send period; 0 = no timer. In Lambda, also the longest a line waits for the flush after a reply (see isDue) */
  readonly flushIntervalMs: number;
}

/** Records dropped since the last report, and why. */
export interface DropReport {
  readonly dropped: number;
  readonly reason: 'buffer full or record too large';
  readonly heldRecords: number;
  readonly heldBytes: number;
}

/** Counters since the buffer was made, for logs, tests and the bench. */
export interface CaptureStats {
  /** accepted into the buffer */
  accepted: number;
  /** refused because the buffer was full */
  dropped: number;
  /** acknowledged by the sink */
  delivered: number;
  /** sends that failed in whole or in part */
  failedSends: number;
  /** held now: waiting or in flight */
  heldRecords: number;
  heldBytes: number;
}

export interface CaptureBufferOptions extends CaptureBufferLimits {
  sink: CaptureSink;
  /** told once per flush when records were dropped since the last report (metric + log line) */
  onDrop(report: DropReport): void;
  /** told when a send fails; the lines stay held and are sent again */
  onSendError(error: unknown, lines: number): void;
}

interface Held {
  line: string;
  bytes: number;
  /** performance.now() when it was accepted */
  at: number;
}

/**
 * The bounded hand-off between the reply path and a capture sink. `add` is synchronous and
 * O(1): it never waits on the sink, so a slow or dead destination cannot delay a reply. What is
 * held (waiting plus in flight) stays under both limits; records beyond them are dropped and
 * counted. A record once accepted is held until the sink acknowledges it (at-least-once while
 * the process lives): failed lines go back to the head of the queue and are sent again.
 *
 * @example
 * const buffer = new CaptureBuffer({ sink, maxRecords: 10_000, maxBytes: 8 << 20, flushIntervalMs: 1000, onDrop, onSendError });
 * buffer.add(toCaptureLine(record));
 */
export class CaptureBuffer {
  private queue: Held[] = [];
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unreported = 0;
  private closed = false;
  private readonly counters: CaptureStats = { accepted: 0, dropped: 0, delivered: 0, failedSends: 0, heldRecords: 0, heldBytes: 0 };

  constructor(private readonly options: CaptureBufferOptions) {
    this.setTimer(true);
  }

  /**
   * Starts or stops the background sends (every `flushIntervalMs`; never when it is 0). A Lambda
   * process stops them between invocations: a frozen process's overdue timer would fire at the
   * thaw, in the next request's way; its sends happen after each reply instead (see isDue).
   */
  setTimer(running: boolean): void {
    if (!running || this.closed || this.options.flushIntervalMs <= 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer) return;
    // unref: a pending capture flush never keeps a process alive on its own (close() drains).
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Whether a flush should run now: a send is in flight (wait for it rather than be frozen in
   * the middle of it), the oldest waiting line has waited `maxAgeMs`, or half the record bound is
   * held (sending early keeps a burst from being dropped).
   */
  isDue(maxAgeMs: number): boolean {
    const oldest = this.queue[0];
    return (
      this.inFlight !== undefined ||
      (oldest !== undefined && performance.now() - oldest.at >= maxAgeMs) ||
      this.counters.heldRecords * 2 >= this.options.maxRecords
    );
  }

  /** Holds one line for sending; false when it was dropped because the buffer is full or closed. */
  add(line: string): boolean {
    const bytes = Buffer.byteLength(line);
    const c = this.counters;
    if (
      this.closed ||
      bytes > (this.options.sink.maxLineBytes ?? Number.POSITIVE_INFINITY) ||
      c.heldRecords + 1 > this.options.maxRecords ||
      c.heldBytes + bytes > this.options.maxBytes
    ) {
      c.dropped++;
      this.unreported++;
      return false;
    }
    this.queue.push({ line, bytes, at: performance.now() });
    c.accepted++;
    c.heldRecords++;
    c.heldBytes += bytes;
    return true;
  }

  /**
   * Sends what is held, one send at a time, until nothing is waiting, a send fails, or
   * `timeoutMs` passes. A send still running at the timeout carries on in the background
   * (its lines stay held); the caller is not kept waiting.
   */
  async flush(timeoutMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.reportDrops();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const round = this.inFlight ?? this.startSend();
      if (round === undefined) return;
      const failedBefore = this.counters.failedSends;
      const left = deadline - performance.now();
      if (left <= 0) return;
      if (!(await settlesWithin(round, left))) return;
      if (this.counters.failedSends !== failedBefore) return;
    }
  }

  /** Flushes within `timeoutMs`, stops the timer and the sink; later records are dropped. */
  async close(timeoutMs: number): Promise<void> {
    this.setTimer(false);
    await this.flush(timeoutMs);
    this.closed = true;
    this.reportDrops();
    await this.options.sink.close();
  }

  stats(): Readonly<CaptureStats> {
    return { ...this.counters };
  }

  private startSend(): Promise<void> | undefined {
    if (this.queue.length === 0) return undefined;
    const batch = this.queue;
    this.queue = [];
    const send = this.options.sink
      .send(batch.map((held) => held.line))
      .then(
        (undelivered) => this.settle(batch, undelivered),
        (error: unknown) => {
          this.options.onSendError(error, batch.length);
          this.settle(batch, undefined);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    this.inFlight = send;
    return send;
  }

  /** Releases delivered lines; puts the rest back at the head, ahead of newer records. */
  private settle(batch: readonly Held[], undelivered: readonly number[] | undefined): void {
    const failed = undelivered === undefined ? batch : undelivered.map((position) => batch[position] as Held);
    if (undelivered !== undefined && failed.length > 0)
      this.options.onSendError(new Error(`${failed.length} of ${batch.length} capture lines not accepted`), failed.length);
    if (failed.length > 0) this.counters.failedSends++;
    let releasedBytes = 0;
    for (const held of batch) releasedBytes += held.bytes;
    for (const held of failed) releasedBytes -= held.bytes;
    const released = batch.length - failed.length;
    this.counters.delivered += released;
    this.counters.heldRecords -= released;
    this.counters.heldBytes -= releasedBytes;
    if (failed.length > 0) this.queue = failed.concat(this.queue);
  }

  private reportDrops(): void {
    if (this.unreported === 0) return;
    const dropped = this.unreported;
    this.unreported = 0;
    this.options.onDrop({ dropped, reason: 'buffer full or record too large', heldRecords: this.counters.heldRecords, heldBytes: this.counters.heldBytes });
  }
}

/** Resolves true when `promise` settles within `ms`, false otherwise; never rejects. */
function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  const settled = promise.then(
    () => true,
    () => true,
  );
  // setTimeout treats anything above 2^31-1 ms as 1 ms; an unbounded wait needs no timer.
  if (ms > 2 ** 31 - 1) return settled;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  return Promise.race([settled, timeout]).finally(() => clearTimeout(timer));
}
