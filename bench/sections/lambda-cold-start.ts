import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_ENTRIES, bundleOptions } from '../../infra/bundling';
import { apiGatewayEvent } from '../../test/support/http-events';
import { synthesizeBundled } from '../../test/support/bundled-asset';
import { startFirehoseServer } from '../../test/support/firehose-server';
import { startS3Server } from '../../test/support/s3-server';
import { parseModelPairs } from '../../lambda/contract';
import { checkPeer, PYTHON, PYTHON_ENV, trainPeer } from '../peers/peer';
import { COURSE_RIDE } from '../rides';
import type { BenchContext, Section, TargetCheck } from '../section';
import { fmt, fmtSummary, summarize, type Summary } from '../stats';

/**
 * Issue 13's target (a): a fresh `node` requiring the synthesized Lambda asset's handler (the
 * directory `cdk deploy` uploads, the function's environment and NODE_OPTIONS from the template)
 * answers its first API Gateway POST /predict, the model fetched from a local S3 server, next to
 * the course's Flask app answering its first request in a fresh python. Also: where the time
 * goes (phases), and each cold-start change as a before/after row, all in the same run.
 */

const LOCAL = { modelBucket: 'models', dataBucket: 'ride-data', predictionsStream: 'ride_predictions', captureStream: 'ride_capture' };
/** main when issue 13's round began: the "before" of the before/after rows. */
const BEFORE_REV = '7168753';
/** Issue 23's target (a) (issue 13's was 300 ms). */
const TARGET_MS = 250;
const TARGET_RATIO = 4;

interface Mark {
  name: string;
  at: number;
  cpu: number;
}

interface Run {
  /** spawn → reply, as the parent saw it */
  wallMs: number;
  marks: Mark[];
  /** the runtime's "model loaded" log line: fetch + ONNX session */
  modelLoadMs?: number;
}

/** One way of building or starting the asset, measured as a row of the before/after table. */
interface Variant {
  label: string;
  assetDir: string;
  nodeOptions: string;
  /** variables this variant needs on top of the function's environment */
  env?: NodeJS.ProcessEnv;
}

function spawnTimed(
  command: string,
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv },
  done: (stderr: string) => boolean,
): Promise<{ wallMs: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let wallMs: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (wallMs === undefined && done(stdout)) wallMs = performance.now() - started;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (wallMs === undefined && done(stderr)) wallMs = performance.now() - started;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      if (wallMs === undefined) reject(new Error(`${command} exited with ${code} before answering:\n${stdout}\n${stderr}`));
      else resolve({ wallMs, stdout, stderr });
    });
  });
}

async function ourColdStart(driver: string, variant: Variant, env: NodeJS.ProcessEnv, eventJson: string): Promise<Run> {
  // Each cold start gets an empty /tmp, as a new Lambda sandbox does: what an earlier process left
  // there (Node writes compile cache entries at exit) must not speed up the next one.
  const tmp = mkdtempSync(join(tmpdir(), 'cold-start-tmp-'));
  const { wallMs, stdout, stderr } = await spawnTimed(
    process.execPath,
    [driver, variant.assetDir, eventJson],
    { cwd: variant.assetDir, env: { ...env, ...variant.env, NODE_OPTIONS: variant.nodeOptions, TMPDIR: tmp } },
    (text) => text.includes('COLD-START'),
  ).finally(() => rmSync(tmp, { recursive: true, force: true }));
  const line = stderr.split('\n').find((l) => l.startsWith('COLD-START '));
  if (!line) throw new Error(`${variant.label}: no result:\n${stderr}`);
  const result = JSON.parse(line.slice('COLD-START '.length)) as { marks: Mark[]; statusCode: number; body: string };
  if (result.statusCode !== 200) throw new Error(`${variant.label}: first reply ${result.statusCode} ${result.body}\n${stdout}`);
  const loaded = stdout.split('\n').find((l) => l.includes('"model loaded"'));
  const modelLoadMs = loaded ? (JSON.parse(loaded) as { loadMs?: number }).loadMs : undefined;
  return { wallMs, marks: result.marks, modelLoadMs };
}

async function peerFirstRequest(context: BenchContext, modelDir: string): Promise<number> {
  const { wallMs, stdout } = await spawnTimed(
    PYTHON,
    [join(context.root, 'bench', 'peers', 'first-request.py'), JSON.stringify(COURSE_RIDE)],
    { cwd: modelDir, env: { PATH: process.env.PATH, ...PYTHON_ENV } },
    (text) => text.includes('"status"'),
  );
  const reply = JSON.parse(stdout.trim().split('\n').pop() as string) as { status: number };
  if (reply.status !== 200) throw new Error(`the course's app answered ${reply.status}`);
  return wallMs;
}

