import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { contentVersion } from '../../lambda/repository';
import { expectedValues, swapUnderLoad } from '../support/hot-swap-load';
import { apiGatewayEvent } from '../support/http-events';
import { scaledDistanceModel } from '../support/onnx-models';
import { startS3Server, type LocalS3 } from '../support/s3-server';

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const RIDE = { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 };
const FIRST = scaledDistanceModel(2);
const SECOND = scaledDistanceModel(3);

/**
 * The exported handler in one warm process (a Lambda container), invoked one event at a time as
 * Lambda does, with MODEL_REFRESH_SECONDS=1 and its model on s3rver: the check starts on an
 * invocation after the interval and finishes in the background, during later invocations.
 */
describe('hot swap in a warm Lambda container', () => {
  let s3: LocalS3;
  const saved = { ...process.env };
  const logged: string[] = [];
  let spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('models');
    await s3.put('models', 'live/model.onnx', FIRST);
    // The runtime logs through Powertools, which writes JSON lines to the process streams.
    spies = [process.stdout, process.stderr].map((stream) =>
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        logged.push(String(chunk));
        return true;
      }),
    );
  });
  afterAll(async () => {
    for (const spy of spies) spy.mockRestore();
    process.env = saved;
    await s3.close();
  });

  it('answers every invocation, switches to the second model, refuses garbage and keeps the second model', async () => {
    Object.assign(process.env, {
      MODEL_LOCATION: 's3://models/live/model.onnx',
      MODEL_REFRESH_SECONDS: '1',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    });
    let handler: HttpHandler | undefined;
    jest.isolateModules(() => {
      handler = (require('../../lambda/handler') as typeof import('../../lambda/handler')).handler as HttpHandler;
    });
    const invoke = handler as HttpHandler;
    const expected = await expectedValues([FIRST, SECOND], RIDE);

    const figures = await swapUnderLoad(
      {
        connections: 1, // a Lambda environment runs one invocation at a time
        send: async () => {
          const result = await invoke(apiGatewayEvent({ body: JSON.stringify(RIDE) }));
          if (result.statusCode !== 200) return new Error(`${result.statusCode} ${result.body}`);
          const reply = JSON.parse(result.body as string) as { duration: number; model_version: string };
          // Between invocations the environment may be frozen; here the next event comes after a turn of the loop.
          await new Promise((resolve) => setImmediate(resolve));
          return { version: reply.model_version, value: reply.duration };
        },
        upload: (bytes) => s3.put('models', 'live/model.onnx', bytes),
        firstVersion: contentVersion(FIRST),
        second: SECOND,
        secondVersion: contentVersion(SECOND),
        refused: () => logged.some((line) => line.includes('ModelRefreshRefused')),
        afterRefusalMs: 2500,
      },
      expected,
    );
    for (const spy of spies) spy.mockRestore();
    console.log(`hot swap, Lambda handler, sequential invocations: ${JSON.stringify(figures)}`);

    expect(figures.failures).toBe(0);
    expect(figures.mismatches).toBe(0);
    expect(figures.repliesByVersion[contentVersion(SECOND)]).toBeGreaterThan(0);
    expect(figures.repliesAfterRefusal).toBeGreaterThan(0);
    expect(figures.versionsAfterRefusal).toEqual([contentVersion(SECOND)]);
    const lines = logged.filter((line) => line.includes('ModelRefreshRefused')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const refusals = lines.filter((line) => line.message === 'model refresh refused; the served model stays');
    expect(refusals).toHaveLength(1); // the unchanged garbage is not tried again
    // ... and counted: the invocation's EMF carries ModelRefreshRefused
    expect(lines.filter((line) => '_aws' in line).map((line) => line.ModelRefreshRefused)).toEqual([1]);
    expect(refusals[0]).toMatchObject({ model: 'duration', servedVersion: contentVersion(SECOND), code: 'INVALID_MODEL' });
  }, 120_000);
});
