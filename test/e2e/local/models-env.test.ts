import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { passengerModel } from '../../support/onnx-models';
import { scratchDirectory } from '../../support/trip-fixtures';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = join(__dirname, '..', '..', '..');
const dir = scratchDirectory();

let child: ChildProcess;
let base = '';

/**
 * `npm start` with `MODELS` naming the shipped duration model and a model needing an int64
 * `passenger_count` the course's request lacks (fare = 2 · trip_distance + 3 · passenger_count):
 * the env is parsed, both load, and the real server validates each model's own fields.
 */
beforeAll(async () => {
  const fare = join(dir.path, 'fare.onnx');
  writeFileSync(fare, passengerModel());
  child = spawn(process.execPath, [LAUNCHER, 'server'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      PORT: '0',
      MODELS: `duration=models/model.onnx,fare=${fare}`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) done(Number(match[1]));
    });
    child.once('exit', (code) => fail(new Error(`npm start exited with ${code}: ${output}`)));
  });
  base = `http://127.0.0.1:${port}`;
}, 60_000);

afterAll(() => {
  child.kill('SIGTERM');
  dir.remove();
});

async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const ride = { PULocationID: 10, DOLocationID: 50, trip_distance: 4 };

describe('npm start with MODELS=duration=…,fare=<a model needing passenger_count>', () => {
  it('lists both models in /health', async () => {
    const health = (await (await fetch(`${base}/health`)).json()) as { models: { name: string; state: string }[] };

    expect(health.models.map((m) => [m.name, m.state])).toEqual([
      ['duration', 'loaded'],
      ['fare', 'loaded'],
    ]);
  });

  it('answers 400 naming passenger_count on /predict and /predict/fare when it is missing or fractional', async () => {
    for (const [path, body] of [
      ['/predict', ride],
      ['/predict/fare', ride],
      ['/predict', { ...ride, passenger_count: 1.5 }],
      [
        '/predict/fare',
        [
          { ...ride, passenger_count: 1 },
          { ...ride, passenger_count: 1.5 },
        ],
      ],
    ] as const) {
      const reply = await post(path, body);

      expect(reply.status).toBe(400);
      expect(String(reply.body.field)).toMatch(/^(\[1\]\.)?passenger_count$/);
    }
  });

  it('answers 14 for 4 miles and 2 passengers, next to the duration model', async () => {
    const all = await post('/predict', { ...ride, passenger_count: 2 });
    const one = await post('/predict/fare', { trip_distance: 4, passenger_count: 2 });
    const duration = await post('/predict/duration', ride);

    expect(all.status).toBe(200);
    expect(all.body.fare).toBe(14);
    expect(all.body.duration).toBe(duration.body.duration);
    expect(one.body.fare).toBe(14);
  });
});
