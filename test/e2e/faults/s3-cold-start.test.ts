import { Logger } from '@aws-lambda-powertools/logger';
import { handleHttpRequest } from '../../../lambda/protocols/http/http-handler';
import { loadConfig } from '../../../lambda/config/index';
import { createRuntime, type Runtime } from '../../../lambda/services';
import { RETRY_TRANSIENT_MS } from '../../../lambda/repository';
import { COURSE_RIDE, defaultModelBytes } from '../../support/fixtures';
import { freePort, startBlackHole } from '../../support/loopback';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

const silent = () => new Logger({ logLevel: 'SILENT' });
const predict = (runtime: Runtime) =>
  handleHttpRequest({ method: 'POST', path: '/predict', headers: {}, body: Buffer.from(JSON.stringify(COURSE_RIDE)) }, runtime.http);

function runtimeFor(endpoint: string, key = 'model.onnx', extra: Record<string, string> = {}, now?: () => number): Runtime {
  return createRuntime(
    loadConfig({
      MODEL_LOCATION: `s3://models/${key}`,
      AWS_ENDPOINT_URL_S3: endpoint,
      S3_MAX_ATTEMPTS: '2',
      S3_REQUEST_TIMEOUT_MS: '300',
      S3_CONNECTION_TIMEOUT_MS: '300',
      ...extra,
    }),
    { logger: silent(), ...(now ? { now } : {}) },
  );
}

describe('the model store when S3 misbehaves at cold start', () => {
  const saved = { ...process.env };
  beforeAll(() => Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' }));
  afterAll(() => {
    process.env = saved;
  });

  it('answers 503 while S3 is unreachable and serves once it is back (and the retry back-off has passed)', async () => {
    const port = await freePort();
    let clock = 0;
    const runtime = runtimeFor(`http://127.0.0.1:${port}`, 'model.onnx', {}, () => clock);

    const down = await predict(runtime);
    const s3: LocalS3 = await startS3Server(port);
    try {
      await s3.createBucket('models');
      await s3.put('models', 'model.onnx', defaultModelBytes());
      const tooSoon = await predict(runtime);
      clock += RETRY_TRANSIENT_MS;
      const up = await predict(runtime);

      expect(down.statusCode).toBe(503);
      expect(down.headers['retry-after']).toBe(String(RETRY_TRANSIENT_MS / 1000));
      expect(JSON.parse(down.body)).toEqual({ error: "model 'duration' not available, retry shortly", code: 'MODEL_LOAD_FAILED', model: 'duration' });
      expect(tooSoon.statusCode).toBe(503);
      expect(up.statusCode).toBe(200);
    } finally {
      await s3.close();
    }
  });

  it('gives up on a stalled S3 after the configured attempts, with a 503', async () => {
    const stalled = await startBlackHole();
    try {
      const runtime = runtimeFor(stalled.endpoint);

      const response = await predict(runtime);

      expect(response.statusCode).toBe(503);
      // The cold-start load and this request share one load: S3_MAX_ATTEMPTS connections for each
      // object it reads (the model and its sidecar, fetched concurrently), no more.
      expect(stalled.connections()).toBe(4);
    } finally {
      await stalled.close();
    }
  });

  it('rejects a model replaced by garbage while a loaded container keeps serving the old one', async () => {
    const s3 = await startS3Server();
    try {
      await s3.createBucket('models');
      await s3.put('models', 'model.onnx', defaultModelBytes());
      const warm = runtimeFor(s3.endpoint);
      const before = JSON.parse((await predict(warm)).body) as { model_version: string };

      await s3.put('models', 'model.onnx', 'garbage, not ONNX');
      const cold = runtimeFor(s3.endpoint);
      const coldResponse = await predict(cold);
      const warmResponse = await predict(warm);

      expect(coldResponse.statusCode).toBe(503);
      expect(warmResponse.statusCode).toBe(200);
      expect((JSON.parse(warmResponse.body) as { model_version: string }).model_version).toBe(before.model_version);
    } finally {
      await s3.close();
    }
  });
});
