import fc from 'fast-check';
import { handleHttpRequest, type HttpDeps, type HttpRequest } from '../../../../lambda/protocols/http/http-handler';
import { parseCsv } from '../../../../lambda/protocols/http/mlflow/csv';
import { createModelSet, type ModelSet } from '../../../../lambda/model/model-set';
import { ModelUnavailableError, ModelNotFoundError } from '../../../../lambda/serving/errors';
import { COURSE_RIDE, servedModel, shippedModels } from '../../../support/fixtures';
import { imputedDistanceModel, overflowingModel } from '../../../support/onnx-models';
import { testDataplane } from '../../../support/dataplane';

/**
 * MLflow's scoring protocol and SageMaker's hosting contract (`/invocations`, `/ping`,
 * `/version`) through the transport-neutral handler. Predictions are compared with what
 * `/predict/<name>` answers for the same rides.
 */

const RIDES = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, { PULocationID: 1, DOLocationID: 265, trip_distance: 0 }];
const COLUMNS = ['PULocationID', 'DOLocationID', 'trip_distance'] as const;

let shipped: ModelSet;
let durationOnly: ModelSet;
beforeAll(async () => {
  shipped = await shippedModels();
  durationOnly = createModelSet([shipped.require('duration')]);
});

function deps(set: () => ModelSet): HttpDeps & { unexpected: unknown[]; failures: number } {
  const recorded = { unexpected: [] as unknown[], failures: 0 };
  return Object.assign(recorded, {
    getModels: async () => set(),
    dataplane: testDataplane(),
    maxBodyBytes: 64 * 1024,
    maxRidesPerRequest: 100,
    onUnexpectedError: (error: unknown) => recorded.unexpected.push(error),
    onServiceFailure: () => recorded.failures++,
  });
}

