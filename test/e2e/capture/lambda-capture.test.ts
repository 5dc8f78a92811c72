import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { CaptureRecord } from '../../../lambda/observability/capture';
import { COURSE_RIDE } from '../../support/fixtures';
import { apiGatewayEvent } from '../../support/http-events';
import { startFirehoseServer, type LocalFirehose } from '../../support/firehose-server';

type IndexModule = typeof import('../../../lambda/handler');
type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
type AfterInvocation = IndexModule['afterInvocation'];

const STREAM = 'ride-capture';

/** Loads lambda/handler.ts as a fresh Lambda container would, with the given environment. */
function coldStart(env: Record<string, string>): { handler: HttpHandler; afterInvocation: AfterInvocation } {
  Object.assign(process.env, env);
  let loaded: IndexModule | undefined;
  jest.isolateModules(() => {
    loaded = require('../../../lambda/handler') as IndexModule;
  });
  return { handler: (loaded as IndexModule).handler as HttpHandler, afterInvocation: (loaded as IndexModule).afterInvocation };
}

const event = (requestId: string) => {
  const e = apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) });
  return { ...e, requestContext: { ...e.requestContext, requestId } };
};

describe('capture in the Lambda handler (direct PutRecordBatch, sent after the reply)', () => {
  const saved = { ...process.env };
  let firehose: LocalFirehose;
  let handler: HttpHandler;
  let afterInvocation: AfterInvocation;

  beforeAll(async () => {
    firehose = await startFirehoseServer([STREAM]);
    ({ handler, afterInvocation } = coldStart({
      CAPTURE_LOCATION: `firehose://${STREAM}`,
      AWS_ENDPOINT_URL_FIREHOSE: firehose.endpoint,
      // no background timer, and a send after every invocation: only the work after a reply may have sent a record
      CAPTURE_FLUSH_INTERVAL_MS: '0',
      // generous for a cold SDK under jest; the stall test shows the bound holds
      CAPTURE_FLUSH_TIMEOUT_MS: '1000',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'LOCAL',
      AWS_SECRET_ACCESS_KEY: 'LOCAL',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    }));
  });
  afterAll(async () => {
    process.env = saved;
    await firehose.close();
  });
  const delivered = () => firehose.lines(STREAM).map((l) => JSON.parse(l) as CaptureRecord);

  it('answers while Firehose holds the capture call, and the record is there once the work after the reply is done', async () => {
    firehose.mode = 'hold';
    const result = await handler(event('req-ok'));
    const deliveredAtReply = delivered();
    firehose.release();
    await afterInvocation.idle();

    expect(result.statusCode).toBe(200);
    expect(deliveredAtReply).toEqual([]);
    const body = JSON.parse(result.body as string) as { duration: number; cost: number; model_versions: Record<string, string> };
    // Every served model's output, with the version that produced it (the default install: duration and cost).
    expect(delivered()).toEqual([
      expect.objectContaining({
        source: 'http',
        id: 'req-ok',
        inputs: COURSE_RIDE,
        outputs: { duration: { output: body.duration, version: body.model_versions.duration }, cost: { output: body.cost, version: body.model_versions.cost } },
      }),
    ]);
  });

  it('answers the same while Firehose is down, holds the record, and delivers it after the next invocation once Firehose is back', async () => {
    const healthy = JSON.parse((await handler(event('req-before'))).body as string) as unknown;
    firehose.mode = 'down';

    const whileDown = await handler(event('req-down'));
    await afterInvocation.idle();

    expect(whileDown.statusCode).toBe(200);
    expect(JSON.parse(whileDown.body as string)).toEqual(healthy);
    expect(delivered().map((r) => r.id)).not.toContain('req-down');
    firehose.mode = 'ok';
    await handler(event('req-after'));
    await afterInvocation.idle();
    expect(delivered().map((r) => r.id)).toEqual(expect.arrayContaining(['req-down', 'req-after']));
  });

  it('gives up the work after the reply at its flush bound while Firehose stalls, and the stalled record is delivered later', async () => {
    firehose.mode = 'stall';
    const result = await handler(event('req-stalled'));
    await afterInvocation.idle();

    expect(result.statusCode).toBe(200);
    // the work ended at the flush timeout (1 s) while the PutRecordBatch call (2 s SDK timeout) still waits
    expect(firehose.stalled()).toBe(1);
    firehose.mode = 'ok';
    // the stalled call ends at the SDK's request timeout; the record stays held and goes out after a later invocation
    for (let i = 0; i < 40 && !delivered().some((r) => r.id === 'req-stalled'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      await handler(event(`req-later-${i}`));
      await afterInvocation.idle();
    }
    expect(delivered().map((r) => r.id)).toContain('req-stalled');
  });
});
