import fc from 'fast-check';
import { handleHttpRequest, type HttpDeps, type HttpRequest } from '../../../../lambda/protocols/http/http-handler';
import { createModelSet, type ModelSet } from '../../../../lambda/model/model-set';
import { ModelLoadError } from '../../../../lambda/serving/errors';
import { COURSE_RIDE, servedModel, shippedModels } from '../../../support/fixtures';
import { overflowingModel } from '../../../support/onnx-models';
import { testDataplane } from '../../../support/dataplane';

/**
 * The Open Inference Protocol v2 through the transport-neutral handler, as npm start and the
 * Lambda function run it. Every prediction is compared with what `/predict/<name>` answers for
 * the same rides, never with a number written here.
 */

const RIDES = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }, { PULocationID: 1, DOLocationID: 265, trip_distance: 0 }];

let shipped: ModelSet;
let withOverflow: ModelSet;
beforeAll(async () => {
  shipped = await shippedModels();
  withOverflow = createModelSet([shipped.require('duration'), await servedModel('overflow', overflowingModel(), 'ovf-v1')]);
});

function deps(set: () => ModelSet, overrides: Partial<HttpDeps> = {}): HttpDeps & { unexpected: unknown[]; failures: number } {
  const recorded = { unexpected: [] as unknown[], failures: 0 };
  return Object.assign(recorded, {
    getModels: async (names?: readonly string[]) => {
      const current = set();
      for (const name of names ?? []) current.require(name);
      return current;
    },
    dataplane: testDataplane(),
    maxBodyBytes: 64 * 1024,
    maxRidesPerRequest: 100,
    onUnexpectedError: (error: unknown) => recorded.unexpected.push(error),
    onServiceFailure: () => recorded.failures++,
    ...overrides,
  });
}

