import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handleApiGatewayEvent, type HttpDeps } from '../../lambda/protocols/http/http-handler';
import { createModelSet } from '../../lambda/model/model-set';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { createServedModel, type ServedModel } from '../../lambda/model/served-model';
import { ShadowModels } from '../../lambda/serving/shadow-models';
import type { BenchContext, Section } from '../section';
import { fmt, fmtSummary, summarize } from '../stats';
import { COURSE_RIDE } from '../rides';
import { predictEvent } from './api-handler';
import { testDataplane } from '../../test/support/dataplane';
import { RIDE_FEATURES } from '../../lambda/rides/features';

async function served(context: BenchContext, name: string, file: string): Promise<ServedModel> {
  const runner = await OnnxModel.fromBytes(new Uint8Array(readFileSync(join(context.root, 'models', file))));
  return createServedModel({ name, version: file, runner, preprocessing: RIDE_FEATURES, source: file });
}

/** CPU (user + system) per call of `work`, over `n` sequential calls: µs. */
async function cpuPerCall(work: () => Promise<unknown>, n: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

/**
 * What a shadow model costs a request: the API handler with the shipped duration model alone, and
 * with a shadow of it (the cost model standing in for a candidate), the invocation waiting for the
 * shadow's run as Lambda does before returning. Process CPU per request, alternating rounds.
 */
export async function run(context: BenchContext): Promise<Section> {
  const duration = await served(context, 'duration', 'model.onnx');
  const candidate = await served(context, 'duration', join('cost', 'model.onnx'));
  let comparisons = 0;
  const shadows = new ShadowModels([{ name: 'duration', load: Promise.resolve(candidate) }], {
    compared: () => void comparisons++,
    failed: (_, reason) => context.log(`shadow failed: ${reason}`),
  });
  await shadows.settle(1_000);
  const deps = (withShadow: boolean): HttpDeps => {
    const set = createModelSet([duration], withShadow ? { onModelRun: shadows.onModelRun } : {});
    return {
      getModels: () => Promise.resolve(set),
      dataplane: testDataplane(),
      maxBodyBytes: 1 << 20,
      maxRidesPerRequest: 10_000,
      onUnexpectedError: (e) => context.log(String(e)),
    };
  };
  const event = predictEvent(JSON.stringify(COURSE_RIDE));
  const plain = deps(false);
  const shadowed = deps(true);
  const invokePlain = () => handleApiGatewayEvent(event, plain);
  const invokeShadowed = async () => {
    const reply = await handleApiGatewayEvent(event, shadowed);
    await shadows.settle(1_000);
    return reply;
  };
  const n = context.smoke ? 50 : 2_000;
  const rounds = context.smoke ? 2 : 9;
  for (const invoke of [invokePlain, invokeShadowed]) for (let i = 0; i < n; i++) await invoke(); // warm-up
  const without: number[] = [];
  const withShadow: number[] = [];
  for (let round = 0; round < rounds; round++) {
    without.push(await cpuPerCall(invokePlain, n));
    withShadow.push(await cpuPerCall(invokeShadowed, n));
  }
  const a = summarize(without);
  const b = summarize(withShadow);
  if (comparisons === 0) throw new Error('the shadow never ran');
  return {
    id: 'shadow',
    title: 'Shadow model: CPU per request',
    method:
      "`handleApiGatewayEvent` on the course's ride with the shipped duration model, alone and with a shadow of it (the shipped cost model standing in for a candidate: " +
      `one more model run of the same size on the same ride, compared and recorded), each invocation waiting for its shadow run as Lambda does. Process CPU (user + system) per request over ${fmt(n)} sequential requests; ${rounds} alternating rounds, median (min–max).`,
    tables: [
      {
        columns: ['configuration', 'CPU µs per request', 'vs alone'],
        rows: [
          ['served model alone', fmtSummary(a), '1×'],
          ['with one shadow model', fmtSummary(b), `${fmt(b.median / a.median)}× (+${fmt(b.median - a.median)} µs)`],
        ],
      },
    ],
    notes: [`${fmt(comparisons)} shadow comparisons recorded during the run.`],
    targets: [],
    commands: ['npm run bench -- --only shadow'],
    data: { without: a, withShadow: b },
  };
}
