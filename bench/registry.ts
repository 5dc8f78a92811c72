/**
 * The benchmarks `npm run bench` runs, in order. Each entry names a module (relative to
 * bench/) exporting `run(context): Promise<Section>` (see section.ts). Entries marked
 * `optional` belong to pieces built elsewhere (Kinesis adapter, batch scorer, CDK bundle):
 * when the file is absent the report says so instead of failing. To plug one in, add its
 * module here (or drop it at the path already listed).
 */
export interface RegisteredBench {
  id: string;
  title: string;
  module: string;
  /** shown when the module is absent */
  optional?: string;
}

export const BENCHES: readonly RegisteredBench[] = [
  { id: 'model-call', title: 'Model call (in process)', module: 'sections/model-call.ts' },
  { id: 'api-handler', title: 'API handler (in process)', module: 'sections/api-handler.ts' },
  { id: 'http', title: 'HTTP: ours vs the course\'s Flask + gunicorn', module: 'sections/http.ts' },
  { id: 'cold-start', title: 'Cold start: process start → first prediction, model from a local S3 server', module: 'sections/cold-start.ts' },
  {
    id: 'kinesis',
    title: 'Kinesis handler per 100- and 1,000-record event',
    module: 'kinesis-handler.ts',
    optional: 'bench/kinesis-handler.ts (from the streaming work) is not in this checkout',
  },
  { id: 'batch', title: 'Batch: ours vs the course\'s pandas scorer', module: 'sections/batch.ts' },
  { id: 'optimisations', title: 'What each optimisation bought (in process, before vs after)', module: 'sections/optimisations.ts' },
  {
    id: 'deploy',
    title: 'Deploy size and bundled-asset cold start',
    module: 'deploy.ts',
    optional: 'bench/deploy.ts (from the CDK/bundle work) is not in this checkout',
  },
];