const invocations = (body: unknown, contentType: string | null = 'application/json'): HttpRequest => ({
  method: 'POST',
  path: '/invocations',
  headers: contentType === null ? {} : { 'content-type': contentType },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

async function answer(
  request: HttpRequest,
  set: ModelSet = shipped,
): Promise<{ status: number; body: Record<string, unknown>; text: string; headers: Record<string, string> }> {
  const response = await handleHttpRequest(
    request,
    deps(() => set),
  );
  return {
    status: response.statusCode,
    text: response.body,
    body: /^[[{]/.test(response.body) ? (JSON.parse(response.body) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

/** `/predict/<name>`'s numbers for the rides, per model. */
async function predictEach(set: ModelSet, rides: readonly object[]): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const name of set.names) {
    const { body } = await answer(
      { method: 'POST', path: `/predict/${name}`, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(rides)) },
      set,
    );
    out[name] = (body as unknown as Record<string, number>[]).map((reply) => reply[name] as number);
  }
  return out;
}

/** The rides as each of MLflow's JSON formats writes them (pandas' to_dict orients). */
const FORMATS: Record<string, (rides: readonly Record<string, number>[]) => unknown> = {
  dataframe_split: (rides) => ({
    dataframe_split: { index: rides.map((_, i) => i), columns: [...COLUMNS], data: rides.map((ride) => COLUMNS.map((c) => ride[c])) },
  }),
  dataframe_records: (rides) => ({ dataframe_records: rides }),
  'inputs (columns)': (rides) => ({ inputs: Object.fromEntries(COLUMNS.map((c) => [c, rides.map((ride) => ride[c])])) }),
  'inputs (records)': (rides) => ({ inputs: rides }),
  'instances (records)': (rides) => ({ instances: rides }),
  'instances (columns)': (rides) => ({ instances: Object.fromEntries(COLUMNS.map((c) => [c, rides.map((ride) => ride[c])])) }),
  'dataframe_records with params': (rides) => ({ dataframe_records: rides, params: { threshold: 1 } }),
};

/** pandas' `df.to_csv()`: the unnamed index first, floats as floats. */
const csvOf = (rides: readonly Record<string, number>[]) =>
  `,${COLUMNS.join(',')}\n${rides.map((ride, i) => [i, ride.PULocationID, ride.DOLocationID, (ride.trip_distance as number).toFixed(2)].join(',')).join('\n')}\n`;

describe('POST /invocations', () => {
  it.each(Object.keys(FORMATS))('answers %s with one object per row, every served model in it, as /predict/<name> does', async (format) => {
    const expected = await predictEach(shipped, RIDES);

    const { status, body } = await answer(invocations((FORMATS[format] as (r: typeof RIDES) => unknown)(RIDES)));

    expect(status).toBe(200);
    expect(body).toEqual({ predictions: RIDES.map((_, i) => ({ duration: expected.duration?.[i], cost: expected.cost?.[i] })) });
  });

  it('answers bare numbers when one model is served (MODELS=duration=…), as `mlflow models serve` does', async () => {
    const expected = await predictEach(durationOnly, RIDES);

    const { status, body } = await answer(invocations(FORMATS.dataframe_split?.(RIDES)), durationOnly);

    expect(status).toBe(200);
    expect(body).toEqual({ predictions: expected.duration });
  });

  it.each(['text/csv', 'text/csv; charset=utf-8', 'TEXT/CSV;charset=UTF-8'])(
    'answers a CSV frame (pandas to_csv, index column included) sent as %s',
    async (contentType) => {
      const expected = await predictEach(shipped, RIDES);

      const { status, body } = await answer(invocations(csvOf(RIDES), contentType));

      expect(status).toBe(200);
      expect(body).toEqual({ predictions: RIDES.map((_, i) => ({ duration: expected.duration?.[i], cost: expected.cost?.[i] })) });
    },
  );

  it('reads an empty CSV cell or NaN as a missing value: fed as NaN to a model that takes one, required otherwise', async () => {
    const imputer = createModelSet([await servedModel('imputed', imputedDistanceModel(2, 3), 'i1', { inputs: { trip_distance: { nullable: true } } })]);
    const expected = await predictEach(imputer, [{ trip_distance: null }, { trip_distance: 1 }]);

    const csv = await answer(invocations('trip_distance\n\n1\nNaN\n', 'text/csv'), imputer);
    const required = await answer(invocations(',PULocationID,DOLocationID,trip_distance\n0,10,50,\n', 'text/csv'));

    // the blank line is skipped, as pandas skips it
    expect(csv).toMatchObject({ status: 200, body: { predictions: [expected.imputed?.[1], expected.imputed?.[0]] } });
    expect(required).toMatchObject({
      status: 400,
      body: { error_code: 'BAD_REQUEST', message: "column 'trip_distance' row 0 is required", code: 'MISSING_INPUT' },
    });
  });

  it.each([
    [
      'a list',
      [COURSE_RIDE],
      400,
      'INVALID_REQUEST',
      /exactly one of the input fields \{dataframe_split, dataframe_records, inputs, instances\}\. Received a list$/,
    ],
    [
      'two formats',
      { dataframe_records: [COURSE_RIDE], instances: [COURSE_RIDE] },
      400,
      'INVALID_REQUEST',
      /Received a dictionary with input fields: dataframe_records, instances$/,
    ],
    ['no format', { data: [COURSE_RIDE] }, 400, 'INVALID_REQUEST', /Received a dictionary with input fields: none of them$/],
    ['a split frame without columns', { dataframe_split: { data: [[10, 50, 40]] } }, 400, 'INVALID_REQUEST', /^dataframe_split: columns: /],
    [
      'a split row of another width',
      { dataframe_split: { columns: [...COLUMNS], data: [[10, 50]] } },
      400,
      'INVALID_REQUEST',
      /^dataframe_split: data\[0\] has 2 values; columns names 3$/,
    ],
    [
      'columns of unequal length',
      { inputs: { PULocationID: [10, 11], DOLocationID: [50], trip_distance: [40] } },
      400,
      'INVALID_REQUEST',
      /the columns have different lengths/,
    ],
    ['no rows', { dataframe_records: [] }, 400, 'INVALID_REQUEST', /^the frame holds no rows$/],
    ['a missing column', { dataframe_records: [{ PULocationID: 10, DOLocationID: 50 }] }, 400, 'MISSING_INPUT', /^column 'trip_distance' is required$/],
    [
      'a row missing a value',
      { dataframe_records: [COURSE_RIDE, { PULocationID: 10, DOLocationID: 50 }] },
      400,
      'MISSING_INPUT',
      /^column 'trip_distance' row 1 is required$/,
    ],
    [
      'an out-of-bounds value',
      { dataframe_records: [{ ...COURSE_RIDE, trip_distance: -1 }] },
      400,
      'INVALID_RIDE',
      /^column 'trip_distance' row 0 must be ≥ 0$/,
    ],
    [
      'a string for a number',
      { dataframe_records: [{ ...COURSE_RIDE, PULocationID: 'ten' }] },
      400,
      'INVALID_RIDE',
      /^column 'PULocationID' row 0 must be a number, got a string$/,
    ],
    ['malformed JSON', '{"dataframe_records": [', 400, 'INVALID_JSON', /^body is not valid JSON$/],
    ['101 rows', { dataframe_records: Array(101).fill(COURSE_RIDE) }, 413, 'TOO_MANY_RIDES', /^101 rows in one request; the limit is 100$/],
    ['a body over MAX_BODY_BYTES', ' '.repeat(64 * 1024 + 1), 413, 'BODY_TOO_LARGE', /the limit is 65536$/],
  ])('answers %s with its status and {"error_code", "message", "code"}', async (_case, body, status, code, message) => {
    const reply = await answer(invocations(body));

    expect(reply.status).toBe(status);
    expect(reply.body).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringMatching(message), code });
  });

  it.each([
    ['no content type', null],
    ['text/plain', 'text/plain'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['JSON in Latin-1', 'application/json; charset=latin-1'],
    ['JSON with another parameter', 'application/json; format=pandas-split'],
  ])('answers %s with 415', async (_case, contentType) => {
    const reply = await answer(invocations(FORMATS.dataframe_records?.(RIDES), contentType));

    expect(reply.status).toBe(415);
    expect(reply.body).toMatchObject({ error_code: 'BAD_REQUEST', code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it.each([
    ['an unterminated quote', 'trip_distance\n"1\n', /^CSV line 2 opens a quote it never closes$/],
    ['a row wider than the header', 'a,b\n1,2,3\n', /^CSV line 2 has 3 values; the header names 2 columns$/],
    ['no header', '', /^the CSV body is empty; it needs a header row$/],
    ['bytes that are not UTF-8', Buffer.from([0x74, 0xff, 0x0a]).toString('latin1'), /^body is not UTF-8 text$/],
  ])('answers CSV with %s with 400 naming the line', async (_case, csv, message) => {
    const request = invocations(csv, 'text/csv');
    const reply = await answer({ ...request, body: Buffer.from(csv, 'latin1') });

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ error_code: 'BAD_REQUEST', message: expect.stringMatching(message), code: 'INVALID_REQUEST' });
  });

  it('answers 400 naming the model and row when a model returns a non-finite number', async () => {
    const overflow = createModelSet([await servedModel('overflow', overflowingModel(), 'ovf-v1')]);

    const reply = await answer(invocations({ dataframe_records: [{ trip_distance: 1 }, { trip_distance: 50 }] }), overflow);

    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      error_code: 'BAD_REQUEST',
      message: expect.stringContaining("model 'overflow' returned Infinity for ride [1]"),
      code: 'NON_FINITE_PREDICTION',
    });
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE, counted as a service failure, while a model cannot be loaded', async () => {
    const d = deps(() => {
      throw new ModelUnavailableError('cost', new ModelNotFoundError('no object s3://models/cost.onnx'));
    });

    const response = await handleHttpRequest(invocations(FORMATS.dataframe_records?.(RIDES)), d);
    const ping = await handleHttpRequest({ method: 'GET', path: '/ping', headers: {}, body: Buffer.alloc(0) }, d);

    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      error_code: 'TEMPORARILY_UNAVAILABLE',
      message: expect.stringContaining("model 'cost' cannot be loaded"),
      code: 'MODEL_UNAVAILABLE',
    });
    expect(ping.statusCode).toBe(503);
    expect(d.failures).toBe(1);
  });

  it('answers any JSON body with 200 or a 4xx error, never a crash (generated frames)', async () => {
    const value = fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double(), fc.string(), fc.constant(null), fc.boolean());
    const row = fc.dictionary(fc.constantFrom(...COLUMNS, 'other'), value);
    const frame = fc.oneof(
      fc.record({ dataframe_records: fc.array(row, { maxLength: 3 }) }),
      fc.record({
        dataframe_split: fc.record({
          columns: fc.array(fc.constantFrom(...COLUMNS), { maxLength: 3 }),
          data: fc.array(fc.array(value, { maxLength: 3 }), { maxLength: 3 }),
        }),
      }),
      fc.record({ inputs: fc.oneof(fc.dictionary(fc.constantFrom(...COLUMNS), fc.array(value, { maxLength: 3 })), fc.array(row, { maxLength: 3 })) }),
      fc.record({ instances: fc.oneof(fc.array(row, { maxLength: 3 }), fc.jsonValue()) }),
      fc.jsonValue(),
    );
    const d = deps(() => shipped);
    await fc.assert(
      fc.asyncProperty(frame, async (payload) => {
        const response = await handleHttpRequest(invocations(payload), d);
        const reply = JSON.parse(response.body) as Record<string, unknown>;
        if (response.statusCode === 200)
          expect((reply.predictions as Record<string, number>[]).every((p) => Number.isFinite(p.duration) && Number.isFinite(p.cost))).toBe(true);
        else {
          expect([400, 413]).toContain(response.statusCode);
          expect(reply).toEqual({ error_code: 'BAD_REQUEST', message: expect.any(String), code: expect.any(String) });
        }
      }),
      { numRuns: 300 },
    );
    expect(d.unexpected).toEqual([]);
  });
});

