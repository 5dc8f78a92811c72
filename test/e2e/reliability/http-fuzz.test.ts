import fc from 'fast-check';
import { handleApiGatewayEvent, handleHttpRequest, type HttpDeps, type HttpResponse } from '../../../lambda/protocols/http/http-handler';
import type { ModelSet } from '../../../lambda/model/model-set';
import { defaultModels } from '../../support/fixtures';
import { apiGatewayEvent } from '../../support/http-events';
import { testDataplane } from '../../support/dataplane';

/**
 * Property: whatever arrives — arbitrary bytes, deep or huge JSON, wrong types, edge numbers,
 * unicode, wrong methods and content types, lying base64 flags — the web service answers 2xx or
 * 4xx with a JSON body, never 5xx, and never echoes the request back beyond a field name.
 */
const MARKER = 'ZQXJ';
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

const edgeNumber = fc.oneof(
  fc.constantFrom(-0, 0, 1, 265, 266, -1, 1e308, -1e308, 5e-324, 2 ** 53, 0.5, 40, Number.MAX_SAFE_INTEGER),
  fc.integer(),
  fc.double(),
);
const anyValue = fc.oneof(
  edgeNumber,
  fc.constantFrom('NaN', 'Infinity', '-0', '1e999', null, true, false, `${MARKER}`),
  fc.string({ unit: 'binary' }).map((s) => `${MARKER}${s}`),
  fc.array(edgeNumber, { maxLength: 3 }),
  fc.dictionary(fc.string(), edgeNumber, { maxKeys: 3 }),
);
const rideLike = fc.record({ PULocationID: anyValue, DOLocationID: anyValue, trip_distance: anyValue, [MARKER]: anyValue }, { requiredKeys: [] });
const validRide = fc.record({
  PULocationID: fc.integer({ min: 1, max: 265 }),
  DOLocationID: fc.integer({ min: 1, max: 265 }),
  trip_distance: fc.double({ min: 0, max: 1e6, noNaN: true }),
});
const deepJson = fc.integer({ min: 1, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth));

const body = fc.oneof(
  { weight: 3, arbitrary: validRide.map((r) => JSON.stringify(r)) },
  { weight: 3, arbitrary: rideLike.map((r) => JSON.stringify(r)) },
  { weight: 2, arbitrary: fc.array(fc.oneof(validRide, rideLike), { maxLength: 40 }).map((a) => JSON.stringify(a)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 2, arbitrary: fc.json().map((j) => `${j}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => `${MARKER}${s}`) },
  { weight: 1, arbitrary: deepJson },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 11, max: 3000 }).map((n) => JSON.stringify(Array(n).fill({ PULocationID: 1, DOLocationID: 2, trip_distance: 3 }))),
  },
  { weight: 1, arbitrary: fc.constant(`{"pad": "${'x'.repeat(70_000)}"}`) },
  { weight: 1, arbitrary: validRide.map((r) => JSON.stringify(r).slice(0, -3)) },
);
const method = fc.oneof(
  { weight: 8, arbitrary: fc.constant('POST') },
  { weight: 2, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', MARKER) },
);
const path = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/predict') },
  { weight: 2, arbitrary: fc.constantFrom('/health', '/', '/predict/', `/${MARKER}`, '/PREDICT', '/predict%00') },
);
const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/vnd.api+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    `${MARKER}/x`,
    '',
  ),
  { nil: undefined },
);

const statuses = new Map<number, number>();

function assertWellFormed(response: HttpResponse): void {
  statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
  expect(response.statusCode).toBeGreaterThanOrEqual(200);
  expect(response.statusCode).toBeLessThan(500);
  expect(response.headers['content-type']).toBe('application/json');
  const parsed = JSON.parse(response.body) as unknown;
  if (response.statusCode >= 400) expect(typeof (parsed as { error: unknown }).error).toBe('string');
  else if (Array.isArray(parsed)) parsed.forEach((p) => expect(Number.isFinite((p as { duration: number }).duration)).toBe(true));
  else expect(parsed).toEqual(expect.objectContaining({ model_version: 'v-fuzz' }));
  expect(response.body).not.toContain(MARKER);
}

describe('the web service under generated input', () => {
  let service: ModelSet;
  const unexpected: unknown[] = [];
  let deps: HttpDeps;
  beforeAll(async () => {
    service = await defaultModels('v-fuzz');
    deps = {
      getModels: async () => service,
      dataplane: testDataplane(),
      maxBodyBytes: 64 * 1024,
      maxRidesPerRequest: 1000,
      onUnexpectedError: (e) => unexpected.push(e),
    };
  });

  it(`answers ${RUNS} generated requests with 2xx/4xx JSON and no echo`, async () => {
    await fc.assert(
      fc.asyncProperty(method, path, contentType, body, async (m, p, ct, b) => {
        const response = await handleHttpRequest(
          { method: m, path: p, headers: ct === undefined ? {} : { 'content-type': ct }, body: Buffer.from(b, 'latin1') },
          deps,
        );
        assertWellFormed(response);
      }),
      { numRuns: RUNS, seed: 20261127 },
    );
    expect(unexpected).toEqual([]);
  });

  it(`answers ${RUNS} generated API Gateway events, base64 flags true or lying, the same way`, async () => {
    await fc.assert(
      fc.asyncProperty(method, body, fc.boolean(), fc.boolean(), async (m, b, flag, encode) => {
        const event = apiGatewayEvent({ method: m, body: b });
        event.isBase64Encoded = flag;
        if (encode) event.body = Buffer.from(b).toString('base64');
        const result = await handleApiGatewayEvent(event, deps);
        assertWellFormed({ statusCode: result.statusCode as number, headers: result.headers as Record<string, string>, body: result.body as string });
      }),
      { numRuns: RUNS, seed: 1127 },
    );
    expect(unexpected).toEqual([]);
  });

  it('exercised both accepted and rejected requests of every error class', () => {
    for (const status of [200, 400, 404, 405, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(RUNS / 200);
  });
});
