import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { OnnxModel, SESSION_OPTIONS } from '../../lambda/model/runtimes/onnx/onnx-model';
import { createServedModel } from '../../lambda/model/served-model';
import { batchOf } from '../../test/support/fixtures';
import { trainingRides } from '../rides';
import type { BenchContext, Section } from '../section';
import { fmt, sampleMicros, summarize, type Summary } from '../stats';
import { RIDE_FEATURES } from '../../lambda/rides/features';

/** A/B: runs both variants in alternation, `rounds` times, and summarises each. */
async function ab(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<[Summary, Summary]> {
  const as: number[] = [];
  const bs: number[] = [];
  for (let i = 0; i < rounds; i++) {
    as.push(await a());
    bs.push(await b());
  }
  return [summarize(as), summarize(bs)];
}

function syncMicros(fn: () => unknown, iterations: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - started) / 1e3 / iterations;
}

/**
 * What each change to the hot path bought, measured in process, before vs after, alternating.
 * (Using both cores — the cluster — shows in the HTTP tables: "ours, 1 process" vs "cluster".)
 */
export async function run(context: BenchContext): Promise<Section> {
  const bytes = new Uint8Array(readFileSync(join(context.root, 'models', 'model.onnx')));
  const model = await OnnxModel.fromBytes(bytes);
  const service = createServedModel({ name: 'duration', version: 'bench', runner: model, preprocessing: RIDE_FEATURES, source: 'bench' });
  const rides = trainingRides(16).map((r) => RIDE_FEATURES.apply(batchOf([r]), model.inputs));
  const rounds = context.smoke ? 2 : 30;
  const loops = context.smoke ? 20 : 300;

  // 1. 16 requests in one event-loop turn: each its own run (before) vs one shared run (after).
  const [separate, coalesced] = await ab(
    rounds,
    async () => (await sampleMicros(() => Promise.all(rides.map((r) => model.run([r]))), 1, loops))[0] as number,
    async () => (await sampleMicros(() => Promise.all(rides.map((r) => service.predict(r))), 1, loops))[0] as number,
  );

  // 2. Session options: the skeleton's (all optimisations, 1 intra-op thread) vs SESSION_OPTIONS.
  const feeds = { PU_DO: new Tensor('string', ['10_50'], [1, 1]), trip_distance: new Tensor('float32', new Float32Array([40]), [1, 1]) };
  const before = await InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1 });
  const after = await InferenceSession.create(bytes, SESSION_OPTIONS);
  const [oldOptions, newOptions] = await ab(
    rounds,
    async () => (await sampleMicros(() => before.run(feeds), 1, loops * 4))[0] as number,
    async () => (await sampleMicros(() => after.run(feeds), 1, loops * 4))[0] as number,
  );

  // 3. Model load: decoding the protobuf to size runs (before) vs scanning the bytes for a one-hot encoder (after).
  const [decode, scan] = await ab(
    context.smoke ? 2 : 7,
    async () => syncMicros(() => onnx.ModelProto.decode(bytes), 1) / 1000,
    async () => syncMicros(() => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf('OneHotEncoder'), 10) / 1000,
  );
  const row = (change: string, measure: string, a: Summary, b: Summary, unit: string) => [
    change,
    measure,
    `${fmt(a.median)} ${unit}`,
    `${fmt(b.median)} ${unit}`,
    `${fmt(a.median / b.median)}×`,
  ];
  return {
    id: 'optimisations',
    title: 'What each optimisation bought (in process, before vs after)',
    method:
      `Each change measured against what it replaced, alternating before/after ${rounds} times; medians. ` +
      'Using both cores (node:cluster, WEB_CONCURRENCY=2) is measured end to end in the HTTP tables above.',
    tables: [
      {
        columns: ['change', 'measure', 'before', 'after', 'gain'],
        rows: [
          row(
            'coalesce concurrent requests into one model run (Coalescer)',
            '16 single-ride predictions in one event-loop turn, per ride',
            { ...separate, median: separate.median / 16 },
            { ...coalesced, median: coalesced.median / 16 },
            'µs',
          ),
          row('session options: sequential, no inter-op pool, no spinning', 'one session.run, 1 ride', oldOptions, newOptions, 'µs'),
          row('size runs by scanning the model bytes, not decoding the protobuf', 'model load step', decode, scan, 'ms'),
        ],
      },
    ],
    notes: [
      "onnxruntime-node's public `session.run` defers the native call with `setImmediate` and re-validates feeds; calling the addon's internal binding synchronously would halve a 1-ride call again, but ties the core to an unexported API, so it is not done.",
    ],
    targets: [],
    commands: ['npm run bench -- --only optimisations'],
    data: { separate, coalesced, oldOptions, newOptions, decode, scan },
  };
}
