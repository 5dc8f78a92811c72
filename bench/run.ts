/**
 * `npm run bench`: runs the benchmarks in registry.ts, writes BENCHMARKS.md, the chart
 * (bench/charts/http.svg) and raw results (bench/results/*.json).
 *
 *   npm run bench                         # everything
 *   npm run bench -- --only http,cold-start
 *   npm run bench -- --smoke              # tiny sizes, fast; proves the suite runs
 *   npm run bench -- --smoke --out /tmp/B.md --work /tmp/w   # report and scratch files elsewhere (tests do)
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs, promisify } from 'node:util';
import { renderHttpChart } from './chart';
import { describeMachine } from './machine';
import { checkPeer } from './peers/peer';
import { BENCHES, type RegisteredBench } from './registry';
import { renderReport } from './report';
import { skippedSection, type BenchContext, type BenchModule, type Section } from './section';
import type { HttpData } from './sections/http';
import { summarize } from './stats';

export interface RunOptions {
  smoke: boolean;
  only?: string[];
  /** BENCHMARKS.md path */
  out: string;
  /** chart path; its directory is created */
  chart: string;
  workDir: string;
  conditions: string;
}

const ROOT = resolve(__dirname, '..');
const exec = promisify(execFile);

/** Loads one registered benchmark; absent optional modules and modules without run() become skipped sections. */
async function runOne(bench: RegisteredBench, context: BenchContext): Promise<Section> {
  const file = join(ROOT, 'bench', bench.module);
  if (!existsSync(file)) return skippedSection(bench.id, bench.title, bench.optional ?? `${bench.module} is missing`);
  if (bench.script) return runScript(bench, file, context);
  const module = require(file) as Partial<BenchModule>;
  if (typeof module.run !== 'function') return skippedSection(bench.id, bench.title, `bench/${bench.module} does not export run(context): Promise<Section>`);
  const started = Date.now();
  try {
    // The registry's title heads the section, so the report reads the same whether it ran or not.
    const section = { ...(await module.run(context)), title: bench.title };
    context.log(`${bench.id}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return section;
  } catch (error) {
    context.log(`${bench.id}: FAILED: ${(error as Error).stack ?? String(error)}`);
    return skippedSection(bench.id, bench.title, `it failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** Runs a standalone bench script in its own process and keeps what it prints. */
async function runScript(bench: RegisteredBench, file: string, context: BenchContext): Promise<Section> {
  const script = bench.script as NonNullable<RegisteredBench['script']>;
  const args = context.smoke ? script.smokeArgs : script.args;
  const command = `npx tsx bench/${bench.module}${args.length ? ` ${args.join(' ')}` : ''}`;
  context.log(`${bench.id}: ${command}`);
  try {
    const { stdout } = await exec(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, timeout: 30 * 60_000, maxBuffer: 16 << 20 });
    const output = stdout.trim();
    const isMarkdown = output.split('\n').some((line) => line.startsWith('|'));
    return {
      id: bench.id,
      title: bench.title,
      method: `${script.method}\n\n${isMarkdown ? output : `\`\`\`text\n${output}\n\`\`\``}`,
      tables: [],
      notes: [],
      targets: script.targets?.(output) ?? [],
      commands: [command],
      data: { output },
    };
  } catch (error) {
    context.log(`${bench.id}: FAILED: ${(error as Error).message}`);
    return skippedSection(bench.id, bench.title, `it failed: ${(error as Error).message.split('\n')[0]}`);
  }
}

export async function runBenchmarks(options: RunOptions): Promise<Section[]> {
  mkdirSync(options.workDir, { recursive: true });
  const context: BenchContext = { smoke: options.smoke, root: ROOT, workDir: options.workDir, log: (m) => console.error(`[bench] ${m}`) };
  const machine = describeMachine(ROOT);
  const peer = await checkPeer();
  const selected = BENCHES.filter((b) => !options.only || options.only.includes(b.id));
  // The 1-minute load average every 5 s: the report shows whether other work shared the machine.
  const loads: number[] = [loadavg()[0] as number];
  const sampler = setInterval(() => loads.push(loadavg()[0] as number), 5000);
  sampler.unref();
  const sections: Section[] = [];
  for (const bench of BENCHES) {
    const saved = join(options.workDir, `${bench.id}.json`);
    if (!selected.includes(bench)) {
      // --only: the other sections keep their last results, each dated in the report.
      if (existsSync(saved)) sections.push(JSON.parse(readFileSync(saved, 'utf8')) as Section);
      continue;
    }
    const first = loads.length;
    const measuredAt = new Date().toISOString();
    const section = await runOne(bench, context);
    const during = loads.slice(first);
    const load = summarize(during.length > 0 ? during : [loadavg()[0] as number]);
    const dated: Section = { ...section, measuredAt, load: { median: load.median, max: load.max } };
    sections.push(dated);
    writeFileSync(saved, `${JSON.stringify(dated, null, 2)}\n`);
  }
  clearInterval(sampler);
  machine.loadAfter = loadavg();
  machine.loadDuring = summarize(loads);
  const http = sections.find((s) => s.id === 'http' && !s.skipped)?.data as HttpData | undefined;
  let chartPath: string | undefined;
  if (http && http.points.length > 0) {
    mkdirSync(dirname(options.chart), { recursive: true });
    writeFileSync(
      options.chart,
      renderHttpChart(
        http.points.filter((p) => p.side !== 'reference'),
        `${machine.cores} cores, ${http.tool}, median of rounds${options.smoke ? ' (smoke run)' : ''}`,
      ),
    );
    chartPath = relative(dirname(options.out), options.chart);
  }
  const report = renderReport({
    generatedAt: new Date(),
    smoke: options.smoke,
    machine,
    peerVersions: peer.versions,
    sections,
    chartPath,
    conditions: options.conditions,
  });
  writeFileSync(options.out, report);
  return sections;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      chart: { type: 'string' },
      conditions: { type: 'string' },
      work: { type: 'string' },
    },
  });
  const out = resolve(values.out ?? join(ROOT, 'BENCHMARKS.md'));
  const sections = await runBenchmarks({
    smoke: values.smoke,
    only: values.only?.split(',').map((s) => s.trim()),
    out,
    chart: resolve(values.chart ?? join(dirname(out), values.out ? 'http.svg' : join('bench', 'charts', 'http.svg'))),
    workDir: resolve(values.work ?? join(ROOT, 'bench', 'results', 'work')),
    conditions: values.conditions ?? 'Whether other work shared the machine was not recorded beyond the load averages above.',
  });
  const missed = sections.flatMap((s) => s.targets.filter((t) => !t.met));
  console.log(
    `wrote ${out}: ${sections.length} sections, ${missed.length} target(s) missed${missed.length ? `: ${missed.map((t) => t.name).join('; ')}` : ''}`,
  );
}

if (require.main === module) void main();
