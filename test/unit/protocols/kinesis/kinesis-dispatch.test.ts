import type { KinesisStreamEvent } from 'aws-lambda';
import { COURSE_EVENT_RIDE, COURSE_KINESIS_EVENT } from '../../../support/events';
import { batchOf, defaultModels, predictDurations, shippedModels } from '../../../support/fixtures';

type Handler = (event: KinesisStreamEvent) => Promise<unknown>;

/** Loads lambda/handler.ts as Lambda would, with the course's test-run environment. */
function loadHandlerWith(env: Record<string, string>): Handler {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      handler = (require('../../../../lambda/handler') as { handler: Handler }).handler;
    });
    return handler as Handler;
  } finally {
    process.env = saved;
  }
}

describe('the Lambda handler', () => {
  it("sends Kinesis events to the stream adapter and answers the course's test event with its predictions", async () => {
    const handler = loadHandlerWith({ TEST_RUN: 'True', RUN_ID: 'Test123', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
    const [expected] = await predictDurations(await defaultModels(), [COURSE_EVENT_RIDE]);
    const shipped = await (await shippedModels()).predict(batchOf([COURSE_EVENT_RIDE]));
    const [expectedCost] = shipped.outputs.cost ?? [];

    const response = await handler(COURSE_KINESIS_EVENT);

    // The default install serves duration and cost; RUN_ID names the primary (duration) model only.
    expect(response).toEqual({
      predictions: [
        {
          model: 'ride_duration_prediction_model',
          version: 'Test123',
          prediction: { ride_duration: expected, ride_cost: expectedCost, ride_id: 256 },
          versions: { duration: 'Test123', cost: shipped.versions.cost },
        },
      ],
    });
  });

  it('answers an event with no records as an empty Kinesis batch, not as an unsupported event', async () => {
    const handler = loadHandlerWith({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'us-east-1' });

    await expect(handler({ Records: [] })).resolves.toEqual({ batchItemFailures: [] });
  });

  it('still refuses records that name another event source', async () => {
    const handler = loadHandlerWith({ POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', AWS_REGION: 'us-east-1' });

    await expect(handler({ Records: [{ eventSource: 'aws:sqs' }] } as never)).rejects.toThrow(/unsupported event/);
  });
});
