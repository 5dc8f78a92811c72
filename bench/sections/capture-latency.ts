import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_ENTRIES, bundleOptions } from '../../infra/bundling';
import { apiGatewayEvent } from '../../test/support/http-events';
import { synthesizeBundled, type SynthesizedFunction } from '../../test/support/bundled-asset';
import { startFirehoseServer, type LocalFirehose } from '../../test/support/firehose-server';
import { startLambdaProcess, type LambdaProcess } from '../../test/support/lambda-process';
import { startRuntimeApi, type LocalRuntimeApi } from '../../test/support/lambda-runtime-api';
import { startS3Server } from '../../test/support/s3-server';
import { COURSE_RIDE } from '../rides';
import type { BenchContext, Section, TargetCheck } from '../section';
import { fmt, fmtSummary, summarize } from '../stats';

/**
 * Issue 23, part 1: capture never makes a caller wait. The synthesized asset runs under the real
 * runtime client (aws-lambda-ric) against the loopback Runtime API emulator (with its Extensions
 * API), capture going to a loopback Firehose peer that answers every call after 50 ms (an
 * in-region round trip's order of magnitude). Per warm invocation the emulator gives the reply
 * time (event handed over → result posted: what API Gateway waits for) and the Invoke phase
 * (→ the runtime and the extension both asked for the next event: what Lambda bills).
 */

const LOCAL = { modelBucket: 'models', dataBucket: 'ride-data', predictionsStream: 'ride_predictions', captureStream: 'ride_capture' };
const FIREHOSE_DELAY_MS = 50;
const TARGET_MS = 1;
/** main before this round: capture flushed in the handler's `finally`, before the reply */
const BEFORE_REV = '513c4ba';
/** records held when SIGTERM comes, in the shutdown rows */
const HELD_AT_SHUTDOWN = 100;

interface Variant {
  label: string;
  assetDir: string;
  env: Record<string, string>;
}

interface Running {
  variant: Variant;
  api: LocalRuntimeApi;
  lambda: LambdaProcess;
  replies: number[];
  phases: number[];
  calls: number;
}

