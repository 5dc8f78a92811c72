import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';

const exec = promisify(execFile);

/** What one load run measured. Latencies in milliseconds. */
export interface LoadResult {
  tool: 'wrk' | 'autocannon';
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** socket errors, timeouts and non-2xx answers */
  errors: number;
  requests: number;
}

export interface LoadOptions {
  url: string;
  body: string;
  connections: number;
  seconds: number;
  /** where wrk's Lua script is written */
  workDir: string;
}

/** Is wrk on PATH? The suite prefers it (C, one thread, little CPU); autocannon is the fallback. */
export async function hasWrk(): Promise<boolean> {
  try {
    await exec('wrk', ['-v']);
    return true;
  } catch (error) {
    // wrk -v prints its usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** `wrk -t1 -c<n> -d<s>s --latency` with a Lua script that POSTs the JSON body. */
export function wrkArgs(options: LoadOptions, script: string): string[] {
  return ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '5s', '--latency', '-s', script, options.url];
}

export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const script = join(options.workDir, 'post.lua');
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = '${options.body}'\nwrk.headers["Content-Type"] = "application/json"\n`);
  const { stdout } = await exec('wrk', wrkArgs(options, script), { timeout: (options.seconds + 30) * 1000 });
  return parseWrkOutput(stdout);
}

/** Reads requests/s, the 50th/99th percentiles and every kind of error from wrk's report. */
export function parseWrkOutput(text: string): LoadResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  const total = /(\d+) requests in/.exec(text);
  if (!rps || !p50 || !p99 || !total) throw new Error(`unexpected wrk output:\n${text}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    tool: 'wrk',
    requestsPerSecond: Number(rps[1]),
    p50Ms: toMs(Number(p50[1]), p50[2] as string),
    p99Ms: toMs(Number(p99[1]), p99[2] as string),
    errors: socketErrors + (non2xx ? Number(non2xx[1]) : 0),
    requests: Number(total[1]),
  };
}

function toMs(value: number, unit: string): number {
  return unit === 'us' ? value / 1000 : unit === 's' ? value * 1000 : value;
}

/** autocannon in this process, when wrk is not installed (it costs the server some CPU). */
export async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    duration: options.seconds,
    timeout: 5,
  });
  return {
    tool: 'autocannon',
    requestsPerSecond: result.requests.total / options.seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    requests: result.requests.total,
  };
}
