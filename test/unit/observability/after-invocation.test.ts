import { AfterInvocation, type AfterInvocationParts } from '../../../lambda/observability/after-invocation';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A runtime whose parts record what ran, in order; shadows settle when the test says so. */
function recordingParts(options: { captureDue?: boolean; heldAtShutdown?: number } = {}) {
  const calls: string[] = [];
  const shadowRuns = deferred();
  const timer: boolean[] = [];
  const warnings: string[] = [];
  const parts: AfterInvocationParts = {
    shadows: {
      settle: async () => {
        calls.push('shadows settle');
        await shadowRuns.promise;
      },
    },
    metrics: { flush: () => void calls.push('metrics flush') },
    capture: {
      flush: async () => void calls.push('capture flush'),
      isDue: () => options.captureDue ?? true,
      setTimer: (running) => void timer.push(running),
      close: async () => void calls.push('capture close'),
      stats: () => ({ accepted: 0, dropped: 0, delivered: 0, failedSends: 0, heldRecords: options.heldAtShutdown ?? 0, heldBytes: 0 }),
    },
    config: { capture: { flushIntervalMs: 1000, flushTimeoutMs: 100 } },
    logger: { warn: (message: string) => void warnings.push(message), error: () => undefined } as unknown as AfterInvocationParts['logger'],
  };
  return { parts, calls, shadowRuns, timer, warnings };
}

/**
 * The handler's shape (lambda/handler.ts) and how aws-lambda-ric treats it: it awaits the
 * handler, waits one `setImmediate`, then posts the result synchronously.
 */
function invokeAsTheRuntimeClientDoes(after: AfterInvocation, calls: string[], requestId: string): Promise<void> {
  const handler = async () => {
    try {
      return 'reply';
    } finally {
      await after.afterReply(requestId);
    }
  };
  return handler().then(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    calls.push('reply posted');
  });
}

describe('the work after an invocation', () => {
  it('starts only once the runtime client has posted the reply, then settles the shadows, writes the metrics and sends capture, in that order', async () => {
    const { parts, calls, shadowRuns } = recordingParts();
    const after = new AfterInvocation(parts);

    await invokeAsTheRuntimeClientDoes(after, calls, 'r1');
    await new Promise((resolve) => setImmediate(resolve));
    const whileShadowsRun = [...calls];
    shadowRuns.resolve();
    await after.idle();

    expect(whileShadowsRun).toEqual(['reply posted', 'shadows settle']);
    expect(calls).toEqual(['reply posted', 'shadows settle', 'metrics flush', 'capture flush']);
  });

  it('lets the reply go while a shadow run never ends', async () => {
    const { parts, calls } = recordingParts();
    const after = new AfterInvocation(parts);

    await invokeAsTheRuntimeClientDoes(after, calls, 'r1');

    expect(calls[0]).toBe('reply posted');
    expect(calls).not.toContain('metrics flush');
  });

  it('sends capture after an invocation only when a send is due', async () => {
    const { parts, calls, shadowRuns } = recordingParts({ captureDue: false });
    const after = new AfterInvocation(parts);
    shadowRuns.resolve();

    await invokeAsTheRuntimeClientDoes(after, calls, 'r1');
    await after.idle();

    expect(calls).toEqual(['reply posted', 'shadows settle', 'metrics flush']);
  });

  it('makes the reply wait for all of it, capture included, when Lambda refused the extension', async () => {
    const { parts, calls, shadowRuns } = recordingParts({ captureDue: false });
    const after = new AfterInvocation(parts);
    after.setMode('before-reply');
    shadowRuns.resolve();

    await invokeAsTheRuntimeClientDoes(after, calls, 'r1');

    expect(calls).toEqual(['shadows settle', 'metrics flush', 'capture flush', 'reply posted']);
  });

  it("tells the extension an invocation is done only once its work is, and runs capture's timer only while an invocation does", async () => {
    const { parts, calls, shadowRuns, timer } = recordingParts();
    const after = new AfterInvocation(parts);
    after.setMode('extension');
    let done = false;

    after.invocationStarted();
    const waiting = after.invocationDone('r1', Date.now() + 60_000).then(() => (done = true));
    await invokeAsTheRuntimeClientDoes(after, calls, 'r1');
    await new Promise((resolve) => setImmediate(resolve));
    const doneWhileShadowsRun = done;
    shadowRuns.resolve();
    await waiting;

    expect(doneWhileShadowsRun).toBe(false);
    expect(calls).toEqual(['reply posted', 'shadows settle', 'metrics flush', 'capture flush']);
    expect(timer).toEqual([false, true, false]);
  });

  it('stops waiting for an invocation whose handler never ran shortly before its deadline', async () => {
    const { parts } = recordingParts();
    const after = new AfterInvocation(parts);
    after.setMode('extension');

    await expect(after.invocationDone('never-handled', Date.now() + 60)).resolves.toBeUndefined();
  });

  it('on shutdown writes the metrics, closes capture (sending what it holds) and says how many records it could not deliver', async () => {
    const { parts, calls, shadowRuns, warnings } = recordingParts({ heldAtShutdown: 3 });
    const after = new AfterInvocation(parts);
    shadowRuns.resolve();

    await after.shutdown(400);

    expect(calls).toEqual(['shadows settle', 'metrics flush', 'capture close']);
    expect(warnings).toEqual(['capture records not delivered before shutdown']);
  });
});
