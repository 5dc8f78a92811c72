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
  const fork = (): Worker => cluster.fork();
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
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
