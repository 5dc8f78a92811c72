import { handleApiGatewayEvent, handleHttpRequest, type HttpDeps } from '../../../../lambda/protocols/http/http-handler';
import { ModelLoadError } from '../../../../lambda/serving/errors';
import type { ModelSet } from '../../../../lambda/model/model-set';
import { COURSE_RIDE, defaultModels, predictDurations } from '../../../support/fixtures';
import { apiGatewayEvent } from '../../../support/http-events';
import { testDataplane } from '../../../support/dataplane';

function deps(getModels: () => Promise<ModelSet>, overrides: Partial<HttpDeps> = {}): HttpDeps & { unexpected: unknown[] } {
  const unexpected: unknown[] = [];
  return {
    getModels,
    dataplane: testDataplane(),
    maxBodyBytes: 1024,
    maxRidesPerRequest: 5,
    onUnexpectedError: (e) => unexpected.push(e),
    unexpected,
    ...overrides,
  };
}

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  method: 'POST',
  path: '/predict',
  headers,
  body: Buffer.from(body),
});

describe('handleHttpRequest', () => {
  let service: ModelSet;
  beforeAll(async () => {
    service = await defaultModels('v-test');
  });

  it('answers the course request with a duration and the model version', async () => {
    const response = await handleHttpRequest(
      post(JSON.stringify(COURSE_RIDE)),
      deps(async () => service),
    );

    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const [expected] = await predictDurations(service, [COURSE_RIDE]);
    expect(JSON.parse(response.body)).toEqual({ duration: expected, model_version: 'v-test', model_versions: { duration: 'v-test' } });
  });

  it('answers an array with an array in the same order', async () => {
    const rides = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }];

    const response = await handleHttpRequest(
      post(JSON.stringify(rides)),
      deps(async () => service),
    );

    const expected = await predictDurations(service, rides);
    expect(JSON.parse(response.body)).toEqual(expected.map((duration) => ({ duration, model_version: 'v-test', model_versions: { duration: 'v-test' } })));
  });

  it.each([
    ['malformed JSON', 400, post('{"PULocationID": 10,'), { error: 'body is not valid JSON', code: 'INVALID_JSON' }],
    [
      'an invalid ride',
      400,
      post('{"PULocationID": 10, "DOLocationID": 50}'),
      { error: 'trip_distance is required', code: 'MISSING_INPUT', field: 'trip_distance' },
    ],
    ['an empty body', 400, post(''), { error: 'body is not valid JSON', code: 'INVALID_JSON' }],
    [
      'a form body',
      415,
      post('a=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      { error: 'content-type must be application/json', code: 'UNSUPPORTED_MEDIA_TYPE' },
    ],
    ['a body over the limit', 413, post(' '.repeat(1025)), { error: 'body is 1025 bytes; the limit is 1024', code: 'BODY_TOO_LARGE' }],
    ['too many rides', 413, post(JSON.stringify(Array(6).fill(COURSE_RIDE))), { error: '6 rides in one request; the limit is 5', code: 'TOO_MANY_RIDES' }],
    [
      'an unknown route',
      404,
      { ...post('{}'), path: '/nope' },
      { error: 'no such route; try POST /predict, POST /predict/<model>, GET /health or GET /openapi.json', code: 'NO_SUCH_ROUTE' },
    ],
    ['a GET on /predict', 405, { ...post(''), method: 'GET' }, { error: '/predict accepts POST only', code: 'METHOD_NOT_ALLOWED' }],
  ])('answers %s with a %i and a JSON message', async (_case, status, request, body) => {
    const response = await handleHttpRequest(
      request,
      deps(async () => service),
    );

    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body)).toEqual(body);
  });

  it('accepts a JSON body sent without a content type', async () => {
    const response = await handleHttpRequest(
      post(JSON.stringify(COURSE_RIDE), {}),
      deps(async () => service),
    );

    expect(response.statusCode).toBe(200);
  });

  it('answers 503 with a retry hint while the model cannot be loaded, and 200 once it can', async () => {
    let available = false;
    const d = deps(async () => {
      if (!available) throw new ModelLoadError('cannot fetch model from s3://b/k: NoSuchKey');
      return service;
    });

    const before = await handleHttpRequest(post(JSON.stringify(COURSE_RIDE)), d);
    const health = await handleHttpRequest({ ...post(''), method: 'GET', path: '/health' }, d);
    available = true;
    const after = await handleHttpRequest(post(JSON.stringify(COURSE_RIDE)), d);

    expect(before.statusCode).toBe(503);
    expect(before.headers['retry-after']).toBe('1');
    expect(JSON.parse(before.body)).toEqual({ error: 'model not available, retry shortly', code: 'MODEL_LOAD_FAILED' });
    expect(health.statusCode).toBe(503);
    expect(after.statusCode).toBe(200);
  });

  it('answers 500 without details for an unexpected failure and reports it', async () => {
    const d = deps(async () => {
      throw new TypeError('boom at line 12');
    });

    const response = await handleHttpRequest(post(JSON.stringify(COURSE_RIDE)), d);

    expect(response.statusCode).toBe(500);
    expect(response.body).toBe('{"error":"internal error","code":"INTERNAL_ERROR"}');
    expect(d.unexpected).toHaveLength(1);
  });

  it('reports health with the model version', async () => {
    const response = await handleHttpRequest(
      { ...post(''), method: 'GET', path: '/health' },
      deps(async () => service),
    );

    expect(JSON.parse(response.body)).toEqual({ status: 'ok', model_version: 'v-test', models: [{ name: 'duration', version: 'v-test', state: 'loaded' }] });
  });
});

describe('handleApiGatewayEvent', () => {
  let service: ModelSet;
  beforeAll(async () => {
    service = await defaultModels('v-apigw');
  });

  it('decodes a base64 body', async () => {
    const result = await handleApiGatewayEvent(
      apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE), base64: true }),
      deps(async () => service),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body as string).model_version).toBe('v-apigw');
  });

  it('routes a path under a named stage', async () => {
    const result = await handleApiGatewayEvent(
      apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE), stage: 'prod' }),
      deps(async () => service),
    );

    expect(result.statusCode).toBe(200);
  });

  it('treats a missing body as invalid JSON, not a crash', async () => {
    const result = await handleApiGatewayEvent(
      apiGatewayEvent({}),
      deps(async () => service),
    );

    expect(result.statusCode).toBe(400);
  });
});
