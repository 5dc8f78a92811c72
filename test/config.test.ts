import { DEFAULT_MODEL_PATH, loadConfig } from '../lambda/config';

describe('loadConfig', () => {
  it('defaults to the committed model and port 9696 on loopback', () => {
    const config = loadConfig({});

    expect(config.modelLocation).toEqual({ kind: 'file', path: DEFAULT_MODEL_PATH });
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 9696, maxBodyBytes: 1048576 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads MODEL_LOCATION as the course did', () => {
    expect(loadConfig({ MODEL_LOCATION: 's3://bucket/path/model.onnx' }).modelLocation).toEqual({ kind: 's3', bucket: 'bucket', key: 'path/model.onnx' });
  });

  it('accepts MODEL_BUCKET with MODEL_KEY', () => {
    expect(loadConfig({ MODEL_BUCKET: 'b', MODEL_KEY: 'k.onnx' }).modelLocation).toEqual({ kind: 's3', bucket: 'b', key: 'k.onnx' });
  });

  it('refuses MODEL_BUCKET without MODEL_KEY', () => {
    expect(() => loadConfig({ MODEL_BUCKET: 'b' })).toThrow('MODEL_BUCKET and MODEL_KEY must be set together');
  });

  it('takes MODEL_VERSION, else the course RUN_ID', () => {
    expect(loadConfig({ RUN_ID: 'abc' }).modelVersion).toBe('abc');
    expect(loadConfig({ RUN_ID: 'abc', MODEL_VERSION: 'v9' }).modelVersion).toBe('v9');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/^invalid environment: PORT/);
  });
});
