import type { TargetCheck } from './section';
import { batchScriptTargets, kinesisScriptTargets } from './script-targets';

/**
 * The benchmarks `npm run bench` runs, in order. Two kinds:
 * - a module (relative to bench/) exporting `run(context): Promise<Section>` (see section.ts);
 * - a `script`: a standalone bench script run as `tsx <module> [args]`, its output embedded
 *   in the report as printed, and optionally read for target checks.
 * Entries marked `optional` belong to pieces built elsewhere (Kinesis adapter, batch scorer,
 * CDK bundle): when the file is absent the report says so instead of failing. To plug one
 * in, add or edit its line here.
 */
export interface RegisteredBench {
  id: string;
  title: string;
  module: string;
  /** shown when the module is absent */
  optional?: string;
  script?: {
    args: string[];
    smokeArgs: string[];
    /** what the numbers mean and how they were taken (one paragraph) */
    method: string;
    targets?(output: string): TargetCheck[];
  };
}

export const BENCHES: readonly RegisteredBench[] = [
  { id: 'model-call', title: 'Model call (in process)', module: 'sections/model-call.ts' },
  { id: 'api-handler', title: 'API handler (in process)', module: 'sections/api-handler.ts' },
  { id: 'two-models', title: 'Two models per request: duration + cost vs duration alone (CPU)', module: 'sections/two-models.ts' },
  { id: 'http', title: "HTTP: ours vs the course's Flask + gunicorn", module: 'sections/http.ts' },
  { id: 'protocols', title: 'Protocols: CPU per request relative to /predict', module: 'sections/protocols.ts' },
  { id: 'lambda-cold-start', title: "Lambda cold start: the synthesized asset's handler in a fresh node", module: 'sections/lambda-cold-start.ts' },
  { id: 'cold-start', title: 'Cold start: process start → first prediction, model from a local S3 server', module: 'sections/cold-start.ts' },
  {
    id: 'kinesis',
    title: 'Kinesis handler per 100- and 1,000-record event',
    module: 'kinesis-handler.ts',
    optional: 'bench/kinesis-handler.ts (from the streaming work) is not in this checkout',
    script: {
      args: [],
      smokeArgs: [],
      method:
        '`handleKinesisEvent` on 100- and 1,000-record events, predictions written to a loopback kinesalite (bench/kinesis-handler.ts, output as printed).',
      targets: kinesisScriptTargets,
    },
  },
  { id: 'batch-peer', title: "Batch: the course's pandas scorer", module: 'sections/batch.ts' },
  {
    id: 'batch',
    title: 'Batch: ours, parquet and CSV, rows/s and peak RSS',
    module: 'batch.ts',
    optional: 'bench/batch.ts (from the batch work) is not in this checkout',
    script: {
      args: ['--rows', '200000,3000000'],
      smokeArgs: ['--rows', '2000'],
      method:
        "Generated months scored end to end in fresh processes by ours, parquet → parquet and CSV → CSV; rows/s over the run's own timer (bench/batch.ts, output as printed). The course's pandas scorer is compared in the batch-peer section.",
      targets: batchScriptTargets,
    },
  },
  {
    id: 'deploy',
    title: 'Deploy size and bundled-asset cold start',
    module: 'deploy.ts',
    optional: 'bench/deploy.ts (from the CDK/bundle work) is not in this checkout',
  },
  { id: 'capture-latency', title: 'Capture after the reply: reply time and billed time under the runtime client', module: 'sections/capture-latency.ts' },
  { id: 'shadow', title: 'Shadow model: CPU per request', module: 'sections/shadow.ts' },
  { id: 'hot-swap', title: 'Hot swap of a 55 MB model under load', module: 'sections/hot-swap.ts' },
  { id: 'optimisations', title: 'What each optimisation bought (in process, before vs after)', module: 'sections/optimisations.ts' },
  { id: 'cost', title: 'Cost per million predictions (on paper)', module: 'sections/cost.ts' },
];
