import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentVersion } from '../../../lambda/repository';
import { startServer } from '../../support/local-programs';
import { oneHotLinearModel } from '../../support/onnx-models';

/** A one-hot model as skl2onnx writes the course's pipeline, `n` zone-pair categories, weights moved by `shift`. */
function oneHotModel(n: number, shift: number): Uint8Array {
  const categories = Array.from({ length: n }, (_, i) => `${(i % 265) + 1}_${Math.floor(i / 265) + 1}`);
  return oneHotLinearModel({ categories, coefficients: [...categories.map((_, i) => ((i % 7) + shift) / 10), 2 + shift], intercept: 1 });
}

/**
 * npm start with MODEL_REFRESH_SECONDS=1 (each session in a worker thread of its own) while 8
 * clients send rides: a one-hot model of 100,000 categories is moved over the live one. What
 * is checked here is that the swap happens under load and nothing fails; how long any request
 * waits meanwhile is measured by `npm run bench -- --only hot-swap` (55 MB), never in a test.
 */
describe('npm start hot-swapping a large one-hot model under load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hot-swap-large-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('swaps the new model in while every request (and /health) is answered, none failing', async () => {
    const [first, second] = [oneHotModel(100_000, 0), oneHotModel(100_000, 1)];
    writeFileSync(join(dir, 'model.onnx'), first);
    writeFileSync(join(dir, 'second.onnx'), second);
    const server = await startServer({ MODELS: `duration=${join(dir, 'model.onnx')}`, MODEL_REFRESH_SECONDS: '1' });
    const versions = new Map<string, number>();
    const failures: string[] = [];
    let running = true;
    const ask = async (path: string, init?: RequestInit) => {
      const response = await fetch(`${server.url}${path}`, init);
      const body = (await response.json()) as { model_version?: string };
      if (response.status !== 200) failures.push(`${path} ${response.status} ${JSON.stringify(body)}`);
      return body;
    };
    const client = async (i: number) => {
      while (running) {
        const body =
          i === 0
            ? await ask('/health')
            : await ask('/predict', {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ PULocationID: 10, DOLocationID: 50, trip_distance: 3.66 }),
              });
        if (i !== 0) versions.set(String(body.model_version), (versions.get(String(body.model_version)) ?? 0) + 1);
      }
    };
    const clients = Array.from({ length: 8 }, (_, i) => client(i));
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      copyFileSync(join(dir, 'second.onnx'), join(dir, 'next.onnx'));
      renameSync(join(dir, 'next.onnx'), join(dir, 'model.onnx'));
      for (const started = Date.now(); !versions.has(contentVersion(second)) && Date.now() - started < 45_000;)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      running = false;
      await Promise.all(clients);
      await server.stop();
    }

    expect(failures).toEqual([]);
    expect(versions.get(contentVersion(first))).toBeGreaterThan(0);
    expect(versions.get(contentVersion(second))).toBeGreaterThan(0);
    expect([...versions.keys()].sort()).toEqual([contentVersion(first), contentVersion(second)].sort());
    expect(server.output()).toMatch(/"message":"model swapped"/);
  });
});
