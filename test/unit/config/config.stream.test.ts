import { loadConfig } from '../../../lambda/config/index';

describe('loadConfig: stream settings', () => {
  it("defaults to the course's predictions stream, no test run, and no dead-letter location", () => {
    const { stream } = loadConfig({});
    expect(stream).toMatchObject({
      predictionsStreamName: 'ride_predictions',
      rideEventsStreamName: 'ride_events',
      testRun: false,
      localKinesisPort: 4567,
      localBatchSize: 100,
    });
    expect(stream.kinesisEndpoint).toBeUndefined();
    expect(stream.deadLetterLocation).toBeUndefined();
  });

  it("reads the course's KINESIS_ENDPOINT_URL as an alias, with the SDK's AWS_ENDPOINT_URL_KINESIS winning", () => {
    expect(loadConfig({ KINESIS_ENDPOINT_URL: 'http://127.0.0.1:4566' }).stream.kinesisEndpoint).toBe('http://127.0.0.1:4566');
    expect(loadConfig({ KINESIS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_KINESIS: 'http://b:2' }).stream.kinesisEndpoint).toBe('http://b:2');
  });

  it.each([
    ['True', true],
    ['true', true],
    ['False', false],
    ['', false],
  ])('reads TEST_RUN=%j as %s', (value, expected) => {
    expect(loadConfig({ TEST_RUN: value }).stream.testRun).toBe(expected);
  });

  it('parses DEAD_LETTER_LOCATION as an S3 prefix', () => {
    expect(loadConfig({ DEAD_LETTER_LOCATION: 's3://ops/dead-letters/' }).stream.deadLetterLocation).toEqual({
      kind: 's3',
      bucket: 'ops',
      key: 'dead-letters/',
    });
  });
});
