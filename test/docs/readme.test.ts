import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { committedTrainLines, curlExamples, npmExamples, runCurl, shownUnder, withoutRideIds, withoutTimings, type NpmExample } from '../support/doc-examples';
import { ROOT, runNpm, startServer, type ProgramResult, type RunningServer } from '../support/local-programs';
import { runStreamDemo, type StreamDemoRun } from '../support/stream-demo';
import { scratchDirectory } from '../support/trip-fixtures';

/**
 * README.md's examples, run as a reader runs them: one `npm start` for the web examples (the curl
 * line and the course's Python client), the stream's two terminals, and the batch and monitor
 * commands with their `data/` and `output/` paths moved into a scratch directory. `npm run train`
 * is not run here (test/training/train.test.ts reproduces the committed models byte for byte): its
 * lines are checked against those committed files.
 */
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const scratch = scratchDirectory();
const moved = (text: string) => text.replace(/(^|=)(data|output)\//g, `$1${scratch.path}/$2/`);
const shownPath = (text: string) => text.replaceAll(`${scratch.path}/`, '');
const programs = npmExamples(README).filter((example) => example.script === 'batch' || example.script === 'monitor');

let server: (RunningServer & { url: string; port: number }) | undefined;
let stream: StreamDemoRun;
const results: ProgramResult[] = [];
beforeAll(async () => {
  mkdirSync(join(scratch.path, 'data'), { recursive: true });
  mkdirSync(join(scratch.path, 'output'), { recursive: true });
  server = await startServer();
  stream = await runStreamDemo(scratch.path);
  for (const example of programs) results.push(await runNpm(example.script, example.args.map(moved)));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  scratch.remove();
});

/** The Python block under "The course's client", with its `print` output line. */
function pythonClient(): { code: string; shown: string } {
  const block = /```python\n([\s\S]*?)```/.exec(README)?.[1] ?? '';
  const lines = block.trimEnd().split('\n');
  return { code: lines.filter((line) => !line.startsWith('# ')).join('\n'), shown: (lines.find((line) => line.startsWith('# ')) ?? '').slice(2) };
}

describe('README.md', () => {
  it('links the course it grew from', () => {
    expect(README).toContain('](https://github.com/DataTalksClub/mlops-zoomcamp/tree/main/04-deployment)');
  });

  it('is at most 250 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('shows log lines npm start prints (each a subset of a printed line)', () => {
    const printed = (server?.lines ?? []).flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
    const shown = shownUnder(README, 'npm ci && npm start').map((line) => JSON.parse(line.replace('127.0.0.1:9696', `127.0.0.1:${server?.port}`)) as Record<string, unknown>);

    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const line of shown) expect(printed).toContainEqual(expect.objectContaining(line));
  });

  it.each(curlExamples(README).map((example) => [example.line, example] as const))('line %i: the curl command answers the reply shown', async (_, example) => {
    expect(JSON.parse(await runCurl(example, server?.url as string))).toEqual(JSON.parse(example.shown));
  });

  const hasRequests = spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
  (hasRequests ? it : it.skip)("the course's Python client prints the reply shown (needs python3 with requests)", () => {
    const { code, shown } = pythonClient();
    const run = spawnSync('python3', ['-c', code.replace('http://localhost:9696', server?.url as string)], { encoding: 'utf8' });

    expect({ status: run.status, stderr: run.stderr, printed: run.stdout.trim() }).toEqual({ status: 0, stderr: '', printed: shown });
  });

  it('shows a record stream:demo prints and its dead-letter line (ride ids come from the clock)', () => {
    const printed = stream.demo.stdout.split('\n').map(withoutRideIds);

    expect(stream.demo.status).toBe(0);
    for (const line of shownUnder(README, 'npm run stream:demo')) expect(printed).toContain(withoutRideIds(line));
    expect(stream.deadLetters).toEqual([expect.objectContaining({ code: 'INVALID_RIDE' })]);
  });

  it('runs the batch and monitor commands it shows (generate, score; generate a drifted month, report)', () => {
    expect(programs.map((e) => `${e.script} ${e.args[0]}`)).toEqual(['batch generate', 'batch data/green_tripdata_2021-02.parquet', 'batch generate', 'monitor --reference']);
  });

  it.each(programs.map((example, i) => [example.line, example, i] as const))('line %i: the command succeeds and prints every line shown under it', (_, example: NpmExample, i: number) => {
    const result = results[i] as ProgramResult;
    const printed = result.stdout.split('\n').map((line) => withoutTimings(shownPath(line)));

    expect({ status: result.status, stderr: result.stderr.split('\n').filter((line) => /failed|Error/.test(line)) }).toEqual({ status: 0, stderr: [] });
    for (const line of example.shown) expect(printed).toContain(withoutTimings(line));
  });

  it('shows the lines npm run train prints for the committed models, which a fresh run reproduces byte for byte', () => {
    const train = npmExamples(README).find((example) => example.script === 'train') as NpmExample;
    const expected = committedTrainLines(ROOT);

    expect(train.shown).toEqual(expected);
    expect(README).toContain('MODELS=duration=output/models/model.onnx,cost=output/models/cost/model.onnx npm start');
  });
});
