import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { classifyTrip } from '../../../lambda/rides/trips';
import { runBatchCli } from '../../../lambda/local/batch-cli';
import { DEFAULT_MODEL_PATH } from '../../support/fixtures';
import { createRuntime, type Runtime } from '../../../lambda/services';
import { loadConfig } from '../../../lambda/config';
import { recordingLogger } from '../../support/recorders';
import { readParquet, writeFixture } from '../../support/trip-fixtures';

/**
 * Property: whatever trip file (valid, with mutated cells, truncated, in another encoding, CSV
 * or parquet) and whatever output path (new, existing, an alias of the input, a special file,
 * under a file, a name near the file-system limit), one in-process run of `npm run batch`
 * either writes a correct output and exits 0, or prints `batch failed [CODE]: …` and exits 1;
 * the input's bytes and every other existing file are unchanged; no staging file is left.
 */
const RUNS = 400;

interface Row {
  pickupSecond: number;
  durationSeconds: number;
  pu: number | null;
  do: number | null;
  distance: number | null;
}

const row: fc.Arbitrary<Row> = fc.record({
  pickupSecond: fc.integer({ min: 0, max: 27 * 86_400 }),
  durationSeconds: fc.integer({ min: -300, max: 5_400 }),
  pu: fc.option(fc.integer({ min: 1, max: 265 }), { freq: 15 }),
  do: fc.option(fc.integer({ min: 1, max: 265 }), { freq: 15 }),
  distance: fc.option(
    fc.integer({ min: 0, max: 4_000 }).map((d) => d / 100),
    { freq: 15 },
  ),
});

/** Cells a careless or hostile file holds where a number or a time belongs. */
const badCell = fc.constantFrom(
  '0x10',
  '0x0A',
  '0b11',
  '2021-02-30 10:00:00',
  '2021-02-01 24:00:00',
  '9999-12-31 23:59:60',
  '+275760-01-01 00:00:00',
  'abc',
  '1e400',
  'Infinity',
  '1_0',
  '१२',
  '"12"',
  ' 7 ',
  '-0',
  '',
);

const encoding = fc.constantFrom('utf8', 'utf8-bom', 'crlf', 'utf16le', 'stray-bytes');

const OUTPUT_KINDS = [
  'new',
  'existing',
  'dot-alias',
  'dotdot-alias',
  'relative-alias',
  'symlink',
  'hardlink',
  'fifo',
  'socket',
  'device',
  'directory',
  'under-a-file',
  'long-name',
] as const;
type OutputKind = (typeof OUTPUT_KINDS)[number];

const testCase = fc.record({
  rows: fc.array(row, { minLength: 0, maxLength: 60 }),
  format: fc.constantFrom('csv', 'parquet'),
  outputFormat: fc.constantFrom('csv', 'parquet'),
  mutations: fc.oneof(
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), badCell), { minLength: 1, maxLength: 4 }) },
  ),
  encoding: fc.oneof({ weight: 3, arbitrary: fc.constant('utf8') }, { weight: 2, arbitrary: encoding }),
  truncateAt: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 100 }).map((n) => n / 100) }),
  // writable destinations more often, so that enough runs get as far as writing
  output: fc.oneof(
    { weight: 12, arbitrary: fc.constantFrom<OutputKind>('new', 'existing', 'long-name') },
    { weight: 8, arbitrary: fc.constantFrom(...OUTPUT_KINDS) },
  ),
});
type Case = typeof testCase extends fc.Arbitrary<infer T> ? T : never;

