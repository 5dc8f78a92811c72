import { Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { createParquetWriterInThread } from './parquet-writer';
import type { OutputLayout, ScoredChunk, ScoredSink } from './scored-chunk';

/**
 * The parquet output written by a thread of its own: encoding and compressing the pages (a third
 * of a batch job's CPU) runs on the second core while the calling thread reads and scores the
 * next chunk. Lambda gives the batch function (3,008 MB) two vCPUs; a laptop has more.
 *
 * The thread runs the chunk this module was bundled into (`__filename`: every chunk the build
 * recipe writes defines it; parquet-writer.ts imports this module lazily, so the chunk is its
 * own), whose top level below starts serving when it is loaded as that thread. Where there is no
 * bundle (TypeScript under jest) the writer runs in the calling thread.
 */
export async function createParquetSink(path: string, layout: OutputLayout): Promise<ScoredSink> {
  if (!/\.m?js$/.test(__filename)) return createParquetWriterInThread(path, layout);
  return threadSink(new Worker(__filename, { resourceLimits: WRITER_HEAP, workerData: { role: ROLE, path, layout } satisfies Assignment }));
}

const ROLE = 'ride-batch-parquet-writer';

/**
 * The writer's young generation, bounded: what it allocates per row (ride id views, 64-bit times,
 * page buffers) dies young, and a second isolate's default young space alone added ~55 MB to a
 * 3M-row job's peak RSS (448 → 393 MB measured, same CPU). The old generation is left unbounded,
 * so no chunk size can run the writer out of memory.
 */
const WRITER_HEAP = { maxYoungGenerationSizeMb: 8 };

interface Assignment {
  role: typeof ROLE;
  path: string;
  layout: OutputLayout;
}

type Request = { kind: 'write'; chunk: ScoredChunk } | { kind: 'finish' } | { kind: 'abort' };
type Reply = { kind: 'done' } | { kind: 'failed'; name: string; message: string; code?: string };

/**
 * The calling side. `write` hands a chunk over and returns once the previous one is written, so
 * one chunk is being written while the next is scored, and no more is held. A failure comes back
 * as the writer threw it (its message and errno code), at the next `write` or at `finish`.
 */
function threadSink(worker: Worker): ScoredSink {
  const waiting: Array<{ resolve(): void; reject(error: Error): void }> = [];
  let failure: Error | undefined;
  // The thread keeps the process alive only while an answer is awaited (an abandoned run still exits).
  worker.unref();
  const settleAll = (error: Error) => {
    failure ??= error;
    for (const request of waiting.splice(0)) request.reject(failure);
    worker.unref();
  };
  worker.on('message', (reply: Reply) => {
    const request = waiting.shift();
    if (waiting.length === 0) worker.unref();
    if (reply.kind === 'done') return request?.resolve();
    failure ??= Object.assign(new Error(reply.message), { name: reply.name, ...(reply.code ? { code: reply.code } : {}) });
    request?.reject(failure);
  });
  worker.on('error', settleAll);
  worker.on('exit', (code) => settleAll(new Error(`the parquet writer thread ended (exit code ${code})`)));
  const ask = (request: Request): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve, reject });
      worker.ref();
      worker.postMessage(request);
    });
  let previous: Promise<void> = Promise.resolve();
  return {
    async write(chunk) {
      await previous;
      previous = ask({ kind: 'write', chunk });
      // Observed by the next write or by finish.
      previous.catch(() => undefined);
    },
    async finish() {
      await previous;
      await ask({ kind: 'finish' });
      await worker.terminate();
    },
    abort() {
      // The thread closes its file and ends; nothing waits for it.
      if (!failure) worker.postMessage({ kind: 'abort' } satisfies Request);
    },
  };
}

/** The thread's side: one writer, requests in order, each answered. */
function serve(port: MessagePort, assignment: Assignment): void {
  const writer = createParquetWriterInThread(assignment.path, assignment.layout);
  let queue: Promise<unknown> = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      try {
        const sink = await writer;
        if (request.kind === 'abort') {
          sink.abort();
          return port.close();
        }
        await (request.kind === 'write' ? sink.write(request.chunk) : sink.finish());
        port.postMessage({ kind: 'done' } satisfies Reply);
      } catch (error) {
        const { name, message, code } = error as NodeJS.ErrnoException;
        port.postMessage({ kind: 'failed', name, message, ...(code ? { code } : {}) } satisfies Reply);
      }
    });
  });
}

const assignment = isMainThread ? undefined : (workerData as Partial<Assignment> | null);
if (parentPort && assignment?.role === ROLE) serve(parentPort, assignment as Assignment);
