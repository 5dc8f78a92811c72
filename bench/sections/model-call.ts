import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { batchOf } from '../../test/support/fixtures';
import type { BenchContext, Section } from '../section';
import { fmt, fmtSummary, sampleMicros, summarize } from '../stats';
import { trainingRides } from '../rides';
import { RIDE_FEATURES } from '../../lambda/rides/features';

/** The predict core's model call (`OnnxModel.run`), for 1 ride and for 1,000 rides. */
export async function run(context: BenchContext): Promise<Section> {
  const model = await OnnxModel.fromBytes(new Uint8Array(readFileSync(join(context.root, 'models', 'model.onnx'))));
  // As a served model hands its runner a batch: with the course's PU_DO column added (rides/features.ts).
  const one = [RIDE_FEATURES.apply(batchOf(trainingRides(1)), model.inputs)];
  const thousand = [RIDE_FEATURES.apply(batchOf(trainingRides(1000)), model.inputs)];
  const samples = context.smoke ? 3 : 200;
  await sampleMicros(() => model.run(one), 1, context.smoke ? 100 : 5000); // warm-up: JIT and the session's arena
  await sampleMicros(() => model.run(thousand), 1, context.smoke ? 5 : 200);
  const single = summarize(await sampleMicros(() => model.run(one), samples, context.smoke ? 50 : 500));
  const batch = summarize(await sampleMicros(() => model.run(thousand), samples, context.smoke ? 2 : 10));
  const perRide = { median: batch.median / 1000, min: batch.min / 1000, max: batch.max / 1000, runs: batch.runs };
  return {
    id: 'model-call',
    title: 'Model call (in process)',
    method:
      `\`OnnxModel.run(rides)\` on models/model.onnx: tensors built from the rides, one onnxruntime-node session run, ` +
      `durations out. Each sample times a loop of calls after a warm-up; the table gives the median sample with min–max over ${samples} samples.`,
    tables: [
      {
        columns: ['rides per call', 'µs per call', 'µs per ride'],
        rows: [
          ['1', fmtSummary(single), fmt(single.median)],
          ['1,000', fmtSummary(batch), `${fmt(perRide.median)} (${fmt(perRide.min)}–${fmt(perRide.max)})`],
        ],
      },
    ],
    notes: [],
    targets: [
      { name: 'model call, 1 ride', target: '≤ 30 µs', measured: `${fmt(single.median)} µs`, met: single.median <= 30 },
      { name: 'model call, 1,000 rides', target: '≤ 0.5 µs per ride', measured: `${fmt(perRide.median)} µs per ride`, met: perRide.median <= 0.5 },
    ],
    commands: ['npm run bench -- --only model-call'],
    data: { single, batch, perRide },
  };
}