describe('GET /ping, /health and /version', () => {
  it('answers /ping and /health with 200 once every model is loaded', async () => {
    expect(await answer({ method: 'GET', path: '/ping', headers: {}, body: Buffer.alloc(0) })).toMatchObject({ status: 200, text: '' });
    expect((await answer({ method: 'GET', path: '/health', headers: {}, body: Buffer.alloc(0) })).status).toBe(200);
  });

  it("answers /version with the service's version as text", async () => {
    const reply = await answer({ method: 'GET', path: '/version', headers: {}, body: Buffer.alloc(0) });

    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/^\d+\.\d+\.\d+$/);
    expect(reply.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('answers 405 to a POST on /ping and a GET on /invocations, saying which method they take', async () => {
    const ping = await answer({ method: 'POST', path: '/ping', headers: {}, body: Buffer.alloc(0) });
    const invoke = await answer({ method: 'GET', path: '/invocations', headers: {}, body: Buffer.alloc(0) });

    expect([ping.status, ping.headers.allow, invoke.status, invoke.headers.allow]).toEqual([405, 'GET', 405, 'POST']);
    expect(invoke.body).toMatchObject({ error_code: 'BAD_REQUEST', code: 'METHOD_NOT_ALLOWED' });
  });
});

describe('parseCsv', () => {
  it('reads back any table written as RFC 4180 with quotes where needed', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', '1', ',', '"', '\n', '\r\n', ' ', 'é') });
    const quote = (text: string) => (/[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((width) => fc.array(fc.array(cell, { minLength: width, maxLength: width }), { minLength: 1, maxLength: 5 })),
        (table) => {
          const text = `${table.map((row) => row.map(quote).join(',')).join('\r\n')}\n`;

          const parsed = parseCsv(text);

          expect([parsed.header, ...parsed.rows]).toEqual(table);
        },
      ),
      { numRuns: 500 },
    );
  });
});
