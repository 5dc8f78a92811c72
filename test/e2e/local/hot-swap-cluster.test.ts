import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentVersion } from '../../../lambda/repository';
import { expectedValues } from '../../support/hot-swap-load';
import { scaledDistanceModel } from '../../support/onnx-models';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = join(__dirname, '..', '..', '..');
const RIDE = { trip_distance: 2.5 };

interface LogLine {
  message: string;
  port?: number;
  toVersion?: string;
}

/**
 * `npm start` with WEB_CONCURRENCY=2 and MODEL_REFRESH_SECONDS=1 on a model file: each worker
 * checks on its own, so both must log a swap, after which every reply names the new model; the
 * cluster still stops cleanly on SIGTERM (nothing the refresher started holds a worker open).
 */
describe('hot swap in a cluster of two workers (model file, mtime + hash)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hot-swap-cluster-'));
  const path = join(dir, 'model.onnx');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('swaps the model in every worker and exits cleanly', async () => {
    const first = scaledDistanceModel(2);
    const second = scaledDistanceModel(3);
    writeFileSync(path, first);
    const expected = await expectedValues([first, second], RIDE);
    const child = spawn(process.execPath, [LAUNCHER, 'server'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: '0',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        WEB_CONCURRENCY: '2',
        MODELS: `duration=${path}`,
        MODEL_REFRESH_SECONDS: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: LogLine[] = [];
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const complete = text.split('\n');
      partial = complete.pop() ?? ''; // a line cut between two chunks waits for its end
      lines.push(...complete.filter(Boolean).map((l) => JSON.parse(l) as LogLine));
    });
    const waitFor = async (predicate: () => boolean, what: string) => {
      for (const deadline = performance.now() + 60_000; !predicate();) {
        if (performance.now() > deadline || child.exitCode !== null) throw new Error(`gave up waiting for ${what}: ${JSON.stringify(lines)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      await waitFor(() => lines.filter((l) => l.message.startsWith('listening on')).length === 2, 'two workers listening');
      const port = lines.find((l) => l.message.startsWith('listening on'))?.port;
      const replies: { version: string; value: number }[] = [];
      const failures: string[] = [];
      let stopped = false;
      const loop = async () => {
        while (!stopped) {
          const response = await fetch(`http://127.0.0.1:${port}/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(RIDE),
          });
          const text = await response.text();
          if (response.status !== 200) failures.push(`${response.status} ${text}`);
          else {
            const reply = JSON.parse(text) as { duration: number; model_version: string };
            replies.push({ version: reply.model_version, value: reply.duration });
          }
        }
      };
      const loops = Array.from({ length: 4 }, loop);
      await waitFor(() => replies.length > 0, 'a first reply');
      // Replaced the way a deploy should replace a file: written beside it, then renamed over it.
      writeFileSync(`${path}.next`, second);
      renameSync(`${path}.next`, path);
      await waitFor(() => lines.filter((l) => l.message === 'model swapped').length === 2, 'both workers to swap');
      const swappedAt = replies.length;
      await waitFor(() => replies.length >= swappedAt + 20, '20 more replies');
      stopped = true;
      await Promise.all(loops);

      expect(failures).toEqual([]);
      expect(replies.filter((r) => expected.get(r.version) !== r.value)).toEqual([]);
      expect(new Set(replies.slice(swappedAt + 4).map((r) => r.version))).toEqual(new Set([contentVersion(second)]));
      expect(lines.filter((l) => l.message === 'model swapped').map((l) => l.toVersion)).toEqual([contentVersion(second), contentVersion(second)]);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
