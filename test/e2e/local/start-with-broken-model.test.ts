import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { scratchDirectory } from '../../support/trip-fixtures';
import { once } from 'node:events';
import { join } from 'node:path';
import { COURSE_RIDE, DEFAULT_MODEL_PATH } from '../../support/fixtures';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = join(__dirname, '..', '..', '..');
const BROKEN = join(ROOT, 'no-such-dir', 'cost.onnx');

/** `npm start` (lambda/local/launch.cjs server) with a model that cannot load beside one that can. */
function start(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [LAUNCHER, 'server'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      MODELS: `duration=${DEFAULT_MODEL_PATH},cost=${BROKEN}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  return { child, out };
}

const ONE_LINE =
  /^npm start: model 'cost' cannot be loaded \(MODEL_NOT_FOUND\): cannot fetch model 'cost' from \S+cost\.onnx: ENOENT[^\n]*\. Fix it, or set ALLOW_PARTIAL_MODELS=true to serve the other models\.\n$/;

describe('npm start with a model that cannot load', () => {
  it.each([
    ['one server process', {}],
    ['a cluster (WEB_CONCURRENCY=2)', { WEB_CONCURRENCY: '2' }],
  ])(
    'exits 1 at start, before listening, with one line naming the model and why (%s)',
    async (_case, env) => {
      const { child, out } = start(env);

      const [code] = (await once(child, 'exit')) as [number | null];

      expect(code).toBe(1);
      expect(out.stderr).toMatch(ONE_LINE);
      expect(out.stdout).not.toContain('listening');
      expect(out.stdout + out.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );

  it('serves the other models with ALLOW_PARTIAL_MODELS=true, and /health names the broken one', async () => {
    const { child, out } = start({ ALLOW_PARTIAL_MODELS: 'true' });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out.stdout);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out.stderr}`)));
      });

      const one = await fetch(`http://127.0.0.1:${port}/predict/duration`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(COURSE_RIDE),
      });
      const all = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(COURSE_RIDE),
      });
      const health = await fetch(`http://127.0.0.1:${port}/health`);

      expect(one.status).toBe(200);
      expect(all.status).toBe(503);
      expect(await all.json()).toMatchObject({ code: 'MODEL_UNAVAILABLE', model: 'cost' });
      expect(health.status).toBe(503);
      expect(((await health.json()) as { models: unknown[] }).models).toContainEqual(
        expect.objectContaining({ name: 'cost', state: 'failed', code: 'MODEL_NOT_FOUND' }),
      );
      // The load failure is logged once, as a line naming the model (no stack trace).
      const failures = (out.stdout + out.stderr).split('\n').filter((line) => line.includes('model cannot be loaded'));
      expect(failures).toHaveLength(1);
      expect(JSON.parse(failures[0] as string)).toMatchObject({ level: 'ERROR', model: 'cost', code: 'MODEL_NOT_FOUND', permanent: true });
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);

  it('looks again at a model whose MLmodel nests 200,000 levels deep at most once per back-off, however often /health asks, and says why', async () => {
    const model = mkdtempSync(join(tmpdir(), 'deep-mlmodel-'));
    writeFileSync(join(model, 'MLmodel'), `run_id: r\nflavors:\n  onnx:\n    data: model.onnx\nsignature: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`);
    writeFileSync(join(model, 'model.onnx'), readFileSync(DEFAULT_MODEL_PATH));
    const { child, out } = start({ ALLOW_PARTIAL_MODELS: 'true', MODELS: `duration=${DEFAULT_MODEL_PATH},cost=${model}` });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', () => {
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out.stdout);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out.stderr}`)));
      });

      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await fetch(`http://127.0.0.1:${port}/health`));

      expect(answers.map((answer) => answer.status)).toEqual([503, 503, 503, 503, 503]);
      const cost = ((await answers[4]?.json()) as { models: { name: string; code?: string; reason?: string }[] }).models.find((m) => m.name === 'cost');
      expect(cost).toMatchObject({ code: 'INVALID_MODEL', reason: expect.stringMatching(/MLmodel nests deeper than 32 levels/) });
      const failures = (out.stdout + out.stderr).split('\n').filter((line) => line.includes('model cannot be loaded'));
      expect(failures).toHaveLength(1);
      expect(JSON.parse(failures[0] as string)).toMatchObject({ model: 'cost', code: 'INVALID_MODEL', permanent: true, retryInSeconds: 60 });
    } finally {
      child.kill('SIGTERM');
      rmSync(model, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('npm start with a model whose examples were edited to be wrong', () => {
  const dir = scratchDirectory();
  afterAll(() => dir.remove());

  it('exits 1 at start with one line naming the model, its version and the worst example', async () => {
    const sidecar = JSON.parse(readFileSync(DEFAULT_MODEL_PATH.replace(/\.onnx$/, '.json'), 'utf8')) as { examples: { output: number }[] };
    (sidecar.examples[4] as { output: number }).output = 10;
    copyFileSync(DEFAULT_MODEL_PATH, join(dir.path, 'model.onnx'));
    writeFileSync(join(dir.path, 'model.json'), JSON.stringify(sidecar));
    const { child, out } = start({ MODELS: `duration=${join(dir.path, 'model.onnx')}` });

    const [code] = (await once(child, 'exit')) as [number | null];

    expect(code).toBe(1);
    expect(out.stderr).toMatch(
      /^npm start: model 'duration' cannot be loaded \(INVALID_MODEL\): model 'duration' version 54c7ff65d8e2 does not reproduce its examples \(1 of 6 differ\); the worst: example 4 \{"PULocationID":53,"DOLocationID":126,"trip_distance":9\.34\} expects 10, got 41\.04\d* \(relative error 3\.10 > 0\.0001\)\. Fix it, or set ALLOW_PARTIAL_MODELS=true to serve the other models\.\n$/,
    );
    expect(out.stdout).not.toContain('listening');
  }, 60_000);
});