/** The round's starting source (git), bundled the way the asset was bundled then: the "before" row. */
async function bundleBefore(context: BenchContext, dir: string): Promise<string | undefined> {
  const source = join(dir, 'source');
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(source, { recursive: true });
    const archive = execFileSync('git', ['archive', BEFORE_REV, 'lambda', 'models/training'], { cwd: context.root, maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', source], { input: archive });
  } catch (error) {
    context.log(`lambda-cold-start: no "before" row (${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
  symlinkSync(join(context.root, 'node_modules'), join(source, 'node_modules'));
  const assetDir = join(dir, 'asset');
  // At BEFORE_REV the Lambda entry was lambda/index.ts (lambda/handler.ts since the layout move).
  await bundleAsset(join(source, 'lambda', 'index.ts'), assetDir, { mainFields: undefined, oneFile: true });
  return assetDir;
}

/**
 * esbuild with the asset's settings (infra/bundling.ts), optionally overridden: one variant.
 * `oneFile` builds what the asset was until this round: a single CommonJS index.js, no chunks.
 */
async function bundleAsset(entry: string, assetDir: string, overrides: { mainFields?: string[]; oneFile?: boolean }): Promise<void> {
  const options = bundleOptions(LAMBDA_ENTRIES, assetDir);
  rmSync(assetDir, { recursive: true, force: true });
  mkdirSync(assetDir, { recursive: true });
  await build({
    ...options,
    entryPoints: { index: entry },
    ...(overrides.oneFile
      ? {
          format: 'cjs',
          splitting: false,
          outdir: undefined,
          outfile: join(assetDir, 'index.js'),
          outExtension: undefined,
          chunkNames: undefined,
          banner: undefined,
        }
      : {}),
    mainFields: overrides.mainFields,
  });
}

/** A variant's asset directory needs the asset's node_modules (onnxruntime-node). */
function linkRuntime(assetDir: string, fromAsset: string): void {
  const target = join(assetDir, 'node_modules');
  // A link from an earlier run points into that run's (deleted) synthesized asset: replace it.
  rmSync(target, { force: true });
  symlinkSync(join(fromAsset, 'node_modules'), target);
}

export async function run(context: BenchContext): Promise<Section> {
  const runs = context.smoke ? 1 : 11;
  const bundled = synthesizeBundled(LOCAL);
  const s3 = await startS3Server();
  const firehose = await startFirehoseServer([LOCAL.captureStream]);
  const driver = join(context.root, 'bench', 'cold-start-driver.js');
  const scratch = join(context.workDir, 'lambda-cold-start');
  try {
    await s3.createBucket(LOCAL.modelBucket);
    // The objects `cdk deploy` uploads: the shipped models under their content-addressed keys.
    for (const { key, path } of bundled.stack.models.uploads) await s3.put(LOCAL.modelBucket, key, new Uint8Array(readFileSync(path)));
    const { predict } = bundled;
    const nodeOptions = predict.environment.NODE_OPTIONS ?? '';
    // Lambda's own variables and dummy credentials, then the function's environment from the template, with local endpoints.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SESSION_TOKEN: 'local',
      AWS_LAMBDA_FUNCTION_NAME: 'local-function',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(predict.memoryMb),
      LAMBDA_TASK_ROOT: predict.assetDir,
      ...predict.environment,
      POWERTOOLS_LOG_LEVEL: 'INFO', // the "model loaded" line carries the fetch + session time
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint,
    };
    const eventJson = JSON.stringify(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }));

    const variants: Variant[] = [{ label: 'now: the synthesized asset, as deployed', assetDir: predict.assetDir, nodeOptions }];
    // Smoke runs (npm test) measure the deployed asset only: the variants are a bundle each.
    if (!context.smoke) {
      variants.push({
        label: 'now, with --enable-source-maps (the template set it until issue 13)',
        assetDir: predict.assetDir,
        nodeOptions: `${nodeOptions} --enable-source-maps`.trim(),
      });
      const noCache = join(scratch, 'no-compile-cache');
      rmSync(noCache, { recursive: true, force: true });
      cpSync(predict.assetDir, noCache, { recursive: true, filter: (source) => !source.startsWith(join(predict.assetDir, 'compile-cache')) });
      variants.push({ label: 'now, without the V8 code cache the asset ships (compile-cache/)', assetDir: noCache, nodeOptions });
      const oneFile = join(scratch, 'one-file');
      await bundleAsset(join(context.root, 'lambda', 'handler.ts'), oneFile, { mainFields: ['module', 'main'], oneFile: true });
      linkRuntime(oneFile, predict.assetDir);
      variants.push({ label: 'now, as one CommonJS file (no code splitting: the asset until this round)', assetDir: oneFile, nodeOptions });
      const cjsMain = join(scratch, 'main-fields-default');
      await bundleAsset(join(context.root, 'lambda', 'entry.mts'), cjsMain, { mainFields: undefined });
      linkRuntime(cjsMain, predict.assetDir);
      variants.push({ label: "now, packages' CommonJS builds (esbuild's default main fields)", assetDir: cjsMain, nodeOptions });
      const noInitLoad = join(scratch, 'no-init-load');
      await bundleAsset(join(context.root, 'lambda', 'handler.ts'), noInitLoad, { mainFields: ['module', 'main'] });
      linkRuntime(noInitLoad, predict.assetDir);
      variants.push({ label: 'now, models awaited by the first invocation instead of during init (no top-level await)', assetDir: noInitLoad, nodeOptions });
      const before = await bundleBefore(context, join(scratch, 'before'));
      if (before) {
        linkRuntime(before, predict.assetDir);
        // That runtime read one model from MODEL_LOCATION (MODELS came later): give it the primary's.
        const primary = parseModelPairs(env.MODELS ?? '', 'MODELS')[0];
        variants.push({
          label: `before: main at ${BEFORE_REV} (all adapters and clients loaded at init, zod with its locales, CommonJS builds; one model)`,
          assetDir: before,
          nodeOptions,
          env: { MODEL_LOCATION: primary?.location },
        });
      }
    }
    const peer = await checkPeer();
    const modelDir = peer.available ? (await trainPeer(context)).modelDir : undefined;
    const results = new Map<Variant, Run[]>(variants.map((v) => [v, []]));
    const peerRuns: number[] = [];
    // One untimed round warms the OS file cache (as a reused Lambda host has it); then the
    // variants and the peer alternate, so load from other work falls on all of them alike.
    for (let round = 0; round <= runs; round++) {
      for (const variant of variants) {
        const result = await ourColdStart(driver, variant, env, eventJson);
        if (round > 0) results.get(variant)?.push(result);
      }
      if (modelDir) {
        const wall = await peerFirstRequest(context, modelDir);
        if (round > 0) peerRuns.push(wall);
      }
      context.log(`lambda-cold-start: round ${round}/${runs}`);
    }

    const now = results.get(variants[0] as Variant) as Run[];
    const total = summarize(now.map((r) => r.wallMs));
    const peerTotal = peerRuns.length > 0 ? summarize(peerRuns) : undefined;
    const phaseRows = phaseTable(now);
    const variantRows = variants.map((v) => {
      const rs = results.get(v) as Run[];
      const wall = summarize(rs.map((r) => r.wallMs));
      const cpu = summarize(rs.map((r) => (r.marks[r.marks.length - 1] as Mark).cpu));
      return { v, wall, cpu };
    });
    const baseline = variantRows[0] as (typeof variantRows)[number];
    const targets: TargetCheck[] = [
      {
        name: "(a) cold start: fresh node + the synthesized asset's handler → first API Gateway POST /predict (model from local S3)",
        target: `≤ ${TARGET_MS} ms and ≥ ${TARGET_RATIO}× faster than the course's app's first request`,
        measured:
          `${fmt(total.median)} ms` +
          (peerTotal
            ? `; the course's Flask app (fresh python → first request, model from disk) ${fmt(peerTotal.median)} ms: ${fmt(peerTotal.median / total.median)}× faster`
            : "; the course's stack is not installed"),
        met: total.median <= TARGET_MS && peerTotal !== undefined && peerTotal.median / total.median >= TARGET_RATIO,
        note:
          total.median > TARGET_MS || !peerTotal || peerTotal.median / total.median < TARGET_RATIO
            ? `where the time goes: ${phaseRows.map((r) => `${r[0]} ${r[1]}`).join('; ')}`
            : undefined,
      },
    ];
    return {
      id: 'lambda-cold-start',
      title: "Lambda cold start: the synthesized asset's handler in a fresh node",
      method:
        "Synthesizes the stack with real bundling (`cdk synth`'s asset directory), then spawns `node bench/cold-start-driver.js <asset>` with the function's environment " +
        `and NODE_OPTIONS (${nodeOptions ? `\`${nodeOptions}\`` : 'none'}) from the template, the model on an in-process s3rver and capture going to a loopback Firehose peer (the template turns capture on). ` +
        "The driver imports the asset's `index.mjs` (what Lambda's `index.handler` resolves to) and calls `handler` with an API Gateway payload-2.0 POST /predict of the course's ride; the clock runs from spawn to the " +
        "reply's arrival in the parent. The course's app: a fresh `python3 bench/peers/first-request.py` imports its predict.py (Flask, scikit-learn, the pickled model from disk) " +
        `and answers the same ride through Flask's test client. ${runs} rounds after one warm-up round, every variant and the peer once per round; median (min–max). ` +
        "CPU ms is the process's own user + system time (steadier than wall time when other work shares the machine).",
      tables: [
        {
          caption: 'Spawn → first reply',
          columns: ['process', 'ms', 'process CPU ms'],
          rows: [
            [
              "ours: node + the asset's handler (API Gateway event, model from S3)",
              fmtSummary(total),
              fmtSummary(summarize(now.map((r) => (r.marks[r.marks.length - 1] as Mark).cpu))),
            ],
            ['course: python + predict.py (Flask test client, model from disk)', peerTotal ? fmtSummary(peerTotal) : 'not installed', ''],
          ],
        },
        { caption: 'Where the time goes (ours, the deployed asset)', columns: ['phase', 'ms (median)', 'CPU ms (median)'], rows: phaseRows },
        {
          caption: 'Each change, before vs after (same run, alternating)',
          columns: ['variant', 'spawn → first reply ms', 'process CPU ms', 'vs now (wall)'],
          rows: variantRows.map(({ v, wall, cpu }) => [v.label, fmtSummary(wall), fmtSummary(cpu), `${fmt(wall.median / baseline.wall.median)}×`]),
        },
      ],
      notes: [
        "Phases are marks in the driver: node start until the driver's first line; onnxruntime-node's native addon (loaded by the driver from the asset so it is timed apart); init, the evaluation of `index.mjs` and the chunks it imports (config, clients, the runtime, the HTTP adapter), which issues the model fetch and, through the entry's top-level await, waits for the models (fetch + ONNX session: the runtime's own \"model loaded\" time) as Lambda's init phase would; then the first invocation, which only answers the request (its capture and metrics go out after the reply).",
        'The asset is an ES module split into chunks (infra/bundling.ts): the Kinesis, batch and monitor adapters, the OpenAPI builder, the MLmodel parser and onnx-proto are chunks read only when first used.',
        "The asset ships a V8 code cache of the modules a cold start runs (infra/compile-cache.ts; lambda/compile-cache.ts turns it on before the handler is imported), and onnxruntime's one-time set-up runs on a one-node model while the models download (lambda/model/runtimes/onnx/warm-up.ts). In Lambda the cache applies when Lambda's Node 22 release matches the build's (V8 refuses other versions' caches, and the modules then compile as before).",
        "Lambda's own sandbox start and a real S3 fetch over the network come on top in AWS; the local S3 server answers on loopback.",
      ],
      targets,
      commands: [
        'npm run bench -- --only lambda-cold-start',
        "node bench/cold-start-driver.js <asset dir> <API Gateway event JSON>   # with the function's environment",
      ],
      data: { total, peer: peerTotal, variants: variantRows.map(({ v, wall, cpu }) => ({ label: v.label, wall, cpu })) },
    };
  } finally {
    await firehose.close();
    await s3.close();
    bundled.cleanup();
  }
}

/** Median duration of each phase (between consecutive marks), plus the model load the runtime logged. */
function phaseTable(runs: Run[]): string[][] {
  const names = (runs[0] as Run).marks.map((m) => m.name);
  const rows = names.map((name, i) => {
    const wall = summarize(runs.map((r) => (r.marks[i] as Mark).at - (i === 0 ? 0 : (r.marks[i - 1] as Mark).at)));
    const cpu = summarize(runs.map((r) => (r.marks[i] as Mark).cpu - (i === 0 ? 0 : (r.marks[i - 1] as Mark).cpu)));
    return [name, fmt(wall.median), fmt(cpu.median)];
  });
  const loads = runs.flatMap((r) => (r.modelLoadMs === undefined ? [] : [r.modelLoadMs]));
  if (loads.length > 0)
    rows.push(["  of which: model fetch + ONNX session (runtime log, from the fetch's start; during init)", fmt((summarize(loads) as Summary).median), '']);
  return rows;
}
