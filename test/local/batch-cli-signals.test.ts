import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { scratchDirectory } from '../support/trip-fixtures';
import { LAUNCHER } from '../support/local-programs';

const dir = scratchDirectory();
afterAll(() => dir.remove());

/** Polls until `check` holds (a file appears), at most ~20 s. */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('an interrupted npm run batch', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('removes its staging file and exits %s with %i', async (signal, expectedCode) => {
    // The input is a FIFO we keep open: the run stays mid-file, its staging file written, until the signal.
    const input = join(dir.path, `green_tripdata_2021-02.${signal}.csv`);
    execFileSync('mkfifo', [input]);
    const outDir = join(dir.path, `out-${signal}`);
    const child = spawn(process.execPath, [LAUNCHER, 'batch', input, join(outDir, 'scored.csv')], { cwd: resolve(__dirname, '..', '..'), env: { ...process.env, MODEL_LOCATION: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const writer = createWriteStream(input);
    writer.write('lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n2021-02-01 10:00:00,2021-02-01 10:10:00,4,5,1.0\n');
    await until(() => existsSync(outDir) && readdirSync(outDir).some((name) => name.endsWith('.partial')));
    const staged = readdirSync(outDir);

    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    child.kill(signal);
    // The CLI's read of the FIFO blocks a thread until the writer goes; close it once the handler ran.
    await until(() => stderr.includes('batch interrupted'));
    writer.destroy();
    const code = await exited;

    expect(staged).toEqual([expect.stringMatching(/^\.scored\.csv\.[0-9a-f-]{36}\.partial$/)]);
    expect(code).toBe(expectedCode);
    expect(stderr).toContain(`batch interrupted by ${signal}; removed the unfinished output`);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
