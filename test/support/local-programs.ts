import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

/**
 * The local programs as users run them: `npm start` and `npm run batch|stream|monitor` run
 * lambda/local/launch.cjs, which runs the build recipe's bundle (.build/local/<name>.mjs, rebuilt
 * when a source changed). Tests start the same launcher with the same arguments as package.json's
 * scripts, never the TypeScript source.
 */

export const ROOT = join(__dirname, '..', '..');
export const LAUNCHER = join(ROOT, 'lambda', 'local', 'launch.cjs');

/** A small environment: PATH (for node_modules/.bin) and the variables given, nothing else from the test's own. */
export function programEnv(env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env };
}

/** Spawns program `name` (an entry of LOCAL_ENTRIES in infra/bundling.ts) with `args`, as `npm run <name> -- args` does. */
export function spawnProgram(
  name: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  options: { detached?: boolean } = {},
): ChildProcess {
  return spawn(process.execPath, [LAUNCHER, name, ...args], {
    cwd: ROOT,
    env: programEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
}

export interface ProgramResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs program `name` to its end and returns its exit status and output. */
export function runProgram(name: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<ProgramResult> {
  return outcomeOf(spawnProgram(name, args, env));
}

/** A child's exit status and everything it printed, once it exits. */
async function outcomeOf(child: ChildProcess): Promise<ProgramResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [status, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  return { status, signal, stdout, stderr };
}

/** A running `npm start`, with its JSON log lines. */
export interface RunningServer {
  readonly child: ChildProcess;
  /** every stdout line so far */
  readonly lines: string[];
  /** stdout and stderr so far, for failure messages */
  output(): string;
  /** resolves once `predicate` holds for the lines; rejects if the server exits first */
  waitFor(predicate: (lines: string[]) => boolean): Promise<void>;
  /** SIGTERM, then the exit code (SIGKILL after 10 s) */
  stop(): Promise<number | null>;
}

/** Starts `npm start`'s server with `env` (HOST=127.0.0.1, PORT=0 unless given) without waiting. */
export function spawnServer(env: Record<string, string | undefined> = {}): RunningServer {
  const child = spawnProgram('server', [], { HOST: '127.0.0.1', PORT: '0', POWERTOOLS_LOG_LEVEL: 'INFO', ...env });
  const lines: string[] = [];
  let all = '';
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    all += chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    for (const wake of waiters) wake();
  });
  child.stderr?.on('data', (chunk: Buffer) => (all += chunk.toString('utf8')));
  return {
    child,
    lines,
    output: () => all,
    waitFor: (predicate) =>
      new Promise<void>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`the server exited with ${code} before it was ready:\n${all}`));
        const check = () => {
          if (!predicate(lines)) return;
          waiters.delete(check);
          child.off('exit', onExit);
          resolve();
        };
        waiters.add(check);
        child.once('exit', onExit);
        check();
      }),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit') as Promise<[number | null]>;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** The port of each "listening on" log line so far. */
export function listeningPorts(lines: readonly string[]): number[] {
  return lines.flatMap((line) => {
    const match = /"listening on http:\/\/[^:]+:(\d+)"/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

/** Starts `npm start`'s server and waits until it listens; `url` is its base URL. */
export async function startServer(env: Record<string, string | undefined> = {}): Promise<RunningServer & { port: number; url: string }> {
  const server = spawnServer(env);
  try {
    await server.waitFor((lines) => listeningPorts(lines).length > 0);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const port = listeningPorts(server.lines)[0] as number;
  return Object.assign(server, { port, url: `http://127.0.0.1:${port}` });
}

/** `npm run <script> -- args`, exactly as the README shows it (npm's own banner silenced with -s). */
export function spawnNpm(script: string, args: readonly string[], env: Record<string, string | undefined> = {}): ChildProcess {
  return spawn('npm', ['run', '-s', script, ...(args.length > 0 ? ['--', ...args] : [])], {
    cwd: ROOT,
    env: programEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `npm run <script> -- args` to its end. */
export function runNpm(script: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<ProgramResult> {
  return outcomeOf(spawnNpm(script, args, env));
}
