import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { parseModelPairs, TAXI_TYPES } from '../../lambda/contract';
import { modelSourceOf, uploadedLocationKey, type ProjectModelSource } from '../../infra/model-sources';
import { idOf } from '../support/cdk-app';
import { foreignObject, nagReportOf, objectsOf, readStatementsOf, stackSynthesizer } from '../support/synthesized-stack';

const synthesizer = stackSynthesizer();
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'models-test-'));
});

afterAll(() => {
  synthesizer.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

/** Writes `files` (name → content) into a fresh directory under the scratch directory. */
function directory(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

describe('the MODELS syntax (lambda/contract.ts)', () => {
  it('reads name=location pairs in order, trimming spaces', () => {
    expect(parseModelPairs(' duration=models/model.onnx , cost=s3://b/cost.onnx', 'MODELS')).toEqual([
      { name: 'duration', location: 'models/model.onnx' },
      { name: 'cost', location: 's3://b/cost.onnx' },
    ]);
  });

  it('names the variable and the bad pair when a pair is malformed, a name is invalid or given twice', () => {
    expect(() => parseModelPairs('duration', 'MODELS')).toThrow("MODELS: 'duration' is not name=location");
    expect(() => parseModelPairs('Duration=m.onnx', 'MODELS')).toThrow(
      "MODELS: model name 'Duration' in 'Duration=m.onnx' must be lower-case letters, digits or _",
    );
    expect(() => parseModelPairs('a=x.onnx,a=y.onnx', 'shadowModels')).toThrow("shadowModels: 'a=y.onnx' repeats the name 'a'");
    expect(() => parseModelPairs(' , ', 'MODELS')).toThrow('MODELS: names no model');
  });

  it('either parses a generated value into valid names or throws naming the variable, never anything else', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (text) => {
        try {
          for (const { name, location } of parseModelPairs(text, 'MODELS')) {
            expect(name).toMatch(/^[a-z0-9_]+$/);
            expect(location.length).toBeGreaterThan(0);
          }
        } catch (error) {
          expect((error as Error).message).toMatch(/^MODELS: /);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('a model location', () => {
  it('gets a key from its content: the same bytes the same key, one changed byte (model or sidecar) a new key', () => {
    const dir = directory('hashing', { 'model.onnx': 'onnx bytes', 'model.json': '{"model_version":"1"}' });
    const keyOf = () => uploadedLocationKey(modelSourceOf({ name: 'duration', location: join(dir, 'model.onnx') }) as ProjectModelSource);
    const first = keyOf();
    expect(first).toMatch(/^models\/duration\/[0-9a-f]{16}\/model\.onnx$/);
    expect(keyOf()).toBe(first);
    writeFileSync(join(dir, 'model.json'), '{"model_version":"2"}');
    const sidecarChanged = keyOf();
    expect(sidecarChanged).not.toBe(first);
    writeFileSync(join(dir, 'model.onnx'), 'onnx bytez');
    expect(keyOf()).not.toBe(sidecarChanged);
  });

  it('is an S3 object when it ends in .onnx, else an MLflow prefix', () => {
    expect(modelSourceOf({ name: 'a', location: 's3://b/x/model.onnx' })).toEqual({ kind: 's3-object', name: 'a', bucket: 'b', key: 'x/model.onnx' });
    expect(modelSourceOf({ name: 'a', location: 's3://b/1/run/artifacts/model/' })).toEqual({
      kind: 's3-prefix',
      name: 'a',
      bucket: 'b',
      prefix: '1/run/artifacts/model',
    });
  });

  it('is refused, naming the model, when a project path is missing, a directory has no MLmodel, or an s3:// location has no key', () => {
    expect(() => modelSourceOf({ name: 'cost', location: join(scratch, 'nowhere.onnx') })).toThrow(/model 'cost': .*nowhere\.onnx does not exist/);
    const notMlflow = directory('not-mlflow', { 'model.onnx': 'x' });
    expect(() => modelSourceOf({ name: 'cost', location: notMlflow })).toThrow("model 'cost': " + notMlflow + ' is a directory without an MLmodel file');
    expect(() => modelSourceOf({ name: 'cost', location: 's3://bucket-only' })).toThrow(/model 'cost': 's3:\/\/bucket-only' must be/);
  });
});

describe('the stack with several models', () => {
  it('serves models from context in order, uploading project files and MLflow directories, reading S3 objects and prefixes in place', () => {
    const file = join(directory('file', { 'model.onnx': 'duration bytes', 'model.json': '{}' }), 'model.onnx');
    const mlflow = directory('mlflow', { MLmodel: 'flavors:\n  onnx:\n    data: model.onnx\nrun_id: abc\n', 'model.onnx': 'mlflow bytes' });
    const { stack, template } = synthesizer.synthesize({
      models: [`duration=${file}`, `cost=${mlflow}`, 'tips=s3://other/tips.onnx', 'eta=s3://mlflow-artifacts/1/abc/artifacts/model'],
    });
    const model = idOf(stack.buckets.model);
    expect(stack.models.models.map((m) => [m.name, m.source.kind])).toEqual([
      ['duration', 'project-file'],
      ['cost', 'project-directory'],
      ['tips', 's3-object'],
      ['eta', 's3-prefix'],
    ]);
    const [, costKey] = stack.models.models.map((m) => m.location.split('/').slice(3).join('/'));
    expect(costKey).toMatch(/^models\/cost\/[0-9a-f]{16}$/);
    expect(stack.models.uploads.map((u) => u.key.split('/').slice(-1)[0]).sort()).toEqual(['MLmodel', 'model.json', 'model.onnx', 'model.onnx']);
    template.resourceCountIs('Custom::CDKBucketDeployment', 2);
    // Statement by statement: the uploaded models' content-addressed keys, the object and its sidecar, the MLflow prefix.
    const reads = [
      foreignObject('mlflow-artifacts/1/abc/artifacts/model/*'),
      foreignObject('other/tips.json'),
      foreignObject('other/tips.onnx'),
      objectsOf(model, '/models/cost/*'),
      objectsOf(model, '/models/duration/*'),
    ];
    expect(readStatementsOf(template, stack.predict.role)).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: reads }]);
    const batchReads = readStatementsOf(template, stack.batch.role) as Array<{ Resource: unknown[] }>;
    expect(batchReads).toHaveLength(1);
    expect(batchReads[0]?.Resource).toEqual(expect.arrayContaining(reads));
    expect(batchReads[0]?.Resource).toHaveLength(reads.length + 1); // + trip-data/*
    expect(nagReportOf(stackSynthesizerOutdir(stack)).map((r) => [r.conclusion, r.violations])).toEqual([['success', []]]);
  });

  it('accepts the list in cdk.json as an object of name: location, and hot swap of those keys without a warning', () => {
    const { stack } = synthesizer.synthesize({ models: { duration: 's3://b/d.onnx', cost: 's3://b/c.onnx' }, modelRefreshSeconds: 60 });
    expect(stack.models.modelsVariable).toBe('duration=s3://b/d.onnx,cost=s3://b/c.onnx');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  it('refuses to write project models into an existing bucket unless asked to', () => {
    const file = join(directory('existing', { 'model.onnx': 'bytes' }), 'model.onnx');
    expect(() => synthesizer.synthesize({ modelBucketName: 'theirs', models: `duration=${file}` })).toThrow(
      /models 'duration' .* are project files the stack would upload into theirs; give s3:\/\/ locations, or allow the upload with -c uploadDefaultModel=true/,
    );
    const { template } = synthesizer.synthesize({ modelBucketName: 'theirs', models: `duration=${file}`, uploadDefaultModel: 'true' });
    template.hasResourceProperties('Custom::CDKBucketDeployment', { DestinationBucketName: 'theirs' });
  });

  it('refuses a bad models value and a taxi type the batch job cannot read, naming the key', () => {
    expect(() => synthesizer.synthesize({ models: 'Duration=x.onnx' })).toThrow(/invalid context models: models: model name 'Duration'/);
    for (const taxiType of ['fhv', 'fhvhv']) expect(() => synthesizer.synthesize({ batchTaxiType: taxiType })).toThrow(/invalid context batchTaxiType/);
    for (const taxiType of TAXI_TYPES) expect(() => synthesizer.synthesize({ batchTaxiType: taxiType, models: 'duration=s3://b/d.onnx' })).not.toThrow();
  });
});

/** The cloud assembly directory a synthesized stack's app wrote. */
function stackSynthesizerOutdir(stack: { node: { root: unknown } }): string {
  return (stack.node.root as { outdir: string }).outdir;
}
