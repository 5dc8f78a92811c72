import type { KinesisStreamEvent } from 'aws-lambda';
import { COURSE_EVENT_RIDE, COURSE_KINESIS_EVENT } from '../support/events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSidecar } from '../../lambda/models/sidecar';
import { defaultModels, predictDurations, servedModel } from '../support/fixtures';

type Handler = (event: KinesisStreamEvent) => Promise<unknown>;

/** Loads lambda/index.ts as Lambda would, with the course's test-run environment. */
function loadHandlerWith(env: Record<string, string>): Handler {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let handler: Handler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require('../../lambda/index') as { handler: Handler }).handler;
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
    const costPath = resolve(__dirname, '../../models/cost/model.onnx');
    const costSidecar = parseSidecar(readFileSync(costPath.replace(/\.onnx$/, '.json'), 'utf8'), 'models/cost/model.json');
    const cost = await servedModel('cost', new Uint8Array(readFileSync(costPath)), costSidecar.model_version as string, costSidecar);
    const [expectedCost] = await cost.predict({ length: 1, columns: { PULocationID: Float64Array.of(COURSE_EVENT_RIDE.PULocationID), DOLocationID: Float64Array.of(COURSE_EVENT_RIDE.DOLocationID), trip_distance: Float64Array.of(COURSE_EVENT_RIDE.trip_distance) } });

    const response = await handler(COURSE_KINESIS_EVENT);

    // The default install serves duration and cost; RUN_ID names the primary (duration) model only.
    expect(response).toEqual({
      predictions: [
        {
          model: 'ride_duration_prediction_model',
          version: 'Test123',
          prediction: { ride_duration: expected, ride_cost: expectedCost, ride_id: 256 },
          versions: { duration: 'Test123', cost: costSidecar.model_version },
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