const T0 = Date.UTC(2021, 1, 1);
const two = (n: number) => String(n).padStart(2, '0');
function timeText(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function cellsOf(r: Row): string[] {
  const pickup = T0 + r.pickupSecond * 1000;
  return [timeText(pickup), timeText(pickup + r.durationSeconds * 1000), String(r.pu ?? ''), String(r.do ?? ''), String(r.distance ?? '')];
}

function csvBytes(c: Case): Buffer {
  const lines = c.rows.map(cellsOf);
  for (const [at, column, cell] of c.mutations) if (lines.length > 0) (lines[at % lines.length] as string[])[column] = cell;
  const newline = c.encoding === 'crlf' ? '\r\n' : '\n';
  const text = ['lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance', ...lines.map((l) => l.join(','))].join(newline) + newline;
  if (c.encoding === 'utf16le') return Buffer.from(`\uFEFF${text}`, 'utf16le');
  if (c.encoding === 'utf8-bom') return Buffer.from(`\uFEFF${text}`);
  if (c.encoding === 'stray-bytes')
    return Buffer.concat([Buffer.from(text.slice(0, text.length >> 1)), Buffer.from([0xff, 0xfe, 0x00]), Buffer.from(text.slice(text.length >> 1))]);
  return Buffer.from(text);
}

/** Is the file exactly its generated rows, so the run's counts can be predicted? */
function isPristine(c: Case): boolean {
  return (
    c.mutations.length === 0 && c.truncateAt === null && (c.format === 'parquet' || c.encoding === 'utf8' || c.encoding === 'utf8-bom' || c.encoding === 'crlf')
  );
}

function expectedKept(rows: readonly Row[]): number {
  return rows.filter((r) => {
    const pickup = new Date(T0 + r.pickupSecond * 1000);
    return (
      classifyTrip({
        pickup,
        dropoff: new Date(pickup.getTime() + r.durationSeconds * 1000),
        PULocationID: r.pu,
        DOLocationID: r.do,
        trip_distance: r.distance,
      }).kind === 'kept'
    );
  }).length;
}

/** Every file under `root` (and the special files we made) with a fingerprint of its bytes or kind. */
function snapshot(...roots: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of roots.flatMap((root) => readdirSync(root, { recursive: true, withFileTypes: true }))) {
    const path = join(entry.parentPath, entry.name);
    const info = lstatSync(path);
    if (info.isDirectory()) continue;
    files.set(path, info.isFile() ? `file ${info.ino} ${createHash('sha256').update(readFileSync(path)).digest('hex')}` : `special ${info.mode} ${info.ino}`);
  }
  return files;
}

