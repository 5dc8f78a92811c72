import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { handleApiGatewayEvent, type HttpDeps } from '../../lambda/protocols/http/http-handler';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { createServedModel } from '../../lambda/model/served-model';
import { createModelSet } from '../../lambda/model/model-set';
import type { BenchContext, Section } from '../section';
import { fmt, fmtSummary, sampleMicros, summarize } from '../stats';
import { COURSE_RIDE } from '../rides';
import { testDataplane } from '../../test/support/dataplane';
import { RIDE_FEATURES } from '../../lambda/rides/features';

/** An API Gateway HTTP API (payload 2.0) event as Lambda receives it for `POST /predict`. */
export function predictEvent(body: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/predict',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'content-length': String(body.length), host: 'abc123.execute-api.us-east-1.amazonaws.com' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method: 'POST', path: '/predict', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: '27/Nov/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    body,
    isBase64Encoded: false,
  };
}

/** `handleApiGatewayEvent` per request: what one warm Lambda invocation costs in our code. */
export async function run(context: BenchContext): Promise<Section> {
  const model = await OnnxModel.fromBytes(new Uint8Array(readFileSync(join(context.root, 'models', 'model.onnx'))));
  const service = createModelSet([createServedModel({ name: 'duration', version: 'bench', runner: model, preprocessing: RIDE_FEATURES, source: 'bench' })]);
  const deps: HttpDeps = {
    getModels: () => Promise.resolve(service),
    dataplane: testDataplane(),
    maxBodyBytes: 1024 * 1024,
    maxRidesPerRequest: 10_000,
    onUnexpectedError: (error) => context.log(`unexpected: ${String(error)}`),
  };
  const event = predictEvent(JSON.stringify(COURSE_RIDE));
  const first = await handleApiGatewayEvent(event, deps);
  if (first.statusCode !== 200) throw new Error(`handler answered ${first.statusCode}: ${first.body}`);
  const samples = context.smoke ? 3 : 200;
  await sampleMicros(() => handleApiGatewayEvent(event, deps), 1, context.smoke ? 100 : 5000);
  const perRequest = summarize(await sampleMicros(() => handleApiGatewayEvent(event, deps), samples, context.smoke ? 50 : 500));
  return {
    id: 'api-handler',
    title: 'API handler (in process)',
    method:
      "One `handleApiGatewayEvent` call per request on a payload-2.0 `POST /predict` event with the course's ride: routing, " +
      `body decode, JSON parse, validation, model call, reply. Median sample (min–max) over ${samples} samples, each a loop after a warm-up.`,
    tables: [{ columns: ['per request', 'requests/s (one core, sequential)'], rows: [[`${fmtSummary(perRequest)} µs`, fmt(1e6 / perRequest.median)]] }],
    notes: [],
    targets: [],
    commands: ['npm run bench -- --only api-handler'],
    data: { perRequest },
  };
}
