import { readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COURSE_RIDE } from '../../support/fixtures';
import { startServer } from '../../support/local-programs';
import { mountReadOnly, mountTmpfs, type Mount } from '../../support/small-filesystem';

/** Every line of every capture file under `dir`. */
function captureLines(dir: string): string[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.endsWith('.jsonl')).sort();
  return files.flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean));
}

/** Resolves once `condition` holds, checking every 100 ms; rejects after `ms`. */
async function eventually(condition: () => boolean, ms = 30_000): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() - started > ms) throw new Error(`the condition did not hold within ${ms} ms`);
  }
}

const predict = (url: string) =>
  fetch(`${url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(COURSE_RIDE) });

/** Runs `test` only where a real filesystem of that kind can be mounted (root; CI is), else says why it was skipped. */
function withMount(mount: () => Mount, name: string, test: (path: string) => Promise<void>): void {
  const probe = mount();
  if ('unavailable' in probe) {
    it.skip(`${name} (skipped: ${probe.unavailable})`, () => undefined);
    return;
  }
  probe.unmount();
  it(name, async () => {
    const mounted = mount();
    if ('unavailable' in mounted) throw new Error(mounted.unavailable);
    try {
      await test(mounted.path);
    } finally {
      mounted.unmount();
    }
  });
}

describe('npm start capturing to a disk that fills up (a real 1 MiB tmpfs)', () => {
  withMount(
    () => mountTmpfs(1024 * 1024),
    'writes each of 600 records exactly once and never a partial line, once space is freed',
    async (disk) => {
      // Leave 52 KiB free: the first ~150 records fit, the rest meet ENOSPC part-way through a write.
      const filler = join(disk, 'filler');
      const free = () => Number(statfsSync(disk).bavail) * Number(statfsSync(disk).bsize);
      writeFileSync(filler, Buffer.alloc(free() - 52 * 1024));
      const capture = join(disk, 'capture');
      const server = await startServer({ CAPTURE_LOCATION: capture, CAPTURE_FLUSH_INTERVAL_MS: '100' });
      try {
        const replies = [];
        for (let i = 0; i < 600; i += 20) replies.push(...(await Promise.all(Array.from({ length: 20 }, () => predict(server.url)))));
        expect(replies.map((reply) => reply.status).every((status) => status === 200)).toBe(true);
        await eventually(() => server.output().includes('ENOSPC'));

        rmSync(filler);
        await eventually(() => captureLines(capture).length >= 600);
      } finally {
        await server.stop();
      }

      const lines = captureLines(capture);
      const ids = lines.map((line) => (JSON.parse(line) as { id: string }).id);
      expect(lines).toHaveLength(600);
      expect(new Set(ids).size).toBe(600);
    },
  );
});

describe('npm start capturing to a read-only directory (a read-only bind mount)', () => {
  withMount(mountReadOnly, 'answers every request and reports the capture failure as a read-only file system, not a missing directory', async (readOnly) => {
    const server = await startServer({ CAPTURE_LOCATION: join(readOnly, 'capture'), CAPTURE_FLUSH_INTERVAL_MS: '100' });
    try {
      const reply = await predict(server.url);
      expect(reply.status).toBe(200);
      await eventually(() => server.output().includes('capture send failed'));
    } finally {
      await server.stop();
    }
    const failure = server
      .output()
      .split('\n')
      .find((line) => line.includes('capture send failed')) as string;

    expect(failure).toMatch(/EROFS/);
    expect(failure).not.toMatch(/ENOENT/);
  });
});
