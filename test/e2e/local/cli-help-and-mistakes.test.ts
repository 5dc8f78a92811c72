import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { ROOT, programEnv, runNpm, type ProgramResult } from '../../support/local-programs';

/**
 * Every command a user types, as the README shows it (`npm start`, `npm run <script>`, `npx cdk
 * synth`): `--help` prints usage and examples and exits 0; a mistake in the arguments, the
 * environment or the CDK context is one line on stderr naming what is wrong and what is allowed,
 * with a non-zero exit and no stack trace.
 */

const SCRIPTS = ['start', 'batch', 'stream', 'stream:demo', 'monitor', 'train', 'build', 'signed-request'] as const;

/** One line, no stack frame, nothing on stdout. */
function expectOneLine(result: ProgramResult): string {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect({ stdout: result.stdout, lines: lines.length }).toEqual({ stdout: '', lines: 1 });
  expect(result.stderr).not.toMatch(/^\s+at /m);
  return lines[0] as string;
}

describe('--help', () => {
  const help = new Map<string, ProgramResult>();
  beforeAll(async () => {
    // Side by side: each is a process start, and the bundles are built once before (launch.cjs's lock).
    await runNpm('batch', ['--help']);
    const results = await Promise.all(SCRIPTS.map((script) => runNpm(script, ['--help'])));
    SCRIPTS.forEach((script, i) => help.set(script, results[i] as ProgramResult));
  }, 120_000);

  it.each(SCRIPTS)('npm run %s -- --help exits 0 with its usage and examples on stdout', (script) => {
    const result = help.get(script) as ProgramResult;

    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage:$/m);
    expect(result.stdout).toMatch(/^examples:$/m);
    expect(result.stdout).toContain(script === 'start' ? 'npm start' : `npm run ${script}`);
  });
});

describe('a mistake is one line and exit 2', () => {
  const cases: Array<[string, string, string[], Record<string, string>, RegExp]> = [
    [
      'bare npm run batch',
      'batch',
      [],
      {},
      /^npm run batch: give an input and an output file, or a month with --taxi-type green\|yellow and --month YYYY-MM \(see `npm run batch -- --help`\)$/,
    ],
    ['an unknown option', 'batch', ['--colour', 'red'], {}, /^npm run batch: Unknown option '--colour'/],
    [
      'a setting outside its choices',
      'batch',
      ['--taxi-type', 'green', '--month', '2021-02'],
      { BATCH_TAXI_TYPE: 'blue' },
      /^npm run batch: invalid environment: BATCH_TAXI_TYPE: must be one of green, yellow$/,
    ],
    ['a setting that is not a number', 'start', [], { PORT: 'eighty' }, /^npm start: invalid environment: PORT: must be a number$/],
    [
      'arguments to a program configured by the environment',
      'start',
      ['--port', '8080'],
      {},
      /^npm start: takes no arguments, got '--port' '8080'; configure it with environment variables/,
    ],
    ['a setting out of range', 'stream', [], { LOCAL_KINESIS_PORT: '0' }, /^npm run stream: invalid environment: LOCAL_KINESIS_PORT: must be at least 1$/],
    ['a rate above 1', 'stream:demo', [], { CAPTURE_SAMPLE_RATE: '2' }, /^npm run stream:demo: invalid environment: CAPTURE_SAMPLE_RATE: must be at most 1$/],
    ['a missing option', 'monitor', ['--reference', 'models/'], {}, /^npm run monitor: --reference and --current are required/],
    ['a bad number of rows', 'train', ['--rows', 'many'], {}, /^npm run train: --rows must be a whole number above 0, got 'many'/],
    ['an unknown program', 'build', ['--program', 'nope'], {}, /^npm run build: no program 'nope'; one of server, batch/],
    ['a target that is not a URL', 'signed-request', ['not-a-url'], {}, /^npm run signed-request: 'not-a-url' is not a URL/],
  ];
  const results = new Map<string, ProgramResult>();
  beforeAll(async () => {
    const runs = await Promise.all(cases.map(([, script, args, env]) => runNpm(script, args, env)));
    cases.forEach(([name], i) => results.set(name, runs[i] as ProgramResult));
  }, 120_000);

  it.each(cases)('%s: npm run %s %j', (name, _script, _args, _env, expected) => {
    const result = results.get(name) as ProgramResult;

    expect(expectOneLine(result)).toMatch(expected);
    expect(result.status).toBe(2);
  });

  it('never says zod\'s "Invalid option" for a bare npm run batch', () => {
    expect(results.get('bare npm run batch')?.stderr).not.toContain('Invalid option');
  });
});

describe('npx cdk synth with a bad context value', () => {
  it('prints one line naming the key and what it allows, and fails', async () => {
    const child = spawn('npx', ['cdk', 'synth', '--no-notices', '--quiet', '-c', 'deployment=foo'], {
      cwd: ROOT,
      env: programEnv({ CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true', HOME: process.env.HOME }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const [status] = (await once(child, 'exit')) as [number | null];

    // The app's line, then the CLI's own note that the app failed.
    expect(stderr.split('\n').filter(Boolean)).toEqual([
      'invalid context deployment: must be one of canary, linear, allAtOnce',
      'npx tsx infra/app.ts: Subprocess exited with error 1',
    ]);
    expect(status).not.toBe(0);
  }, 60_000);
});
