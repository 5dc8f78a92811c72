import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../../../lambda/config/index';
import { createHttpServer } from '../../../lambda/local/server';
import { contentVersion } from '../../../lambda/repository';
import { createRuntime, type Runtime } from '../../../lambda/services';
import { expectedValues, swapUnderLoad } from '../../support/hot-swap-load';
import { scaledDistanceModel } from '../../support/onnx-models';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

const RIDE = { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 };
const FIRST = scaledDistanceModel(2);
const SECOND = scaledDistanceModel(3);

describe('hot swap in the local server under load (MODEL_REFRESH_SECONDS=1, model on s3rver)', () => {
  let s3: LocalS3;
  let server: Server;
  let runtime: Runtime;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
    await s3.put('models', 'hot/model.onnx', FIRST);
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
    const config = loadConfig({ MODELS: 'duration=s3://models/hot/model.onnx', AWS_ENDPOINT_URL_S3: s3.endpoint, MODEL_REFRESH_SECONDS: '1', PORT: '0' });
    runtime = createRuntime(config, { logger: new Logger({ logLevel: 'SILENT' }) });
    server = createHttpServer(runtime.http, runtime.config.http);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  });
  afterAll(async () => {
    await runtime.refresh?.settled();
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await s3.close();
    process.env = saved;
  });

  it('serves the second model within seconds of its upload, refuses garbage, and fails no request of 16 connections', async () => {
    const warn = jest.spyOn(runtime.logger, 'warn');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
    const body = JSON.stringify(RIDE);
    const expected = await expectedValues([FIRST, SECOND], RIDE);

    const figures = await swapUnderLoad(
      {
        connections: 16,
        send: async () => {
          const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const text = await response.text();
          if (response.status !== 200) return new Error(`${response.status} ${text}`);
          const reply = JSON.parse(text) as { duration: number; model_version: string };
          return { version: reply.model_version, value: reply.duration };
        },
        upload: (bytes) => s3.put('models', 'hot/model.onnx', bytes),
        firstVersion: contentVersion(FIRST),
        second: SECOND,
        secondVersion: contentVersion(SECOND),
        refused: () => (runtime.refresh?.stats().refused ?? 0) > 0,
        afterRefusalMs: 2500,
      },
      expected,
    );
    console.log(`hot swap, local server, 16 connections: ${JSON.stringify(figures)}`);

    expect(figures.failures).toBe(0);
    expect(figures.mismatches).toBe(0);
    expect(figures.repliesByVersion[contentVersion(SECOND)]).toBeGreaterThan(0);
    expect(figures.repliesAfterRefusal).toBeGreaterThan(0);
    expect(figures.versionsAfterRefusal).toEqual([contentVersion(SECOND)]);
    expect(runtime.refresh?.stats()).toMatchObject({ swaps: 1, refused: 1 });
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/refused/),
      expect.objectContaining({ metric: 'ModelRefreshRefused', model: 'duration', servedVersion: contentVersion(SECOND) }),
    );
    // /health names the model now serving
    const health = (await (await fetch(url.replace('/predict', '/health'))).json()) as { models: { version: string }[] };
    expect(health.models[0]?.version).toBe(contentVersion(SECOND));
  }, 120_000);
});
