import fc from 'fast-check';
import { DEFAULT_MODEL_PATH, loadConfig } from '../../../lambda/config/index';

describe('loadConfig', () => {
  it('defaults to the shipped models (duration and cost) and port 9696 on loopback', () => {
    const config = loadConfig({});

    expect(config.models).toEqual([
      { name: 'duration', location: { kind: 'file', path: DEFAULT_MODEL_PATH } },
      { name: 'cost', location: { kind: 'file', path: DEFAULT_MODEL_PATH.replace(/model\.onnx$/, 'cost/model.onnx') } },
    ]);
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 9696, maxBodyBytes: 1048576 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads MODEL_LOCATION as the course did', () => {
    expect(loadConfig({ MODEL_LOCATION: 's3://bucket/path/model.onnx' }).models).toEqual([
      { name: 'duration', location: { kind: 's3', bucket: 'bucket', key: 'path/model.onnx' } },
    ]);
  });

  it('accepts MODEL_BUCKET with MODEL_KEY', () => {
    expect(loadConfig({ MODEL_BUCKET: 'b', MODEL_KEY: 'k.onnx' }).models).toEqual([{ name: 'duration', location: { kind: 's3', bucket: 'b', key: 'k.onnx' } }]);
  });

  it('refuses MODEL_BUCKET without MODEL_KEY', () => {
    expect(() => loadConfig({ MODEL_BUCKET: 'b' })).toThrow('MODEL_BUCKET and MODEL_KEY must be set together');
  });

  it('takes MODEL_VERSION, else the course RUN_ID, as the version of the one model', () => {
    expect(loadConfig({ RUN_ID: 'abc' }).models[0]?.versionOverride).toBe('abc');
    expect(loadConfig({ RUN_ID: 'abc', MODEL_VERSION: 'v9' }).models[0]?.versionOverride).toBe('v9');
  });

  it('reads MODELS as name=location pairs in order, the version override going to duration only', () => {
    const config = loadConfig({ MODELS: 'cost=s3://b/cost/model.onnx, duration=models/model.onnx,tip_2=s3://b/1/abc/artifacts/model', RUN_ID: 'r1' });

    expect(config.models).toEqual([
      { name: 'cost', location: { kind: 's3', bucket: 'b', key: 'cost/model.onnx' } },
      { name: 'duration', location: { kind: 'file', path: 'models/model.onnx' }, versionOverride: 'r1' },
      { name: 'tip_2', location: { kind: 's3', bucket: 'b', key: '1/abc/artifacts/model' } },
    ]);
  });

  it.each([
    ['a pair without =', 'duration=models/model.onnx,cost', "'cost'"],
    ['an upper-case name', 'Duration=models/model.onnx', "'Duration=models/model.onnx'"],
    ['an empty location', 'duration=', "'duration='"],
    ['a name given twice', 'a=x.onnx,a=y.onnx', "'a=y.onnx' repeats the name 'a'"],
    ['a bad s3 location', 'a=s3://bucket', "'a=s3://bucket'"],
  ])('stops start-up on %s, naming the bad pair', (_case, MODELS, named) => {
    expect(() => loadConfig({ MODELS })).toThrow(named);
  });

  it('refuses MODELS together with MODEL_LOCATION', () => {
    expect(() => loadConfig({ MODELS: 'a=x.onnx', MODEL_LOCATION: 'y.onnx' })).toThrow(/MODELS or MODEL_LOCATION/);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^invalid environment: PORT/);
  });

  it('serves partial model sets only when ALLOW_PARTIAL_MODELS says so (true, 1 or yes)', () => {
    expect(loadConfig({}).allowPartialModels).toBe(false);
    expect(loadConfig({ ALLOW_PARTIAL_MODELS: 'false' }).allowPartialModels).toBe(false);
    for (const on of ['true', 'TRUE', '1', 'yes']) expect(loadConfig({ ALLOW_PARTIAL_MODELS: on }).allowPartialModels).toBe(true);
  });

  it('turns hot swap on with MODEL_REFRESH_SECONDS and leaves it off when unset or empty', () => {
    expect(loadConfig({ MODEL_REFRESH_SECONDS: '60' }).modelRefreshSeconds).toBe(60);
    expect(loadConfig({ MODEL_REFRESH_SECONDS: ' 1 ' }).modelRefreshSeconds).toBe(1);
    expect(loadConfig({}).modelRefreshSeconds).toBeUndefined();
    expect(loadConfig({ MODEL_REFRESH_SECONDS: '' }).modelRefreshSeconds).toBeUndefined();
  });

  it('reads any MODEL_REFRESH_SECONDS as a positive whole number of seconds or refuses it naming the variable', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer({ min: -10, max: 100_000 }).map(String)), (value) => {
        let seconds: number | undefined;
        try {
          seconds = loadConfig({ MODEL_REFRESH_SECONDS: value }).modelRefreshSeconds;
        } catch (error) {
          return /^invalid environment: MODEL_REFRESH_SECONDS: /.test((error as Error).message);
        }
        return value.trim() === '' ? seconds === undefined : seconds === Number(value.trim()) && Number.isInteger(seconds) && seconds > 0;
      }),
    );
  });

  it.each(['0', '-5', '1.5', 'sixty', '60s', '1e3'])('refuses MODEL_REFRESH_SECONDS=%s, naming the variable and what it wants', (value) => {
    expect(() => loadConfig({ MODEL_REFRESH_SECONDS: value })).toThrow(
      /^invalid environment: MODEL_REFRESH_SECONDS: must be a whole number of seconds above 0/,
    );
  });
});
