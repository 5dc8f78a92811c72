import { loadConfig } from '../../../../lambda/config/index';

describe('capture settings from the environment', () => {
  it('leaves capture off when CAPTURE_LOCATION is not set, with a sample rate of 1', () => {
    const { capture } = loadConfig({});

    expect(capture.location).toBeUndefined();
    expect(capture.sampleRate).toBe(1);
  });

  it('reads a directory or a firehose:// delivery stream, the sample rate and the endpoint', () => {
    expect(loadConfig({ CAPTURE_LOCATION: './capture' }).capture.location).toEqual({ kind: 'file', path: `${process.cwd()}/capture` });
    const { capture } = loadConfig({
      CAPTURE_LOCATION: 'firehose://ride-capture',
      CAPTURE_SAMPLE_RATE: '0.25',
      AWS_ENDPOINT_URL_FIREHOSE: 'http://127.0.0.1:1',
    });
    expect(capture).toMatchObject({ location: { kind: 'firehose', streamName: 'ride-capture' }, sampleRate: 0.25, firehoseEndpoint: 'http://127.0.0.1:1' });
  });

  it.each([['1.5'], ['-0.1'], ['half']])('refuses CAPTURE_SAMPLE_RATE=%s, naming the variable', (rate) => {
    expect(() => loadConfig({ CAPTURE_SAMPLE_RATE: rate })).toThrow(/CAPTURE_SAMPLE_RATE/);
  });

  it.each([
    ['CAPTURE_MAX_HELD_RECORDS', '1000001'],
    ['CAPTURE_MAX_HELD_BYTES', String(256 * 1024 * 1024 + 1)],
    ['CAPTURE_FLUSH_INTERVAL_MS', '3600001'],
    ['CAPTURE_FLUSH_TIMEOUT_MS', '60001'],
    ['CAPTURE_BATCH_ROWS_PER_CHUNK', '100001'],
    ['CAPTURE_FILE_MAX_BYTES', String(256 * 1024 * 1024 + 1)],
    ['CAPTURE_FILE_MAX_SECONDS', '86401'],
  ])('refuses %s above its upper limit, naming the variable (files and buffers stay bounded)', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid environment: ${name}: `));
  });

  it('refuses a firehose:// location without a valid stream name', () => {
    expect(() => loadConfig({ CAPTURE_LOCATION: 'firehose://bad name' })).toThrow(/CAPTURE_LOCATION/);
  });
});
