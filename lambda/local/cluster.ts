import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@aws-lambda-powertools/logger';

/**
 * `npm start` with WEB_CONCURRENCY > 1: this (primary) process forks `workers` copies of the
 * server, which share the listening port (node:cluster hands connections out round-robin),
 * so every core serves requests. The primary loads no model; it replaces a worker that dies
 * and, on SIGINT/SIGTERM, passes the signal on and exits once every worker has drained.
 */
export function runCluster(workers: number, logger: Logger): void {
  let stopping = false;
  let cannotStart = false;
  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < workers; i++) fork();
  // A worker that cannot start (a model that cannot load) would fail the same way again: the
  // first one's line is printed once, the others are stopped, and the primary exits 1.
  cluster.on('message', (_worker, message: unknown) => {
    if (!isCannotStart(message) || cannotStart) return;
    cannotStart = true;
    stopping = true;
    process.stderr.write(`${message.line}\n`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(cannotStart ? 1 : 0);
      return;
    }
    logger.error('server worker died; starting another', { pid: worker.process.pid, code, signal });
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down workers', { signal });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    setTimeout(() => process.exit(0), 12_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

/** What a worker that cannot start tells the primary: the one line to print. */
interface CannotStart {
  readonly kind: 'cannot-start';
  readonly line: string;
}

function isCannotStart(message: unknown): message is CannotStart {
  return (
    typeof message === 'object' && message !== null && (message as CannotStart).kind === 'cannot-start' && typeof (message as CannotStart).line === 'string'
  );
}

/**
 * Ends a server that cannot start: a lone server writes `line` to stderr and exits 1; a cluster
 * worker sends it to the primary (which prints it once) and exits 1. Never resolves, so the
 * caller goes no further (a worker's exit waits for its message to be sent).
 */
export function stopAtStart(line: string): Promise<never> {
  return new Promise<never>(() => {
    if (cluster.isWorker && process.send) {
      const message: CannotStart = { kind: 'cannot-start', line };
      process.send(message, undefined, undefined, () => process.exit(1));
      return;
    }
    process.stderr.write(`${line}\n`);
    process.exit(1);
  });
}
