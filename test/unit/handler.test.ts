import { createHash } from 'node:crypto';
import { COURSE_RIDE, defaultModelBytes } from '../support/fixtures';
import { apiGatewayEvent } from '../support/http-events';
import { startS3Server, type LocalS3 } from '../support/s3-server';
import { RETRY_PERMANENT_MS } from '../../lambda/repository';

import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type IndexModule = typeof import('../../lambda/handler');
type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/** Loads lambda/handler.ts as a fresh Lambda container would, with the given environment. */
function coldStart(env: Record<string, string>): { handler: HttpHandler; modelsSettled: Promise<void> } {
  Object.assign(process.env, env);
  let loaded: IndexModule | undefined;
  jest.isolateModules(() => {
    loaded = require('../../lambda/handler') as IndexModule;
  });
  return { handler: (loaded as IndexModule).handler as HttpHandler, modelsSettled: (loaded as IndexModule).modelsSettled };
}

describe('the Lambda handler for API Gateway events', () => {
  let s3: LocalS3;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
  });
  afterAll(async () => {
    process.env = saved;
    await s3.close();
  });

  const envFor = (key: string) => ({
    MODEL_LOCATION: `s3://models/${key}`,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });

  it('pulls the model from S3 on cold start and answers the course request', async () => {
    await s3.put('models', 'v1/model.onnx', defaultModelBytes());
    const { handler } = coldStart(envFor('v1/model.onnx'));

    const result = await handler(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }));

    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body as string) as { duration: number; model_version: string };
    // The same version the file has on disk: a content hash, never the S3 ETag.
    expect(body.model_version).toBe(createHash('sha256').update(defaultModelBytes()).digest('hex').slice(0, 12));
    expect(body.duration).toBeGreaterThan(0);
  });

  it('answers 503 while the model object is missing and recovers once it is uploaded (at the next retry, not per request)', async () => {
    // Only the monotonic clock the model cache's back-off reads is moved by hand; timers stay real.
    jest.useFakeTimers({
      doNotFake: [
        'Date',
        'hrtime',
        'nextTick',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    try {
      const { handler } = coldStart(envFor('v2/model.onnx'));

      const before = await handler(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }));
      await s3.put('models', 'v2/model.onnx', defaultModelBytes());
      const tooSoon = await handler(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }));
      jest.advanceTimersByTime(RETRY_PERMANENT_MS);
      const after = await handler(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }));

      expect(before.statusCode).toBe(503);
      expect(JSON.parse(before.body as string)).toMatchObject({ code: 'MODEL_UNAVAILABLE', model: 'duration' });
      expect(tooSoon.statusCode).toBe(503);
      expect(after.statusCode).toBe(200);
    } finally {
      jest.useRealTimers();
    }
  });

  it('finishes init when one model cannot load, and keeps serving the others', async () => {
    await s3.put('models', 'v1/model.onnx', defaultModelBytes());
    const { handler, modelsSettled } = coldStart({
      ...envFor('unused'),
      MODEL_LOCATION: '',
      MODELS: 'duration=s3://models/v1/model.onnx,cost=s3://models/absent/model.onnx',
    });

    await expect(modelsSettled).resolves.toBeUndefined();
    const one = await handler(apiGatewayEvent({ path: '/predict/duration', body: JSON.stringify(COURSE_RIDE) }));
    const all = await handler(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }));
    const health = await handler(apiGatewayEvent({ method: 'GET', path: '/health' }));

    expect(one.statusCode).toBe(200);
    expect(all.statusCode).toBe(503);
    expect(JSON.parse(all.body as string)).toMatchObject({ code: 'MODEL_UNAVAILABLE', model: 'cost' });
    expect(health.statusCode).toBe(503);
    expect(JSON.parse(health.body as string).models).toEqual([
      expect.objectContaining({ name: 'duration', state: 'loaded' }),
      expect.objectContaining({ name: 'cost', state: 'failed', code: 'MODEL_NOT_FOUND' }),
    ]);
    process.env.MODELS = '';
  });

  it('rejects an event of no known shape', async () => {
    await s3.put('models', 'v1/model.onnx', defaultModelBytes());
    const { handler } = coldStart(envFor('v1/model.onnx'));
    await handler(apiGatewayEvent({ method: 'GET', path: '/health' })); // let the cold-start load settle

    await expect(handler({ hello: 'world' } as never)).rejects.toThrow(/unsupported event/);
  });
});
