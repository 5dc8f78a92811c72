import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createDirectorySink } from '../../../../lambda/observability/capture/directory-sink';

const ROOT = resolve(__dirname, '..', '..', '..', '..');

/** Every .jsonl file under `dir`, relative paths, sorted by name. */
function captureFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl')).sort();
}

describe('the directory capture sink', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'capture-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lays files out by date and hour, named by their UTC opening time and the process id', async () => {
    const sink = createDirectorySink(dir, { maxFileBytes: 1 << 20, maxFileSeconds: 600 }, () => new Date('2026-11-28T17:05:09.123Z'));

    await sink.send(['{"id":"1"}\n']);

    expect(captureFiles(dir)).toEqual([
      join('dt=2026-11-28', 'hour=17', `capture-20261128T170509123Z-${process.pid}-${captureFiles(dir)[0]?.split('-').at(-1)}`),
    ]);
  });

  it('rotates by size, by age and at the hour, and the file names sort in the order the lines were written', async () => {
    let clock = Date.parse('2026-11-28T17:59:00.000Z');
    const sink = createDirectorySink(dir, { maxFileBytes: 100, maxFileSeconds: 60 }, () => new Date(clock));
    const lines = Array.from({ length: 12 }, (_, i) => `{"id":"${String(i).padStart(2, '0')}","pad":"${'x'.repeat(20)}"}\n`);

    for (const [i, line] of lines.entries()) {
      await sink.send([line]);
      clock += i === 5 ? 61_000 : 1000; // one gap longer than a file's age limit; crosses 18:00
    }

    const files = captureFiles(dir);
    const read = files.flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean));
    expect(read).toEqual(lines.map((l) => l.trimEnd()));
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(files.some((f) => f.includes('hour=18'))).toBe(true);
    for (const f of files) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(100);
  });

  it('writes whole lines that another reader can parse while the sink keeps appending', async () => {
    const sink = createDirectorySink(dir, { maxFileBytes: 1 << 20, maxFileSeconds: 600 });
    for (let round = 0; round < 5; round++) {
      await sink.send(Array.from({ length: 100 }, (_, i) => `{"round":${round},"i":${i}}\n`));
      const [file] = captureFiles(dir);
      const text = readFileSync(join(dir, file as string), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(
        text
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as unknown),
      ).toHaveLength((round + 1) * 100);
    }
  });

  it('keeps two processes writing one directory in separate files, losing no line', async () => {
    const script = `
      const { createDirectorySink } = require(${JSON.stringify(join(ROOT, 'lambda', 'observability', 'capture', 'directory-sink.ts'))});
      const sink = createDirectorySink(process.argv[1], { maxFileBytes: 4000, maxFileSeconds: 600 });
      (async () => { for (let i = 0; i < 200; i++) await sink.send([JSON.stringify({ pid: process.pid, i }) + '\\n']); })();
    `;
    const children = [0, 1].map(() => spawn(process.execPath, ['--import', 'tsx', '-e', script, dir], { cwd: ROOT, stdio: 'inherit' }));
    const codes = await Promise.all(children.map(async (child) => ((await once(child, 'exit')) as [number])[0]));

    expect(codes).toEqual([0, 0]);
    const files = captureFiles(dir);
    const pids = new Set(files.map((f) => relative('', f).split('-').at(-2)));
    expect(pids.size).toBe(2);
    const records = files.flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { pid: number; i: number }),
    );
    expect(records).toHaveLength(400);
    for (const pid of new Set(records.map((r) => r.pid))) {
      expect(records.filter((r) => r.pid === pid).map((r) => r.i)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    }
  });
});