const get = (path: string): HttpRequest => ({ method: 'GET', path, headers: {}, body: Buffer.alloc(0) });
const post = (path: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpRequest => ({
  method: 'POST',
  path,
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

/** One input tensor per column of `rides`, as a client writes it from a data frame. */
function columnsOf(rides: readonly Record<string, number | string>[], datatypes: Record<string, string> = {}) {
  return Object.keys(rides[0] ?? {}).map((name) => ({
    name,
    shape: [rides.length],
    datatype: datatypes[name] ?? (typeof rides[0]?.[name] === 'string' ? 'BYTES' : rides.every((ride) => Number.isInteger(ride[name])) ? 'INT64' : 'FP64'),
    data: rides.map((ride) => ride[name]),
  }));
}

async function answer(
  request: HttpRequest,
  set: ModelSet = shipped,
): Promise<{ status: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  const response = await handleHttpRequest(
    request,
    deps(() => set),
  );
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown>, headers: response.headers };
}

/** What `POST /predict/<name>` answers for the rides: the numbers every protocol must reproduce. */
async function predictOne(name: string, rides: readonly object[]): Promise<number[]> {
  const { status, body } = await answer(post(`/predict/${name}`, rides));
  expect(status).toBe(200);
  return (body as unknown as Record<string, number>[]).map((reply) => reply[name] as number);
}

describe('OIP v2 metadata and health', () => {
  it('answers the server metadata: its name, version and no extensions', async () => {
    const { status, body } = await answer(get('/v2'));

    expect(status).toBe(200);
    expect(body).toEqual({ name: 'ride-duration-prediction', version: expect.stringMatching(/^\d+\.\d+\.\d+/), extensions: [] });
    expect((await answer(get('/v2/'))).body).toEqual(body);
  });

  it.each(['duration', 'cost'])(
    "describes the model '%s': its version, platform onnxruntime_onnx, one input per request field and its output",
    async (name) => {
      const model = shipped.require(name);

      const { status, body } = await answer(get(`/v2/models/${name}`));

      expect(status).toBe(200);
      expect(body).toEqual({
        name,
        versions: [model.version],
        platform: 'onnxruntime_onnx',
        inputs: [
          { name: 'PULocationID', datatype: 'INT64', shape: [-1] },
          { name: 'DOLocationID', datatype: 'INT64', shape: [-1] },
          { name: 'trip_distance', datatype: 'FP32', shape: [-1] },
        ],
        outputs: [{ name, datatype: 'FP32', shape: [-1] }],
      });
      expect((await answer(get(`/v2/models/${name}/versions/${model.version}`))).body).toEqual(body);
    },
  );

  it('answers live, ready and model-ready with 200 while every model is loaded', async () => {
    expect(await answer(get('/v2/health/live'))).toMatchObject({ status: 200, body: { live: true } });
    expect(await answer(get('/v2/health/ready'))).toMatchObject({ status: 200, body: { ready: true } });
    expect(await answer(get('/v2/models/cost/ready'))).toMatchObject({ status: 200, body: { name: 'cost', ready: true } });
  });

  it('answers ready with 503 while a model cannot be loaded, and 200 once it can', async () => {
    let loaded = false;
    const d = deps(() => {
      if (!loaded) throw new ModelLoadError("cannot fetch model 'duration': timeout", { model: 'duration', retryAfterSeconds: 3 });
      return shipped;
    });

    const before = await handleHttpRequest(get('/v2/health/ready'), d);
    const model = await handleHttpRequest(get('/v2/models/duration/ready'), d);
    const live = await handleHttpRequest(get('/v2/health/live'), d);
    const infer = await handleHttpRequest(post('/v2/models/duration/infer', { inputs: columnsOf([COURSE_RIDE]) }), d);
    loaded = true;
    const after = await handleHttpRequest(get('/v2/health/ready'), d);

    expect([before.statusCode, JSON.parse(before.body)]).toEqual([503, { ready: false }]);
    expect([model.statusCode, JSON.parse(model.body)]).toEqual([503, { name: 'duration', ready: false }]);
    expect(live.statusCode).toBe(200);
    expect([infer.statusCode, JSON.parse(infer.body), infer.headers['retry-after']]).toEqual([
      503,
      { error: "model 'duration' not available, retry shortly", code: 'MODEL_LOAD_FAILED' },
      '3',
    ]);
    expect(d.failures).toBe(1);
    expect(after.statusCode).toBe(200);
  });

  it('answers 404 with an error for a model or a version that is not served', async () => {
    expect(await answer(get('/v2/models/fare'))).toEqual({
      status: 404,
      headers: expect.anything(),
      body: { error: "no model named 'fare'", code: 'UNKNOWN_MODEL' },
    });
    expect(await answer(get('/v2/models/fare/ready'))).toMatchObject({ status: 404, body: { code: 'UNKNOWN_MODEL' } });
    expect(await answer(get('/v2/models/duration/versions/0/ready'))).toMatchObject({ status: 404, body: { code: 'UNKNOWN_MODEL_VERSION' } });
  });
});

describe('OIP v2 infer', () => {
  it.each(['duration', 'cost'])('answers the same numbers as /predict/%s, one output named after the model, the id echoed', async (name) => {
    const expected = await predictOne(name, RIDES);

    const { status, body } = await answer(post(`/v2/models/${name}/infer`, { id: 'req-42', inputs: columnsOf(RIDES) }));

    expect(status).toBe(200);
    expect(body).toEqual({
      model_name: name,
      model_version: shipped.require(name).version,
      id: 'req-42',
      outputs: [{ name, datatype: 'FP32', shape: [RIDES.length], data: expected }],
    });
  });

  it('takes [n, 1] shapes with data nested row-major or flat, INT32 and FP32 datatypes, and the versioned path', async () => {
    const expected = await predictOne('duration', RIDES);
    const inputs = columnsOf(RIDES, { PULocationID: 'INT32', trip_distance: 'FP32' }).map((input, i) => ({
      ...input,
      shape: [RIDES.length, 1],
      data: i === 0 ? input.data.map((value) => [value]) : input.data,
    }));

    const { status, body } = await answer(
      post(`/v2/models/duration/versions/${shipped.require('duration').version}/infer`, {
        inputs,
        outputs: [{ name: 'duration' }],
        parameters: { content_type: 'pd' },
      }),
    );

    expect(status).toBe(200);
    expect((body.outputs as { data: number[] }[])[0]?.data).toEqual(expected);
    expect(body).not.toHaveProperty('id');
  });

  it('takes the PU_DO feature itself instead of the two zones (the preprocessing step is skipped)', async () => {
    const expected = await predictOne('duration', RIDES);
    const features = RIDES.map((ride) => ({ PU_DO: `${ride.PULocationID}_${ride.DOLocationID}`, trip_distance: ride.trip_distance }));

    const { status, body } = await answer(post('/v2/models/duration/infer', { inputs: columnsOf(features) }));

    expect(status).toBe(200);
    expect((body.outputs as { data: number[] }[])[0]?.data).toEqual(expected);
  });

  const ride = (overrides: Record<string, unknown> = {}) => columnsOf([COURSE_RIDE]).map((input) => ({ ...input, ...(overrides[input.name] as object) }));

  it.each([
    [
      'a datatype that is not OIP',
      { inputs: ride({ trip_distance: { datatype: 'FLOAT' } }) },
      'INVALID_REQUEST',
      /datatype 'FLOAT', which is not an OIP datatype/,
    ],
    [
      'BYTES for a number',
      { inputs: ride({ trip_distance: { datatype: 'BYTES', data: ['40'] } }) },
      'INVALID_REQUEST',
      /input 'trip_distance' is BYTES; it takes a numeric datatype/,
    ],
    [
      'a fraction in an INT64 tensor',
      { inputs: ride({ trip_distance: { datatype: 'INT64', data: [40.5] } }) },
      'INVALID_REQUEST',
      /is INT64 but element 0 is not an integer/,
    ],
    ['a shape the data does not fill', { inputs: ride({ trip_distance: { shape: [2] } }) }, 'INVALID_REQUEST', /shape \[2\] but 1 data elements/],
    [
      'a two-column tensor',
      { inputs: ride({ trip_distance: { shape: [1, 2], data: [40, 41] } }) },
      'INVALID_REQUEST',
      /each input is one column: \[n\] or \[n, 1\]/,
    ],
    ['data nested unlike its shape', { inputs: ride({ trip_distance: { data: [[40]] } }) }, 'INVALID_REQUEST', /nested differently from its shape \[1\]/],
    [
      'inputs of different lengths',
      { inputs: ride({ trip_distance: { shape: [2], data: [40, 41] } }) },
      'INVALID_REQUEST',
      /has 2 rows but input 'PULocationID' has 1/,
    ],
    [
      'an input the model lacks',
      { inputs: [...ride(), { name: 'passengers', shape: [1], datatype: 'INT64', data: [2] }] },
      'INVALID_REQUEST',
      /model 'duration' has no input 'passengers'; its inputs are PULocationID, DOLocationID, trip_distance/,
    ],
    ['an input given twice', { inputs: [...ride(), ...ride()] }, 'INVALID_REQUEST', /input 'PULocationID' is given twice/],
    ['an output the model lacks', { inputs: ride(), outputs: [{ name: 'variable' }] }, 'INVALID_REQUEST', /has no output 'variable'; its output is 'duration'/],
    ['another content type', { inputs: ride(), parameters: { content_type: 'np' } }, 'INVALID_REQUEST', /content_type 'np' is not supported/],
    ['no inputs', { inputs: [] }, 'INVALID_REQUEST', /^not an inference request: inputs:/],
    [
      'a missing shape',
      { inputs: [{ name: 'trip_distance', datatype: 'FP64', data: [1] }] },
      'INVALID_REQUEST',
      /^not an inference request: inputs\[0\]\.shape:/,
    ],
    ['a list for a body', [], 'INVALID_REQUEST', /^not an inference request: /],
    ['a missing input', { inputs: ride().slice(0, 2) }, 'MISSING_INPUT', /^input 'trip_distance' is required$/],
    ['an out-of-bounds value', { inputs: ride({ trip_distance: { data: [-1] } }) }, 'INVALID_RIDE', /^input 'trip_distance' element 0 must be ≥ 0$/],
    [
      'a string among numbers',
      { inputs: ride({ PULocationID: { data: ['10'] } }) },
      'INVALID_RIDE',
      /^input 'PULocationID' element 0 must be a number, got a string$/,
    ],
    [
      'a zone that is not an integer',
      { inputs: ride({ PULocationID: { datatype: 'FP64', data: [10.5] } }) },
      'INVALID_RIDE',
      /^input 'PULocationID' element 0 must be an integer$/,
    ],
  ])('answers 400 with {"error", "code"} for %s', async (_case, body, code, message) => {
    const { status, body: reply } = await answer(post('/v2/models/duration/infer', body));

    expect(status).toBe(400);
    expect(reply).toEqual({ error: expect.stringMatching(message), code });
  });

  it('answers 400 naming the model and the ride when a model returns a non-finite number, never null', async () => {
    const { status, body } = await answer(post('/v2/models/overflow/infer', { inputs: columnsOf([{ trip_distance: 50 }]) }), withOverflow);

    expect(status).toBe(400);
    expect(body).toEqual({ error: expect.stringContaining("model 'overflow' returned Infinity for ride [0]"), code: 'NON_FINITE_PREDICTION' });
  });

  it('answers 404 for an unknown model and for a version that is not the one served', async () => {
    expect(await answer(post('/v2/models/fare/infer', { inputs: columnsOf([COURSE_RIDE]) }))).toMatchObject({
      status: 404,
      body: { error: "no model named 'fare'", code: 'UNKNOWN_MODEL' },
    });
    expect(await answer(post('/v2/models/duration/versions/0000/infer', { inputs: columnsOf([COURSE_RIDE]) }))).toMatchObject({
      status: 404,
      body: { error: `model 'duration' has no version '0000'; it serves version '${shipped.require('duration').version}'`, code: 'UNKNOWN_MODEL_VERSION' },
    });
  });

  it("applies /predict's limits: 413 over MAX_BODY_BYTES or MAX_RIDES_PER_REQUEST, 415 for a body that is not JSON, 405 for GET", async () => {
    const many = Array.from({ length: 101 }, () => COURSE_RIDE);

    expect(await answer(post('/v2/models/duration/infer', ' '.repeat(64 * 1024 + 1)))).toMatchObject({ status: 413, body: { code: 'BODY_TOO_LARGE' } });
    expect(await answer(post('/v2/models/duration/infer', { inputs: columnsOf(many) }))).toMatchObject({
      status: 413,
      body: { error: '101 rows in one request; the limit is 100', code: 'TOO_MANY_RIDES' },
    });
    expect(await answer(post('/v2/models/duration/infer', 'inputs=1', { 'content-type': 'application/x-www-form-urlencoded' }))).toMatchObject({
      status: 415,
      body: { code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    expect(await answer(post('/v2/models/duration/infer', '{"inputs": ['))).toMatchObject({
      status: 400,
      body: { error: 'body is not valid JSON', code: 'INVALID_JSON' },
    });
    const wrongMethod = await answer(get('/v2/models/duration/infer'));
    expect(wrongMethod).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED' } });
    expect(wrongMethod.headers.allow).toBe('POST');
  });

  it('answers any body with 200 or a 4xx JSON error, never a crash (generated requests)', async () => {
    const value = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
    const input = fc.record(
      {
        name: fc.constantFrom('PULocationID', 'DOLocationID', 'trip_distance', 'PU_DO', 'other'),
        shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }), fc.constant('x')),
        datatype: fc.constantFrom('INT64', 'INT32', 'FP32', 'FP64', 'BYTES', 'BOOL', 'FP16', 'UINT8', 'weird'),
        data: fc.array(value, { maxLength: 3 }),
        parameters: fc.dictionary(fc.string(), value),
      },
      { requiredKeys: ['name'] },
    );
    const body = fc.oneof(
      fc.record(
        { id: fc.oneof(fc.string(), fc.integer()), inputs: fc.array(input, { maxLength: 4 }), outputs: fc.array(fc.record({ name: fc.string() })) },
        { requiredKeys: ['inputs'] },
      ),
      fc.jsonValue(),
    );
    const d = deps(() => shipped);
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await handleHttpRequest(post('/v2/models/duration/infer', payload), d);
        const reply = JSON.parse(response.body) as Record<string, unknown>;
        if (response.statusCode === 200) expect((reply.outputs as { data: number[] }[])[0]?.data.every(Number.isFinite)).toBe(true);
        else {
          expect(response.statusCode).toBeGreaterThanOrEqual(400);
          expect(response.statusCode).toBeLessThan(500);
          expect(reply).toEqual({ error: expect.any(String), code: expect.any(String) });
        }
      }),
      { numRuns: 300 },
    );
    expect(d.unexpected).toEqual([]);
  });
});

describe('the routes around OIP v2', () => {
  it("leaves the course's /predict reply byte for byte as it was", async () => {
    const response = await handleHttpRequest(
      post('/predict', COURSE_RIDE),
      deps(() => shipped),
    );

    const { outputs, versions } = await shipped.predict({
      length: 1,
      columns: { PULocationID: Float64Array.of(10), DOLocationID: Float64Array.of(50), trip_distance: Float64Array.of(40) },
    });
    expect(response.body).toBe(
      JSON.stringify({ duration: outputs.duration?.[0], cost: outputs.cost?.[0], model_version: versions.duration, model_versions: versions }),
    );
  });

  it('answers an unknown path under /v2 with the 404 every unknown path gets', async () => {
    const { status, body } = await answer(get('/v2/models'));

    expect(status).toBe(404);
    expect(body).toMatchObject({ code: 'NO_SUCH_ROUTE' });
  });
});
