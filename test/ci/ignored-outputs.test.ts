import { spawnSync } from 'node:child_process';
import { join, relative } from 'node:path';
import { DEFAULT_BATCH_INPUT_TEMPLATE, DEFAULT_BATCH_OUTPUT_TEMPLATE } from '../../lambda/config/index';
import { DEFAULT_MONITOR_OUT } from '../../lambda/local/monitor-cli';
import { LOCAL_DEAD_LETTER_DIRECTORY } from '../../lambda/local/stream-runner';
import { LOCAL_OUTDIR } from '../../infra/bundling';
import { DEFAULT_TRAIN_OUT_DIR } from '../../models/training/train';

const ROOT = join(__dirname, '..', '..');

/** True when git ignores `path` (relative to the repository), whether or not it exists. */
function ignored(path: string): boolean {
  return spawnSync('git', ['-C', ROOT, 'check-ignore', '--quiet', '--no-index', path]).status === 0;
}

/**
 * What the commands write without being told where lands in directories git ignores, so a run
 * never leaves a file a user could commit by mistake or that `git status` would show. (That the
 * tests themselves leave the working tree unchanged is checked around the whole run:
 * test/support/working-tree/.)
 */
describe('default outputs', () => {
  const fill = (template: string) =>
    template.replace('{taxi_type}', 'green').replace('{year}', '2021').replace('{month}', '02').replace('{run_id}', '54c7ff65d8e2');

  it.each([
    ['npm run batch (the month it reads)', fill(DEFAULT_BATCH_INPUT_TEMPLATE)],
    ['npm run batch (the month it writes)', fill(DEFAULT_BATCH_OUTPUT_TEMPLATE)],
    ['npm run monitor', join(DEFAULT_MONITOR_OUT, 'report.html')],
    ['npm run train', join(DEFAULT_TRAIN_OUT_DIR, 'model.onnx')],
    ["npm run stream's dead letters", join(LOCAL_DEAD_LETTER_DIRECTORY, '2026', 'letter.jsonl')],
    ["the local programs' bundles", join(relative(ROOT, LOCAL_OUTDIR), 'server.mjs')],
    ['npx cdk synth', join('cdk.out', 'RideDurationPrediction.template.json')],
    ['npm run bench', join('bench', 'results', 'http.json')],
    ['npm run sbom', join('.ci', 'out', 'sbom.cdx.json')],
    ["python, when the bench runs the course's peer", join('bench', 'peers', '__pycache__', 'predict.cpython-311.pyc')],
  ])('%s: %s is ignored', (_, path) => {
    expect(ignored(path)).toBe(true);
  });

  it('and a path git does not ignore is told apart', () => {
    expect(ignored('models/model.onnx')).toBe(false);
  });
});
