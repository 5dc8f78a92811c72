import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { COURSE_RIDE, defaultModels, predictDurations } from '../../support/fixtures';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = join(__dirname, '..', '..', '..');

/** Starts `npm start`'s entry with the given environment and collects its log lines. */
function startServer(env: Record<string, string>): { child: ChildProcess; lines: string[]; waitFor(predicate: (lines: string[]) => boolean): Promise<void> } {
  const child = spawn(process.execPath, [LAUNCHER, 'server'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', POWERTOOLS_LOG_LEVEL: 'INFO', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    for (const w of waiters) w();
  });
  return {
    child,
    lines,
    waitFor: (predicate) =>
      new Promise((resolve, reject) => {
        const check = () => predicate(lines) && resolve();
        waiters.push(check);
        child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${lines.join('\n')}`)));
        check();
      }),
  };
}

const listening = (lines: string[]) =>
  lines.map((l) => JSON.parse(l) as { message?: string; port?: number }).filter((l) => l.message?.startsWith('listening on'));

describe('npm start with WEB_CONCURRENCY=2', () => {
  it('serves predictions from a cluster of two workers sharing one port, and stops cleanly on SIGTERM', async () => {
    const server = startServer({ WEB_CONCURRENCY: '2' });
    try {
      await server.waitFor((lines) => listening(lines).length === 2);
      const ports = new Set(listening(server.lines).map((l) => l.port));
      expect(ports.size).toBe(1);
      const [port] = [...ports];
      const expected = (await predictDurations(await defaultModels(), [COURSE_RIDE]))[0];

      const replies = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(COURSE_RIDE) }),
        ),
      );

      expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
      for (const reply of replies) expect(((await reply.json()) as { duration: number }).duration).toBe(expected);
      server.child.kill('SIGTERM');
      const [code] = (await once(server.child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
