import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { stagingFileName } from '../../../lambda/protocols/batch/output/staging-names';
import { createRandom } from '../../../lambda/local/synthetic';
import { scratchDirectory } from '../../support/trip-fixtures';

/**
 * A user stops `npm run batch` the way a terminal's Ctrl-C, `kill -- -<pgid>` or a container
 * stop does: the whole process group gets the signal. Started exactly as the README starts it,
 * the real CLI is stopped at seeded moments spread from 0.1 s to past the end of a run (before
 * the first byte, mid-chunk, during the final rename), with SIGINT, SIGTERM and SIGHUP. After
 * each stop: no staging file at the destination, the input's bytes unchanged, the complete
 * output of an earlier run untouched unless this run finished (then replaced whole by the same
 * bytes), every other file there untouched, and the exit status says interrupted or success.
 */
const ROOT = resolve(__dirname, '..', '..', '..');
const ROWS = 250_000;
const KILLS = 54;
/** Runs stopped side by side, each at its own destination (the machine has 2 cores). */
const LANES = 3;
const SEED = 26;
const FIRST_MOMENT_MS = 100;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type StopSignal = (typeof SIGNALS)[number];

const dir = scratchDirectory();
afterAll(() => dir.remove());
const input = join(dir.path, 'green_tripdata_2021-02.parquet');
const OUTPUT_NAME = 'scored.parquet';

interface Run {
  exit: { code: number | null; signal: NodeJS.Signals | null };
  /** the destination's entries when npm returned (the user's prompt, a container's end) */
  atNpmExit: string[];
  stderr: string;
  /** a staging file of this run was at the destination just before the signal */
  stagingBeforeSignal: boolean;
  /** when the signal was sent, ms after npm was started; undefined: the run ended first */
  signalledAt?: number;
  ms: number;
}

/** The shipped models, no capture. */
function cliEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, MODEL_LOCATION: '', MODEL_VERSION: '', RUN_ID: '', CAPTURE_LOCATION: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** When to stop a run: `atMs` after its start, or as soon as its staging file exists. */
type StopAt = { signal: NodeJS.Signals; atMs: number } | { signal: NodeJS.Signals; onceStaged: true };

/**
 * `npm run batch -- <input> <destination>/scored.parquet`, as its own process group, maybe
 * stopped by a signal to the whole group. Resolves once every process of the group has closed
 * its end of the output pipes, i.e. has ended.
 */