export async function run(context: BenchContext): Promise<Section> {
  const rounds = context.smoke ? 1 : 8;
  const perRound = context.smoke ? 5 : 50;
  const shutdowns = context.smoke ? 1 : 5;
  const bundled = synthesizeBundled(LOCAL);
  const s3 = await startS3Server();
  const firehose = await startFirehoseServer([LOCAL.captureStream]);
  firehose.answerDelayMs = FIREHOSE_DELAY_MS;
  const started: Running[] = [];
  try {
    await s3.createBucket(LOCAL.modelBucket);
    for (const { key, path } of bundled.stack.models.uploads) await s3.put(LOCAL.modelBucket, key, new Uint8Array(readFileSync(path)));
    const env = (extra: Record<string, string>) => ({
      ...bundled.predict.environment,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint,
      ...extra,
    });
    const asset = bundled.predict.assetDir;
    const variants: Variant[] = [
      { label: 'capture off', assetDir: asset, env: env({ CAPTURE_LOCATION: '' }) },
      { label: "capture on, the template's settings (records sent once the oldest has waited 1 s)", assetDir: asset, env: env({}) },
      { label: 'capture on, a send after every invocation (CAPTURE_FLUSH_INTERVAL_MS=0)', assetDir: asset, env: env({ CAPTURE_FLUSH_INTERVAL_MS: '0' }) },
    ];
    const before = context.smoke ? undefined : await bundleBefore(context, join(context.workDir, 'capture-latency', 'before'), asset);
    if (before)
      variants.push({
        label: `before: main at ${BEFORE_REV} (capture sent in the handler, before the reply; template settings)`,
        assetDir: before,
        env: env({}),
      });

    for (const variant of variants) started.push(await startWarm(bundled.predict, variant, firehose));
    // Alternating blocks, so that load from other work falls on every variant alike.
    for (let round = 0; round < rounds; round++) {
      for (const running of started) await invokeBlock(running, firehose, perRound, round);
      context.log(`capture-latency: round ${round + 1}/${rounds}`);
    }
    const shutdownRuns: Array<{ ms: number; delivered: number; killed: boolean }> = [];
    for (let i = 0; i < shutdowns; i++)
      shutdownRuns.push(await shutdownWithHeldRecords(bundled.predict, env({ CAPTURE_FLUSH_INTERVAL_MS: '600000' }), firehose, i));

    const rows = started.map((r) => {
      const reply = summarize(r.replies);
      const phase = summarize(r.phases);
      return { r, reply, phase, replyP90: percentile(r.replies, 0.9), phaseMean: mean(r.phases), callsPerInvocation: r.calls / r.replies.length };
    });
    const off = rows[0] as (typeof rows)[number];
    const everyInvocation = rows[2] as (typeof rows)[number];
    const templateRow = rows[1] as (typeof rows)[number];
    const beforeRow = rows[3];
    const diff = everyInvocation.reply.median - off.reply.median;
    const shutdownMs = summarize(shutdownRuns.map((s) => s.ms));
    const allDelivered = shutdownRuns.every((s) => s.delivered === HELD_AT_SHUTDOWN && !s.killed);
    const targets: TargetCheck[] = [
      {
        name: `capture off the reply path: warm API Gateway POST /predict under aws-lambda-ric, reply time with capture on (a send after every invocation; Firehose peer answering after ${FIREHOSE_DELAY_MS} ms) vs capture off, p50`,
        target: `within ${TARGET_MS} ms`,
        measured:
          `${fmt(everyInvocation.reply.median)} vs ${fmt(off.reply.median)} ms (${diff >= 0 ? '+' : ''}${fmt(diff)} ms); template settings ${fmt(templateRow.reply.median)} ms` +
          (beforeRow ? `; before this round ${fmt(beforeRow.reply.median)} ms` : ''),
        met: Math.abs(diff) <= TARGET_MS,
      },
      {
        name: `nothing lost on shutdown: ${HELD_AT_SHUTDOWN} records held across invocations, then SIGTERM as Lambda sends it (extension registered), Firehose answering after ${FIREHOSE_DELAY_MS} ms`,
        target: "all delivered, exit within Lambda's 500 ms",
        measured: `${shutdownRuns.map((s) => s.delivered).join(', ')} of ${HELD_AT_SHUTDOWN} delivered; SIGTERM → exit ${fmtSummary(shutdownMs)} ms`,
        met: allDelivered && shutdownMs.max < 500,
      },
    ];
    return {
      id: 'capture-latency',
      title: 'Capture after the reply: reply time and billed time under the runtime client',
      method:
        'The synthesized asset (one process per configuration, kept warm) runs under aws-lambda-ric against the loopback Runtime API emulator, which speaks the Extensions API as Lambda documents it: ' +
        "an invocation's Invoke phase ends only when the runtime and every registered extension have asked for the next event, and only then is the next event handed over. " +
        `Capture goes to a loopback Firehose peer that answers every PutRecordBatch after ${FIREHOSE_DELAY_MS} ms. Each configuration gets ${perRound} sequential API Gateway POST /predict invocations of the course's ride per round, ${rounds} rounds, ` +
        'configurations alternating; reply = event handed over → result posted (what the caller waits for), Invoke phase = → the runtime and the extension both asked for more (what Lambda bills). ' +
        `Shutdown: a fresh process holds ${HELD_AT_SHUTDOWN} records (CAPTURE_FLUSH_INTERVAL_MS=600000), then gets SIGTERM and, as Lambda does, SIGKILL 500 ms later if still alive; ${shutdowns} runs.`,
      tables: [
        {
          columns: [
            'configuration',
            'reply ms, median (min–max)',
            'reply p90 ms',
            'Invoke phase (billed) ms, median (min–max)',
            'Invoke phase mean ms',
            'Firehose calls per invocation',
          ],
          rows: rows.map(({ r, reply, replyP90, phase, phaseMean, callsPerInvocation }) => [
            r.variant.label,
            fmtSummary(reply),
            fmt(replyP90),
            fmtSummary(phase),
            fmt(phaseMean),
            fmt(callsPerInvocation),
          ]),
        },
        {
          caption: 'Shutdown with held records',
          columns: ['run', 'SIGTERM → exit ms', 'records delivered', 'SIGKILLed at 500 ms'],
          rows: shutdownRuns.map((s, i) => [i + 1, fmt(s.ms), `${s.delivered} of ${HELD_AT_SHUTDOWN}`, s.killed ? 'yes' : 'no']),
        },
      ],
      notes: [
        'The work after a reply (shadow runs settle, EMF metrics, the capture send when due) starts once the runtime client has posted the reply; the internal extension asks for its next event only when it is done, so Lambda freezes the process after it. The caller does not wait for it; Lambda bills it (the Invoke phase column).',
        "With the template's settings a busy function sends capture about once a second, so most invocations bill no Firehose call; the records waiting meanwhile go out on SIGTERM when Lambda ends the environment.",
      ],
      targets,
      commands: ['npm run bench -- --only capture-latency'],
      data: {
        variants: rows.map(({ r, reply, phase, phaseMean, callsPerInvocation }) => ({ label: r.variant.label, reply, phase, phaseMean, callsPerInvocation })),
        shutdown: shutdownRuns,
      },
    };
  } finally {
    for (const running of started) {
      await running.lambda.stop();
      await running.api.close();
    }
    await firehose.close();
    await s3.close();
    bundled.cleanup();
  }
}

