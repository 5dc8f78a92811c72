import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CaptureRecord } from '../../../lambda/observability/capture';
import { rideNumber } from '../../support/events';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = resolve(__dirname, '..', '..', '..');

/** `npm start`'s entry with the given environment; resolves once it listens, with its port. */
async function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; lines: string[] }> {
  const child = spawn(process.execPath, [LAUNCHER, 'server'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', POWERTOOLS_LOG_LEVEL: 'INFO', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const port = await new Promise<number>((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const parsed = JSON.parse(line) as { message?: string; port?: number };
        if (parsed.message?.startsWith('listening on') && parsed.port) done(parsed.port);
      }
    });
    child.once('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  return { child, port, lines };
}

/** Every capture record under `dir` so far, in file-name (time) order. */
function capturedRecords(dir: string): CaptureRecord[] {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.jsonl')).sort();
  return files.flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CaptureRecord),
  );
}

/** Polls until `count` records are on disk (the sink flushes every CAPTURE_FLUSH_INTERVAL_MS). */
async function waitForRecords(dir: string, count: number, withinMs: number): Promise<CaptureRecord[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const records = capturedRecords(dir);
    if (records.length >= count || Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('capture through the local web server (npm start)', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capture-server-'));
    server = await startServer({ CAPTURE_LOCATION: dir, CAPTURE_FLUSH_INTERVAL_MS: '500' });
  });
  afterAll(async () => {
    server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown) =>
    fetch(`http://127.0.0.1:${server.port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('puts one record per prediction on disk within a few seconds of the replies, with the inputs, outputs and versions', async () => {
    const started = new Date();
    const singles = Array.from({ length: 20 }, (_, i) => rideNumber(i));
    const array = [rideNumber(100), rideNumber(101), rideNumber(102)];
    const replies: Array<{ ride: ReturnType<typeof rideNumber>; reply: Record<string, unknown> }> = [];
    for (const ride of singles) replies.push({ ride, reply: (await (await post(ride)).json()) as Record<string, unknown> });
    const arrayReply = (await (await post(array)).json()) as Array<Record<string, unknown>>;
    array.forEach((ride, i) => replies.push({ ride, reply: arrayReply[i] as Record<string, unknown> }));

    const records = await waitForRecords(dir, 23, 5000);

    expect(records).toHaveLength(23);
    expect(new Set(records.map((r) => `${r.id}`)).size).toBe(23);
    for (const record of records) {
      expect(record.source).toBe('http');
      expect(Date.parse(record.time)).toBeGreaterThanOrEqual(started.getTime());
      const match = replies.find(({ ride }) => ride.PULocationID === record.inputs.PULocationID && ride.trip_distance === record.inputs.trip_distance);
      expect(match).toBeDefined();
      expect(record.inputs).toMatchObject(match?.ride ?? {});
      expect(record.outputs.duration?.output).toBe(match?.reply.duration);
      expect(record.outputs.duration?.version).toBe(match?.reply.model_version);
    }
  });

  it('writes what it still holds when the server is stopped', async () => {
    const before = capturedRecords(dir).length;
    await post(rideNumber(7));
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');

    expect(capturedRecords(dir)).toHaveLength(before + 1);
  });
});
