import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { COURSE_RIDE } from '../../support/fixtures';
import { startInFlightPost, type InFlightRequest } from '../../support/in-flight-request';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = resolve(__dirname, '..', '..', '..');

interface LogLine {
  message?: string;
  port?: number;
  model?: string;
  Predictions?: number;
  _aws?: unknown;
}

/**
 * What a container runtime does to `npm start` (and the image, which runs the same bundle):
 * SIGTERM while a request is in flight. The request is answered, and what it produced is not
 * lost on the way out: its prediction is in the metrics published at exit and in the capture
 * files (the capture timer is off, so only the shutdown writes them).
 */
/** Collects the child's JSON log lines into `lines`; `waitFor` resolves with the first that matches. */
function logLines(child: ChildProcess, lines: LogLine[]): { waitFor(match: (line: LogLine) => boolean): Promise<LogLine> } {
  const waiting: Array<{ match: (line: LogLine) => boolean; done: (line: LogLine) => void }> = [];
  let partial = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete.filter(Boolean).map((l) => JSON.parse(l) as LogLine)) {
      lines.push(line);
      for (const waiter of waiting.filter((w) => w.match(line))) waiter.done(line);
    }
  });
  return {
    waitFor: (match) =>
      new Promise((done) => {
        const seen = lines.find(match);
        if (seen) done(seen);
        else waiting.push({ match, done });
      }),
  };
}

describe('npm start stopped by SIGTERM with a request in flight', () => {
  let captureDir: string;
  let child: ChildProcess;
  const lines: LogLine[] = [];
  let inFlight: InFlightRequest;
  let exit: Promise<[number | null, NodeJS.Signals | null]>;

  beforeAll(async () => {
    captureDir = mkdtempSync(join(tmpdir(), 'graceful-stop-'));
    child = spawn(process.execPath, [LAUNCHER, 'server'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOST: '127.0.0.1',
        PORT: '0',
        CAPTURE_LOCATION: captureDir,
        CAPTURE_FLUSH_INTERVAL_MS: '0',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    exit = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const log = logLines(child, lines);
    const { port } = await log.waitFor((line) => line.message?.startsWith('listening on') === true);
    const first = await fetch(`http://127.0.0.1:${port}/predict`, {
      method: 'POST',
      body: JSON.stringify(COURSE_RIDE),
      headers: { 'content-type': 'application/json' },
    });
    await first.text();

    inFlight = await startInFlightPost(Number(port), '/predict', JSON.stringify(COURSE_RIDE));
    child.kill('SIGTERM');
    await log.waitFor((line) => line.message === 'shutting down');
  });
  afterAll(() => {
    child.kill('SIGKILL');
    rmSync(captureDir, { recursive: true, force: true });
  });

  it('answers the request that was in flight, and closes its connection', async () => {
    const answer = await inFlight.finish();

    expect(answer.status).toBe(200);
    expect(Number.isFinite((JSON.parse(answer.body) as { duration: number }).duration)).toBe(true);
    expect(answer.connection).toBe('close');
  });

  it('exits with status 0', async () => {
    expect(await exit).toEqual([0, null]);
  });

  it('publishes metrics at exit that count both predictions, the one in flight included', async () => {
    await exit;
    const predictions = lines.filter((line) => line._aws !== undefined && line.model === 'duration').reduce((sum, line) => sum + (line.Predictions ?? 0), 0);

    expect(predictions).toBe(2);
  });

  it('writes both captured predictions before it exits', async () => {
    await exit;
    const files = (readdirSync(captureDir, { recursive: true }) as string[]).filter((file) => file.endsWith('.jsonl'));
    const records = files.flatMap((file) => readFileSync(join(captureDir, file), 'utf8').split('\n').filter(Boolean));

    expect(records).toHaveLength(2);
  });
});