async function startWarm(fn: SynthesizedFunction, variant: Variant, firehose: LocalFirehose): Promise<Running> {
  const api = await startRuntimeApi();
  const lambda = startLambdaProcess({
    assetDir: variant.assetDir,
    handler: fn.handler,
    runtimeApi: api.address,
    memoryMb: fn.memoryMb,
    environment: variant.env,
  });
  const running: Running = { variant, api, lambda, replies: [], phases: [], calls: 0 };
  // Warm-up: the first invocations compile the hot path; not counted.
  await invokeBlock(running, firehose, 20, -1);
  running.replies = [];
  running.phases = [];
  running.calls = 0;
  return running;
}

async function invokeBlock(running: Running, firehose: LocalFirehose, count: number, round: number): Promise<void> {
  const callsBefore = firehose.calls.length;
  for (let i = 0; i < count; i++) {
    const event = apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) });
    const result = await running.api.invoke({ ...event, requestContext: { ...event.requestContext, requestId: `r${round}-${i}` } });
    if (result.kind !== 'response' || (result.body as { statusCode?: number }).statusCode !== 200)
      throw new Error(`${running.variant.label}: ${JSON.stringify(result)}\n${running.lambda.output().slice(-2000)}`);
    const timing = await running.api.finished(result.requestId);
    running.replies.push(timing.replyMs);
    running.phases.push(timing.durationMs);
  }
  running.calls += firehose.calls.length - callsBefore;
}

async function shutdownWithHeldRecords(
  fn: SynthesizedFunction,
  env: Record<string, string>,
  firehose: LocalFirehose,
  run: number,
): Promise<{ ms: number; delivered: number; killed: boolean }> {
  const api = await startRuntimeApi();
  const lambda = startLambdaProcess({ assetDir: fn.assetDir, handler: fn.handler, runtimeApi: api.address, memoryMb: fn.memoryMb, environment: env });
  try {
    const prefix = `shutdown-${run}-`;
    for (let i = 0; i < HELD_AT_SHUTDOWN; i++) {
      const event = apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) });
      const result = await api.invoke({ ...event, requestContext: { ...event.requestContext, requestId: `${prefix}${i}` } });
      await api.finished(result.requestId);
    }
    const started = performance.now();
    const outcome = await lambda.shutDown(api.shutdownPlan());
    const ms = performance.now() - started;
    const delivered = new Set(
      firehose
        .lines(LOCAL.captureStream)
        .map((line) => (JSON.parse(line) as { id: string }).id)
        .filter((id) => id.startsWith(prefix)),
    ).size;
    return { ms, delivered, killed: outcome.killedAtLimit };
  } finally {
    await lambda.stop();
    await api.close();
  }
}

/** The round's starting source, bundled by today's recipe: the "before" row. */
async function bundleBefore(context: BenchContext, dir: string, currentAsset: string): Promise<string | undefined> {
  const source = join(dir, 'source');
  try {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(source, { recursive: true });
    const archive = execFileSync('git', ['archive', BEFORE_REV, 'lambda', 'models/training'], { cwd: context.root, maxBuffer: 64 << 20 });
    execFileSync('tar', ['-x', '-C', source], { input: archive });
  } catch (error) {
    context.log(`capture-latency: no "before" row (${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
  symlinkSync(join(context.root, 'node_modules'), join(source, 'node_modules'));
  const assetDir = join(dir, 'asset');
  await build({
    ...bundleOptions(LAMBDA_ENTRIES, assetDir),
    entryPoints: { index: join(source, 'lambda', 'entry.mts') },
    absWorkingDir: source,
    logLevel: 'silent',
  });
  symlinkSync(join(currentAsset, 'node_modules'), join(assetDir, 'node_modules'));
  return assetDir;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
