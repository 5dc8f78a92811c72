import { BatchJobError } from '../../../../lambda/protocols/batch/errors';
import { parseBatchRequest, previousMonth, resolveBatchJob, type JobDefaults } from '../../../../lambda/protocols/batch/job';
import { isBatchRequest } from '../../../../lambda/protocols/batch/source';

const defaults: JobDefaults = {
  templates: {
    input: 's3://data/trip-data/{taxi_type}_tripdata_{year}-{month}.parquet',
    output: 's3://data/predictions/taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet',
  },
  scheduledTaxiType: 'green',
  runId: 'model-v1',
};

const scheduledEvent = (time: string) => ({
  version: '0',
  id: 'e1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/monthly-batch'],
  detail: {},
});

const resolve = (event: unknown) => resolveBatchJob(parseBatchRequest(event), defaults);

describe('batch requests', () => {
  it('fills both templates from a month request, with the model version as run_id', () => {
    const job = resolve({ taxi_type: 'green', year: 2021, month: 2 });

    expect(job).toMatchObject({
      input: { kind: 's3', bucket: 'data', key: 'trip-data/green_tripdata_2021-02.parquet' },
      output: { kind: 's3', bucket: 'data', key: 'predictions/taxi_type=green/year=2021/month=02/model-v1.parquet' },
      taxiType: 'green',
      year: 2021,
      month: 2,
      runId: 'model-v1',
    });
  });

  it('uses the run_id the request names', () => {
    expect(resolve({ taxi_type: 'yellow', year: 2022, month: 11, run_id: 'rerun-7' }).output).toEqual({
      kind: 's3',
      bucket: 'data',
      key: 'predictions/taxi_type=yellow/year=2022/month=11/rerun-7.parquet',
    });
  });

  it('scores the previous month for an EventBridge scheduled event (cron 0 3 2 * *)', () => {
    const job = resolve(scheduledEvent('2021-03-02T03:00:00Z'));

    expect(job).toMatchObject({ year: 2021, month: 2, taxiType: 'green', input: { key: 'trip-data/green_tripdata_2021-02.parquet' } });
  });

  it('scores December of the year before for a run in January', () => {
    expect(previousMonth(new Date('2022-01-02T03:00:00Z'))).toEqual({ year: 2021, month: 12 });
  });

  it('takes explicit locations and reads the month from a TLC file name', () => {
    const job = resolve({ input: 'data/green_tripdata_2021-01.parquet', output: 'out/scored.csv' });

    expect(job).toMatchObject({
      input: { kind: 'file', path: 'data/green_tripdata_2021-01.parquet' },
      outputFormat: 'csv',
      inputFormat: 'parquet',
      year: 2021,
      month: 1,
    });
  });

  it('asks for the month when the input name does not tell it', () => {
    expect(() => resolve({ input: 'data/trips.parquet', output: 'out.parquet' })).toThrow(/cannot tell which month/);
  });

  it.each([
    [{ taxi_type: 'blue', year: 2021, month: 2 }, /taxi_type/],
    [{ taxi_type: 'green', year: 2021, month: 13 }, /month/],
    [{ taxi_type: 'green', year: 2021, month: 2, run_id: '../escape' }, /run_id/],
    [{ input: 'a_2021-01.parquet', output: 'a_2021-01.parquet' }, /same location/],
    [{ input: 's3://bucket-only', output: 'out.parquet', year: 2021, month: 1 }, /s3:\/\/bucket\/key/],
  ])('rejects %o with a BatchJobError', (event, message) => {
    const act = () => resolve(event);

    expect(act).toThrow(BatchJobError);
    expect(act).toThrow(message);
  });

  it('tells batch requests from other events by their shape', () => {
    expect(isBatchRequest({ taxi_type: 'green', year: 2021, month: 2 })).toBe(true);
    expect(isBatchRequest({ input: 'a', output: 'b' })).toBe(true);
    expect(isBatchRequest(scheduledEvent('2021-03-02T03:00:00Z'))).toBe(true);
    expect(isBatchRequest({ version: '2.0', requestContext: {} })).toBe(false);
    expect(isBatchRequest({ Records: [] })).toBe(false);
    expect(isBatchRequest(null)).toBe(false);
  });

  it('range-checks the month of a file name and of a scheduled event like --month', () => {
    expect(() => resolve({ input: 'data/green_tripdata_0000-02.csv', output: 'out.csv' })).toThrow(/0000-02, outside 2009-01/);
    expect(() => resolve(scheduledEvent('1970-01-15T03:00:00Z'))).toThrow(/1969-12, outside 2009-01/);
    expect(() => resolve({ input: 'data/green_tripdata_0000-02.csv', output: 'out.csv' })).toThrow(BatchJobError);
  });

  it.each(['..', '.', 'a..b', '../x', 'a/b', ''])('refuses the run_id %p, which would go into output paths', (runId) => {
    expect(() => resolve({ taxi_type: 'green', year: 2021, month: 2, run_id: runId })).toThrow(BatchJobError);
  });

  it('refuses an output that names a folder: an S3 key or a path ending in /', () => {
    expect(() => resolve({ input: 's3://data/green_tripdata_2021-02.parquet', output: 's3://data/predictions/' })).toThrow(/names a folder/);
    expect(() => resolve({ input: 'data/green_tripdata_2021-02.parquet', output: 'output/' })).toThrow(/names a directory/);
  });
});
