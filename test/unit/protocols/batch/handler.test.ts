import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';
import { expectedFilter, fixtureRows, readParquet, scratchDirectory, writeFixture } from '../../../support/trip-fixtures';

/**
 * The deployed entry point: lambda/handler.ts's `handler`, configured only through the
 * environment the CDK stack sets, scoring a month from and to a local S3 server.
 */
const BUCKET = 'batch-data';
const rows = fixtureRows(1_500);
const dir = scratchDirectory();
let s3: LocalS3;
let handler: (typeof import('../../../../lambda/handler'))['handler'];
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  const local = join(dir.path, 'green.parquet');
  await writeFixture(local, rows);
  await s3.put(BUCKET, 'trip-data/green_tripdata_2021-02.parquet', readFileSync(local));
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    MODEL_VERSION: 'handler-test-model',
    BATCH_INPUT_TEMPLATE: `s3://${BUCKET}/trip-data/{taxi_type}_tripdata_{year}-{month}.parquet`,
    BATCH_OUTPUT_TEMPLATE: `s3://${BUCKET}/predictions/taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  // Loaded after the environment is set: index.ts reads it once, at module load, as in Lambda.
  ({ handler } = require('../../../../lambda/handler') as typeof import('../../../../lambda/handler'));
});

afterAll(async () => {
  process.env = savedEnv;
  await s3.close();
  dir.remove();
});

it('scores an explicit month event through the exported handler into the templated S3 key', async () => {
  const summary = await handler({ taxi_type: 'green', year: 2021, month: 2 });

  const key = 'predictions/taxi_type=green/year=2021/month=02/handler-test-model.parquet';
  const object = await s3.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  const { rows: written } = await readParquet(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  expect(summary).toMatchObject({ output: `s3://${BUCKET}/${key}`, rows_read: rows.length, rows_scored: expectedFilter(rows).kept.length });
  expect(written).toHaveLength(expectedFilter(rows).kept.length);
});
