import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { committedTrainLines, shownUnder } from '../support/doc-examples';
import { ROOT } from '../support/local-programs';

/**
 * The pages whose figures and names come from files rather than from running a program:
 * training.md's from the committed models, design.md's layout from the tree, operate.md's alarms
 * from the stack's code, reliability-security.md's failure codes from the batch job's errors.
 */
const page = (name: string) => readFileSync(join(ROOT, 'docs', name), 'utf8');
const source = (...path: string[]) => readFileSync(join(ROOT, ...path), 'utf8');

describe('docs/training.md', () => {
  const doc = page('training.md');
  const sidecar = (path: string) => JSON.parse(source('models', path)) as { train_rmse: number; validation_rmse: number };

  it('shows the lines npm run train prints for the committed models', () => {
    expect(shownUnder(doc, 'npm run train')).toEqual(committedTrainLines(ROOT));
  });

  it("gives each model's RMSEs and size as the committed files have them", () => {
    const { size: durationBytes } = statSync(join(ROOT, 'models', 'model.onnx'));
    const { size: costBytes } = statSync(join(ROOT, 'models', 'cost', 'model.onnx'));
    const duration = sidecar('model.json');
    const cost = sidecar('cost/model.json');

    expect(doc).toContain(`| ${duration.train_rmse.toFixed(2)} min | ${duration.validation_rmse.toFixed(2)} min | ${durationBytes.toLocaleString('en-US')} bytes |`);
    expect(doc).toContain(`| $${cost.train_rmse.toFixed(2)} | $${cost.validation_rmse.toFixed(2)} | ${costBytes.toLocaleString('en-US')} bytes |`);
  });
});

describe('docs/design.md', () => {
  const layout = /## Where things are\n\n```\n([\s\S]*?)```/.exec(page('design.md'))?.[1] ?? '';
  const listed = layout.split('\n').filter(Boolean).map((line) => line.split(/\s+/)[0] as string);

  it('lays out every directory of lambda/ and the top-level folders', () => {
    const directories = readdirSync(join(ROOT, 'lambda'), { withFileTypes: true }).filter((entry) => entry.isDirectory() && entry.name !== 'config').map((entry) => `lambda/${entry.name}/`);

    expect(listed).toEqual(expect.arrayContaining([...directories, 'lambda/config/', 'infra/', 'models/', 'test/', 'bench/']));
  });

  it('names only paths that exist', () => {
    expect(listed.filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });
});

describe('docs/operate.md', () => {
  it('names the rollback alarms the stack defines', () => {
    const named = [...page('operate.md').matchAll(/^\| `(\w+)` \| /gm)].map((match) => match[1] as string);

    expect(named).toEqual(['NewVersionErrors', 'NewVersionP99Duration', 'NewVersionPredictionErrors', 'NewVersionDeadLetters', 'Api5xx']);
    for (const alarm of named) expect(source('infra', 'rollout.ts')).toContain(`'${alarm}'`);
  });
});

describe('docs/reliability-security.md', () => {
  it('names only batch failure codes the batch job has', () => {
    const errors = source('lambda', 'protocols', 'batch', 'errors.ts');
    const named = new Set([...page('reliability-security.md').matchAll(/`(INVALID_BATCH_JOB|INVALID_TRIP_FILE|TRIP_FILE_NOT_FOUND|BATCH_OUTPUT_FAILED|[A-Z]+_(?:BATCH|TRIP)_[A-Z_]+)`/g)].map((match) => match[1] as string));

    expect(named.size).toBeGreaterThanOrEqual(4);
    for (const code of named) expect(errors).toContain(`'${code}'`);
  });
});