function runBatch(destination: string, stop?: StopAt): Promise<Run> {
  const atStart = new Set(readdirSync(destination));
  const isNewStagingFile = (name: string) => name.startsWith(`.${OUTPUT_NAME}.`) && !atStart.has(name);
  const started = performance.now();
  const npm = spawn('npm', ['run', 'batch', '--', input, join(destination, OUTPUT_NAME)], {
    cwd: ROOT,
    env: cliEnvironment(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  npm.stdout.resume();
  npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const run: Omit<Run, 'exit' | 'ms' | 'stderr'> = { atNpmExit: [], stagingBeforeSignal: false };
  let exited = false;
  const signal = () => {
    if (exited || npm.pid === undefined || stop === undefined) return;
    run.stagingBeforeSignal = readdirSync(destination).some(isNewStagingFile);
    try {
      process.kill(-npm.pid, stop.signal);
      run.signalledAt = performance.now() - started;
    } catch (error) {
      // ESRCH: the whole group ended a moment ago; the run finished before its signal.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  if (stop !== undefined && 'atMs' in stop) timer = setTimeout(signal, stop.atMs);
  else if (stop !== undefined) {
    timer = setInterval(() => {
      if (!readdirSync(destination).some(isNewStagingFile)) return;
      clearInterval(timer);
      signal();
    }, 20);
  }
  npm.once('exit', () => {
    exited = true;
    clearInterval(timer);
    run.atNpmExit = readdirSync(destination);
  });
  return new Promise((done) =>
    npm.once('close', (code, signalName) => done({ ...run, exit: { code, signal: signalName }, stderr, ms: performance.now() - started })),
  );
}

/**
 * Files at a destination that are none of a new run's business: the user's, another output's
 * staging file, this output's staging file of a run still going (this process), and names
 * that only look like staging files.
 */
function addOthersFiles(destination: string): void {
  const others: Record<string, string> = {
    'notes.txt': 'kept by the user',
    [stagingFileName('other.parquet')]: 'someone else is writing this',
    [stagingFileName(OUTPUT_NAME)]: 'a live run is writing this',
    [`.${OUTPUT_NAME}.${randomUUID()}.partial`]: 'not a name this project makes any more',
    [`.${OUTPUT_NAME}.backup.partial`]: 'the user named this',
  };
  for (const [name, text] of Object.entries(others)) writeFileSync(join(destination, name), text);
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

interface FileState {
  hash: string;
  ino: number;
  mtimeMs: number;
}
type Snapshot = Map<string, FileState>;

/** Each file's content hash, inode and modification time, so both a rewrite and a replacement show. */
function snapshot(destination: string): Snapshot {
  return new Map(
    readdirSync(destination).map((name) => {
      const { ino, mtimeMs } = statSync(join(destination, name));
      return [name, { hash: sha256(join(destination, name)), ino, mtimeMs }];
    }),
  );
}

async function parquetRowCount(path: string): Promise<number> {
  const { parquetMetadata } = await import('hyparquet');
  const bytes = readFileSync(path);
  return Number(parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).num_rows);
}

/**
 * The moments and signals of the sweep: one moment in each of KILLS equal slices of
 * [0.1 s, 1.3 × a run's length] (seeded jitter within the slice), the signals in a seeded
 * order, SIGHUP a fifth of the time.
 */
function sweep(runMs: number): { atMs: number; signal: StopSignal }[] {
  const random = createRandom(SEED);
  const span = 1.3 * runMs - FIRST_MOMENT_MS;
  const moments = Array.from({ length: KILLS }, (_, k) => Math.round(FIRST_MOMENT_MS + ((k + random()) * span) / KILLS));
  const signalOf = (): StopSignal => (random() < 0.2 ? 'SIGHUP' : random() < 0.5 ? 'SIGINT' : 'SIGTERM');
  // Shuffled, so that lanes running side by side stop runs at different stages.
  return moments.map((atMs) => ({ atMs, signal: signalOf(), order: random() })).sort((a, b) => a.order - b.order);
}

interface Stop {
  stop: { atMs: number; signal: StopSignal };
  run: Run;
  before: Snapshot;
  after: Snapshot;
  inputHash: string;
}

const INTERRUPTED_LINE = new RegExp(`^batch interrupted by (${SIGNALS.join('|')})(; removed the unfinished output)?$`);

/** stderr without npm's own warnings about the project's .npmrc */
const ownLines = (stderr: string) => stderr.split('\n').filter((line) => line !== '' && !line.startsWith('npm warn'));

/** Names at the destination that were not there before this run. */
const newNames = (before: Snapshot, names: Iterable<string>) => [...names].filter((name) => !before.has(name));

const sameFile = (a: FileState, b: FileState | undefined) => b !== undefined && a.hash === b.hash && a.ino === b.ino && a.mtimeMs === b.mtimeMs;

/** Every way one stop broke a promise, in words; none when it kept them all. */
function problemsOf({ stop, run, before, after, inputHash: inputHashAfter }: Stop, expected: { inputHash: string; outputHash: string }): string[] {
  const problems: string[] = [];
  const finished = run.exit.code === 0;
  const interrupted = run.exit.signal === stop.signal || run.exit.code === 128 + constants.signals[stop.signal];
  if (!finished && !interrupted) problems.push(`exit status ${JSON.stringify(run.exit)}: neither success nor interrupted`);
  const lines = ownLines(run.stderr);
  if (finished ? lines.length > 0 : lines.length > 1 || lines.some((line) => !INTERRUPTED_LINE.test(line) || !line.includes(stop.signal)))
    problems.push(`stderr ${JSON.stringify(lines)}`);
  const left = newNames(before, after.keys());
  if (left.length > 0) problems.push(`left ${left.join(', ')}`);
  // SIGHUP: npm does not wait for its script, so only the end of the whole group counts.
  const leftWhenNpmReturned = stop.signal === 'SIGHUP' ? [] : newNames(before, run.atNpmExit);
  if (leftWhenNpmReturned.length > 0) problems.push(`npm returned while ${leftWhenNpmReturned.join(', ')} existed`);
  for (const [name, was] of before) {
    const now = after.get(name);
    if (now === undefined) problems.push(`${name} was removed`);
    else if (name !== OUTPUT_NAME) {
      if (!sameFile(was, now)) problems.push(`${name} was changed`);
    } else {
      const replacedWhole = now.hash === expected.outputHash && (now.ino !== was.ino || now.mtimeMs !== was.mtimeMs);
      if (finished ? !replacedWhole : !(sameFile(was, now) || replacedWhole))
        problems.push(`the earlier output is ${finished ? 'not replaced whole' : 'neither as it was nor replaced whole'}`);
    }
  }
  if (inputHashAfter !== expected.inputHash) problems.push('the input changed');
  return problems.map((problem) => `${stop.signal} at ${stop.atMs} ms (exit ${JSON.stringify(run.exit)}): ${problem}`);
}

let inputHash: string;
beforeAll(async () => {
  // One generated month for every run. Generated by the CLI: its first start also builds the
  // bundle, before runs start side by side (in jest, the generator runs eight times slower).
  const generate = spawn(
    'npm',
    ['run', 'batch', '--', 'generate', 'green', '2021-02', String(ROWS), input, '--seed', String(SEED), '--codec', 'UNCOMPRESSED'],
    { cwd: ROOT, env: cliEnvironment(), stdio: 'ignore' },
  );
  const [code] = (await once(generate, 'close')) as [number | null];
  expect(code).toBe(0);
  inputHash = sha256(input);
}, 120_000);

describe('a batch job stopped as a process group', () => {
  it(`leaves no staging file, whichever of SIGINT, SIGTERM and SIGHUP arrives at whichever moment (${KILLS} stops)`, async () => {
    // Arrange: at each destination, others' files and an earlier run's complete output. The
    // earlier runs run side by side, as the sweep does, so that their length is the sweep's.
    const lanes = Array.from({ length: LANES }, (_, lane) => join(dir.path, `lane-${lane}`));
    for (const lane of lanes) {
      mkdirSync(lane);
      addOthersFiles(lane);
    }
    const earlier = await Promise.all(lanes.map((lane) => runBatch(lane)));
    expect(earlier.map((run) => run.exit)).toEqual(lanes.map(() => ({ code: 0, signal: null })));
    const outputHash = sha256(join(lanes[0] as string, OUTPUT_NAME));
    for (const lane of lanes) expect(sha256(join(lane, OUTPUT_NAME))).toBe(outputHash);
    const outputRows = await parquetRowCount(join(lanes[0] as string, OUTPUT_NAME));
    expect(outputRows).toBeGreaterThan(0);
    const runMs = Math.max(...earlier.map((run) => run.ms));
    const plan = sweep(runMs);

    // Act: each lane takes the next stop from the plan until none is left.
    const results: Stop[] = [];
    let next = 0;
    await Promise.all(
      lanes.map(async (lane) => {
        for (let stop = plan[next++]; stop !== undefined; stop = plan[next++]) {
          const before = snapshot(lane);
          const run = await runBatch(lane, stop);
          results.push({ stop, run, before, after: snapshot(lane), inputHash: sha256(input) });
        }
      }),
    );

    // Assert: the sweep's figures first (printed also when it fails), then every stop's promises.
    const problems = results.flatMap((result) => problemsOf(result, { inputHash, outputHash }));
    const leftovers = results.filter(({ before, after }) => newNames(before, after.keys()).length > 0).length;
    const returnedEarly = results.filter(({ stop, before, run }) => stop.signal !== 'SIGHUP' && newNames(before, run.atNpmExit).length > 0).length;
    const withStaging = results.filter(({ run }) => run.stagingBeforeSignal).length;
    const finished = results.filter(({ run }) => run.exit.code === 0).length;
    const sent = results.map(({ run }) => run.signalledAt).filter((at): at is number => at !== undefined);
    const count = (signal: StopSignal) => results.filter(({ stop }) => stop.signal === signal).length;
    console.log(
      [
        `${results.length} stops of \`npm run batch\` as a process group (${ROWS.toLocaleString('en-US')} rows, ${outputRows.toLocaleString('en-US')} scored; an uninterrupted run took ${(runMs / 1000).toFixed(1)} s, ${LANES} side by side):`,
        `  SIGINT ${count('SIGINT')}, SIGTERM ${count('SIGTERM')}, SIGHUP ${count('SIGHUP')}; sent from ${(Math.min(...sent) / 1000).toFixed(2)} s to ${(Math.max(...sent) / 1000).toFixed(2)} s after the start (${results.length - sent.length} ended before theirs)`,
        `  ${withStaging} found a staging file at the destination, ${results.length - finished} ended interrupted, ${finished} finished;`,
        `  ${leftovers} left a staging file; ${returnedEarly} times npm returned (SIGINT/SIGTERM) while one existed`,
        ...problems.slice(0, 20).map((problem) => `  ${problem}`),
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(results).toHaveLength(KILLS);
    // The sweep did reach runs with a staging file, the case the issue is about.
    expect(withStaging).toBeGreaterThanOrEqual(KILLS / 4);
  }, 300_000);

  it('has the next run at that destination remove the staging file a SIGKILLed run left, saying so in one line, and nothing else', async () => {
    const destination = join(dir.path, 'after-sigkill');
    mkdirSync(destination);
    addOthersFiles(destination);
    const others = snapshot(destination);
    // SIGKILL: nothing in the process can clean up.
    const killed = await runBatch(destination, { signal: 'SIGKILL', onceStaged: true });
    const [left, ...more] = newNames(others, readdirSync(destination));

    const next = await runBatch(destination);

    expect(killed).toMatchObject({ exit: { signal: 'SIGKILL' }, stagingBeforeSignal: true });
    expect(more).toEqual([]);
    expect(next.exit).toEqual({ code: 0, signal: null });
    expect(ownLines(next.stderr)).toEqual([`removed 1 staging file a stopped run left: ${join(destination, left as string)}`]);
    expect(readdirSync(destination).sort()).toEqual([...others.keys(), OUTPUT_NAME].sort());
    for (const [name, was] of others) expect(snapshot(destination).get(name)).toEqual(was);
    expect(sha256(input)).toBe(inputHash);
  }, 120_000);
});