describe('npm run batch under generated trip files and output paths', () => {
  let scratch: string;
  let services: Runtime;
  let socket: Server;
  let fifo: string;
  let socketPath: string;
  const codes = new Map<string, number>();
  let succeeded = 0;
  let outputsChecked = 0;

  beforeAll(async () => {
    // One process's services for every run, as a long-lived process would have them.
    services = createRuntime(loadConfig({ MODELS: `duration=${DEFAULT_MODEL_PATH}`, MODEL_VERSION: 'fuzz-model' }), { logger: recordingLogger() as never });
    await services.models.get();
    scratch = mkdtempSync(join(tmpdir(), 'batch-fuzz-'));
    mkdirSync(join(scratch, 'special'));
    fifo = join(scratch, 'special', 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    socketPath = join(scratch, 'special', 'out.sock');
    socket = createServer();
    await new Promise<void>((resolve) => socket.listen(socketPath, resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    rmSync(scratch, { recursive: true, force: true });
  });

  async function prepare(c: Case, run: number): Promise<{ dir: string; input: string; output: string; mustRefuse: boolean }> {
    const dir = join(scratch, `run-${run}`);
    mkdirSync(dir);
    const input = join(dir, `green_tripdata_2021-02.${c.format}`);
    if (c.format === 'csv') writeFileSync(input, csvBytes(c));
    else {
      await writeFixture(
        input,
        c.rows.map((r) => ({
          pickup: new Date(T0 + r.pickupSecond * 1000),
          dropoff: new Date(T0 + (r.pickupSecond + r.durationSeconds) * 1000),
          PULocationID: r.pu,
          DOLocationID: r.do,
          trip_distance: r.distance,
        })),
        { rowGroupSize: 25 },
      );
      if (c.mutations.length > 0) {
        // flip bytes inside the file: a corrupt page, header or footer
        const bytes = readFileSync(input);
        for (const [at] of c.mutations) bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ 0x5a;
        writeFileSync(input, bytes);
      }
    }
    if (c.truncateAt !== null) truncateSync(input, Math.floor(statSync(input).size * c.truncateAt));
    const ext = c.outputFormat;
    const fresh = join(dir, 'out', 'deeper', `scored.${ext}`);
    switch (c.output) {
      case 'new':
        return { dir, input, output: fresh, mustRefuse: false };
      case 'existing': {
        const output = join(dir, `scored.${ext}`);
        writeFileSync(output, 'the previous run');
        return { dir, input, output, mustRefuse: false };
      }
      case 'long-name':
        // 250 bytes: fits the 255-byte limit, while `.<name>.<uuid>.partial` would not
        return { dir, input, output: join(dir, `${'n'.repeat(250 - ext.length - 1)}.${ext}`), mustRefuse: false };
      case 'dot-alias':
        return { dir, input, output: join(dir, '.', '.', `green_tripdata_2021-02.${c.format}`).replace(dir, `${dir}/.`), mustRefuse: true };
      case 'dotdot-alias':
        mkdirSync(join(dir, 'sub'));
        return { dir, input, output: `${dir}/sub/../green_tripdata_2021-02.${c.format}`, mustRefuse: true };
      case 'relative-alias':
        return { dir, input, output: relative(process.cwd(), input), mustRefuse: true };
      case 'symlink': {
        const output = join(dir, `link.${ext}`);
        symlinkSync(input, output);
        return { dir, input, output, mustRefuse: true };
      }
      case 'hardlink': {
        const output = join(dir, `hard.${ext}`);
        linkSync(input, output);
        return { dir, input, output, mustRefuse: true };
      }
      case 'fifo':
        return { dir, input, output: fifo, mustRefuse: true };
      case 'socket':
        return { dir, input, output: socketPath, mustRefuse: true };
      case 'device':
        return { dir, input, output: '/dev/null', mustRefuse: true };
      case 'directory':
        mkdirSync(join(dir, `a-directory.${ext}`));
        return { dir, input, output: join(dir, `a-directory.${ext}`), mustRefuse: true };
      case 'under-a-file':
        writeFileSync(join(dir, 'plain-file'), 'not a directory');
        return { dir, input, output: join(dir, 'plain-file', `scored.${ext}`), mustRefuse: true };
    }
    throw new Error(`unknown output kind ${String(c.output satisfies never)}`);
  }

  it(`writes a correct output or fails with a coded error, changing nothing else, over ${RUNS} generated runs`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(testCase, async (c) => {
        const { dir, input, output, mustRefuse } = await prepare(c, ++run);
        const before = snapshot(dir, join(scratch, 'special'));
        const devNull = statSync('/dev/null');
        const stdout: string[] = [];
        const stderr: string[] = [];

        const exit = await runBatchCli([input, output, '--json'], {
          env: { BATCH_CHUNK_ROWS: '16' },
          stdout: { write: (text: string) => stdout.push(text) > 0 },
          stderr: { write: (text: string) => stderr.push(text) > 0 },
          services,
        });

        const after = snapshot(dir, join(scratch, 'special'));
        const outputPath = output.startsWith('/') ? output : join(process.cwd(), output);
        // the input and every file that existed are unchanged, except a replaced regular output
        for (const [path, print] of before) if (path !== outputPath || exit !== 0) expect([path, after.get(path)]).toEqual([path, print]);
        // nothing new but the output itself: no staging file anywhere
        const created = [...after.keys()].filter((path) => !before.has(path));
        expect(created).toEqual(exit === 0 && !before.has(outputPath) ? [outputPath] : []);
        expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
        expect(statSync('/dev/null').rdev).toBe(devNull.rdev);
        if (exit !== 0) {
          expect(stderr.join('')).toMatch(/^batch failed \[(INVALID_TRIP_FILE|TRIP_FILE_NOT_FOUND|INVALID_BATCH_JOB|BATCH_OUTPUT_FAILED)\]: \S/);
          const code = /\[(\w+)\]/.exec(stderr.join(''))?.[1] as string;
          codes.set(code, (codes.get(code) ?? 0) + 1);
          if (mustRefuse && isPristine(c)) expect(code).toMatch(/^(INVALID_BATCH_JOB|BATCH_OUTPUT_FAILED)$/);
          expect(isPristine(c) && !mustRefuse).toBe(false);
          return;
        }
        succeeded++;
        expect(mustRefuse).toBe(false);
        const summary = JSON.parse(stdout.join('')) as { rows_read: number; rows_kept: number; rows_scored: number; rows_skipped: Record<string, number> };
        expect(summary.rows_read).toBe(summary.rows_kept + Object.values(summary.rows_skipped).reduce((a, b) => a + b, 0));
        expect(summary.rows_scored).toBe(summary.rows_kept);
        if (isPristine(c)) expect(summary).toMatchObject({ rows_read: c.rows.length, rows_kept: expectedKept(c.rows) });
        const predictions =
          c.outputFormat === 'csv'
            ? readFileSync(outputPath, 'utf8')
                .trim()
                .split('\n')
                .slice(1)
                .map((line) => Number(line.split(',')[5]))
            : (await readParquet(outputPath)).rows.map((r) => r.predicted_duration as number);
        expect(predictions).toHaveLength(summary.rows_kept);
        for (const p of predictions) expect(Number.isFinite(p)).toBe(true);
        outputsChecked++;
      }),
      { numRuns: RUNS, seed: 1515 },
    );

    // the generated cases reached both outcomes and every kind of refusal
    expect(succeeded).toBeGreaterThan(RUNS / 5);
    expect(outputsChecked).toBe(succeeded);
    expect([...codes.keys()].sort()).toEqual(expect.arrayContaining(['BATCH_OUTPUT_FAILED', 'INVALID_BATCH_JOB', 'INVALID_TRIP_FILE']));
    process.stdout.write(`batch fuzz: ${RUNS} runs, ${succeeded} outputs written and checked, failures by code ${JSON.stringify(Object.fromEntries(codes))}\n`);
  });
});
