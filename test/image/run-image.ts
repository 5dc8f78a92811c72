import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { descendantsOf, procStatus, run, type ImageConfig } from './buildah';

/** A JSON line the server printed: a log line or an EMF metrics record. */
export interface OutputLine {
  level?: string;
  message?: string;
  error?: { message?: string };
  port?: number;
  model?: string;
  Predictions?: number;
  _aws?: unknown;
}

/** The image's USER as its /etc/passwd resolves it. */
export interface ImageUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The image's CMD running in a working container, as a container runtime would run it. */
export interface RunningImage {
  /** host pid of the container's PID 1 (what `docker stop` signals) */
  readonly initPid: number;
  readonly lines: readonly OutputLine[];
  /** resolves with the first output line that matches (already printed or still to come) */
  waitFor(match: (line: OutputLine) => boolean, timeoutMs: number): Promise<OutputLine>;
  /** resolves with the exit status once the container's process ended */
  readonly exited: Promise<number | null>;
  /** false once it exited */
  isRunning(): boolean;
  /** stderr so far (for a failure's explanation) */
  stderr(): string;
}

/** Resolves the image's USER (`name`, `uid`, `name:group`, ...) in the working container's /etc/passwd. */
export function imageUser(container: string, config: ImageConfig): ImageUser {
  const user = (config.User ?? '').split(':')[0] || 'root';
  const entry = run('buildah', ['run', '--isolation', 'chroot', '--user', '0:0', container, '--', 'getent', 'passwd', user]).trim();
  const [name = user, , uid = '0', gid = '0', , home = '/'] = entry.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home };
}

/**
 * Starts the image's ENTRYPOINT + CMD in `container` with its ENV and WORKDIR (buildah run applies
 * them) plus `env` (what a user passes with `docker run -e`) and `volumes`; `args` replace CMD as
 * `docker run <image> args…` does (SageMaker runs `docker run <image> serve`).
 *
 * A container runtime starts that command as PID 1 of a PID namespace of its own, as USER, with
 * no capabilities beyond its defaults. buildah's chroot isolation shares the host's PID namespace
 * (and network: the server is reachable on the host's loopback), so the command is started as
 * root with CAP_SYS_ADMIN only to make the namespace (`unshare --pid --fork`), then `setpriv`
 * becomes the image's USER with no capabilities and execs the entrypoint, which execs node: node
 * is PID 1 and must handle SIGTERM itself, exactly as under Docker.
 */
export async function runImage(
  container: string,
  config: ImageConfig,
  user: ImageUser,
  env: Record<string, string>,
  volumes: Record<string, string>,
  args: readonly string[] = config.Cmd ?? [],
): Promise<RunningImage> {
  const command = [...(config.Entrypoint ?? []), ...args];
  const buildahArgs = ['run', '--isolation', 'chroot', '--user', '0:0', '--cap-add', 'CAP_SYS_ADMIN'];
  for (const [name, value] of Object.entries({ HOME: user.home, ...env })) buildahArgs.push('-e', `${name}=${value}`);
  for (const [hostPath, containerPath] of Object.entries(volumes)) buildahArgs.push('-v', `${hostPath}:${containerPath}`);
  buildahArgs.push(container, '--', 'unshare', '--pid', '--fork', '--kill-child');
  buildahArgs.push('setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--inh-caps=-all', '--bounding-set=-sys_admin', ...command);
  const child = spawn('buildah', buildahArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let running = true;
  const exited = once(child, 'exit').then(([code]) => ((running = false), code as number | null));
  const output = collectLines(child);
  await Promise.race([
    output.waitFor((line) => line.message?.startsWith('listening on') === true, 60_000),
    exited.then((code) => Promise.reject(new Error(`exited with ${code} before listening: ${output.stderr().trim().slice(-2000)}`))),
  ]);
  return { initPid: initPidUnder(child.pid as number), lines: output.lines, waitFor: output.waitFor, exited, isRunning: () => running, stderr: output.stderr };
}

/** The process under `root` that is PID 1 of its own PID namespace (its NSpid ends in 1). */
function initPidUnder(root: number): number {
  const init = descendantsOf(root).find((pid) => /^NSpid:.*\s1$/m.test(procStatus(pid)));
  if (init === undefined) throw new Error('no process under buildah run is PID 1 of a PID namespace');
  return init;
}

function collectLines(child: ChildProcess): Pick<RunningImage, 'lines' | 'waitFor' | 'stderr'> {
  const lines: OutputLine[] = [];
  const waiting = new Set<{ match: (line: OutputLine) => boolean; done: (line: OutputLine) => void }>();
  let partial = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on('data', (chunk: Buffer) => {
    const complete = (partial + chunk.toString()).split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      const line = parseLine(text);
      if (line === undefined) continue;
      lines.push(line);
      for (const waiter of waiting)
        if (waiter.match(line)) {
          waiting.delete(waiter);
          waiter.done(line);
        }
    }
  });
  return {
    lines,
    stderr: () => stderr,
    waitFor: (match, timeoutMs) =>
      new Promise((done, fail) => {
        const seen = lines.find(match);
        if (seen) return done(seen);
        const timer = setTimeout(() => fail(new Error(`no such output line within ${timeoutMs} ms`)), timeoutMs);
        waiting.add({ match, done: (line) => (clearTimeout(timer), done(line)) });
      }),
  };
}

/** A JSON object line, or undefined for anything else the process printed. */
function parseLine(text: string): OutputLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    return JSON.parse(text) as OutputLine;
  } catch {
    return undefined; // a log line cut short or not JSON: not one the checks read
  }
}
