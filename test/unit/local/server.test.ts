import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpServer } from '../../../lambda/local/server';
import type { HttpDeps } from '../../../lambda/protocols/http/http-handler';
import { COURSE_RIDE, defaultModels, predictDurations } from '../../support/fixtures';
import { startServer } from '../../support/local-programs';
import { testDataplane } from '../../support/dataplane';

describe('the local web server over real HTTP', () => {
  let server: Server;
  let base: string;
  let expected: number;

  beforeAll(async () => {
    const service = await defaultModels('v-local');
    [expected] = (await predictDurations(service, [COURSE_RIDE])) as [number];
    const deps: HttpDeps = {
      getModels: async () => service,
      dataplane: testDataplane(),
      maxBodyBytes: 4096,
      maxRidesPerRequest: 100,
      onUnexpectedError: () => undefined,
    };
    server = createHttpServer(deps);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const postJson = (body: string, path = '/predict') => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('answers the course request as the Flask service did', async () => {
    const response = await postJson(JSON.stringify(COURSE_RIDE));

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ duration: expected, model_version: 'v-local', model_versions: { duration: 'v-local' } });
  });

  it('answers an array of rides with an array', async () => {
    const response = await postJson(JSON.stringify([COURSE_RIDE, COURSE_RIDE]));

    expect(await response.json()).toEqual([
      { duration: expected, model_version: 'v-local', model_versions: { duration: 'v-local' } },
      { duration: expected, model_version: 'v-local', model_versions: { duration: 'v-local' } },
    ]);
  });

  it.each([
    ['malformed JSON', () => postJson('{'), 400],
    ['an invalid ride', () => postJson('{"PULocationID": "ten", "DOLocationID": 1, "trip_distance": 1}'), 400],
    ['a body over the limit', () => postJson(JSON.stringify({ pad: 'x'.repeat(5000) })), 413],
    ['an unknown route', () => postJson('{}', '/predictions'), 404],
    ['a wrong method', () => fetch(`${base}/predict`), 405],
  ])('answers %s with a JSON error', async (_case, send, status) => {
    const response = await send();

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(typeof ((await response.json()) as { error: unknown }).error).toBe('string');
  });

  it('answers 413 to a chunked body that passes the limit, after reading it to the end', async () => {
    const chunks = async function* () {
      for (let i = 0; i < 100; i++) yield new TextEncoder().encode('x'.repeat(1000));
    };
    const response = await fetch(`${base}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: ReadableStream.from(chunks()),
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(413);
  });

  it('keeps the connection alive between requests', async () => {
    const response = await postJson(JSON.stringify(COURSE_RIDE));

    expect(response.headers.get('connection')).toBe('keep-alive');
  });
});

describe('npm start', () => {
  it('serves the default model with no configuration and exits cleanly on SIGTERM', async () => {
    const server = await startServer({ MODEL_LOCATION: '', MODEL_BUCKET: '', MODEL_KEY: '' });
    const port = server.port;

    const response = await fetch(`http://127.0.0.1:${port}/predict`, {
      method: 'POST',
      body: JSON.stringify(COURSE_RIDE),
      headers: { 'content-type': 'application/json' },
    });
    const body = (await response.json()) as { duration: number; model_version: string };
    const exited = server.stop();

    expect(response.status).toBe(200);
    expect(body.model_version).toMatch(/^[0-9a-f]{12}$/);
    expect(body.duration).toBeGreaterThan(0);
    expect(await exited).toBe(0);
  });
});
