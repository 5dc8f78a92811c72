import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import fc from 'fast-check';
import { loadConfig } from '../../../lambda/config/index';
import { bearerTokenCheck } from '../../../lambda/local/bearer-token';
import { isLoopbackHost } from '../../../lambda/local/loopback';
import { createHttpServer } from '../../../lambda/local/server';
import { createRuntime } from '../../../lambda/services';
import { COURSE_RIDE } from '../../support/fixtures';
import { listeningPorts, spawnServer } from '../../support/local-programs';

const TOKEN = 'b6f0c2d8e1a94f3c9e7d5a2b8c4f1e06';

describe('bearerTokenCheck', () => {
  const allowed = bearerTokenCheck(TOKEN);

  it('accepts the token in an Authorization: Bearer header, any case of the scheme', () => {
    expect(allowed(`Bearer ${TOKEN}`)).toBe(true);
    expect(allowed(`bearer ${TOKEN}`)).toBe(true);
  });

  it('refuses every other header: missing, another scheme, a prefix, an extension or any other string', () => {
    for (const header of [undefined, '', TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}0`, `Bearer ${TOKEN} x`]) {
      expect(allowed(header)).toBe(false);
    }
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `Bearer ${s}`),
          fc.string({ minLength: 1 }).map((s) => `Bearer ${TOKEN}${s}`),
        ),
        (header) => {
          expect(allowed(header)).toBe(header.trim() === `Bearer ${TOKEN}`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('isLoopbackHost', () => {
  it('tells loopback addresses from those the network can reach', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.5', '128.0.0.1', '127.0.0.1.example.com'].map(isLoopbackHost)).toEqual([false, false, false, false, false]);
  });
});

describe('API_TOKEN', () => {
  it('is read by loadConfig and refused when shorter than 16 characters, without echoing it', () => {
    expect(loadConfig({ API_TOKEN: TOKEN }).http.apiToken).toBe(TOKEN);
    expect(loadConfig({}).http.apiToken).toBeUndefined();
    expect(() => loadConfig({ API_TOKEN: 'hunter2' })).toThrow(/^invalid environment: API_TOKEN: API_TOKEN must be at least 16 characters$/);
  });

  it.each([
    ['inner spaces', 'correct horse battery staple'],
    ['a tab', 'b6f0c2d8e1a9\t4f3c9e7d5a2b'],
    ['a non-ASCII letter', 'b6f0c2d8e1a94f3cé9e7d5a2b8c4'],
    ['a control character', 'b6f0c2d8e1a94f3c\u00079e7d5a2b'],
  ])('is refused at start when it holds %s, which no Authorization header could carry to match it', (_case, token) => {
    expect(() => loadConfig({ API_TOKEN: token })).toThrow(/^invalid environment: API_TOKEN: API_TOKEN must be printable ASCII without spaces/);
  });

  it('stops npm start with one readable line and exit 2 (a configuration mistake), no stack trace, never echoing the token', async () => {
    const server = spawnServer({ API_TOKEN: 'correct horse battery staple' });
    // Whichever comes first: the exit this test expects, or a listening server (then stopped, and the test fails).
    const listened = await server
      .waitFor((lines) => listeningPorts(lines).length > 0)
      .then(
        () => true,
        () => false,
      );
    const status = await server.stop();

    expect(listened).toBe(false);
    expect(status).toBe(2);
    expect(server.lines).toEqual([]);
    expect(server.output().trim().split('\n')).toEqual([
      'npm start: invalid environment: API_TOKEN: API_TOKEN must be printable ASCII without spaces (e.g. `openssl rand -hex 32`)',
    ]);
    expect(server.output()).not.toContain('horse');
  });
});

describe('the local server with API_TOKEN', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const config = loadConfig({ API_TOKEN: TOKEN });
    const runtime = createRuntime(config, { logger: new Logger({ logLevel: 'SILENT' }) });
    server = createHttpServer(runtime.http, config.http);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const predict = (headers: Record<string, string>, body = JSON.stringify(COURSE_RIDE)) =>
    fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers a prediction to the bearer of the token', async () => {
    const response = await predict({ authorization: `Bearer ${TOKEN}` });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { duration: number }).duration).toBeGreaterThan(0);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: `Bearer ${TOKEN.replace(/.$/, '0')}` }],
    ['the token under another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('answers 401 with a JSON error and WWW-Authenticate to %s', async (_case, headers) => {
    const response = await predict(headers);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ error: expect.stringContaining('bearer token'), code: 'UNAUTHORIZED' });
  });

  it('lets an unauthenticated 2 MB upload finish and read its 401', async () => {
    const response = await predict({}, 'x'.repeat(2 * 1024 * 1024));

    expect(response.status).toBe(401);
  });

  /** The open routes, written out here rather than read from the route table the server uses. */
  const OPEN = [
    /^\/health$/,
    /^\/openapi\.json$/,
    /^\/docs(\/[^/]+)?$/,
    /^\/v2\/?$/,
    /^\/v2\/health\/(live|ready)$/,
    /^\/v2\/models\/[^/]+(\/versions\/[^/]+)?(\/ready)?$/,
    /^\/(ping|version)$/,
  ];

  it('answers 401 to every generated path and method without the token, except exactly the open routes', async () => {
    const path = fc.oneof(
      fc.constantFrom(
        '/predict',
        '/predict/duration',
        '/health/../predict',
        '//predict',
        '/HEALTH',
        '/health/',
        '/openapi.json/../predict',
        '/%68ealth',
        '/v2/models/duration/infer',
        '/v2/models/duration/versions/1/infer',
        '/v2/models/duration/ready/infer',
        '/v2/models/duration/infer/',
        '/invocations',
        '/ping/../invocations',
        '/docs/../invocations',
        '/docs/a/b',
      ),
      fc.webPath().map((p) => (p.startsWith('/') ? p : `/${p}`)),
    );
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'), async (target, method) => {
        const response = await fetch(`${base}${target}`, {
          method,
          headers: { 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{}',
        });
        await response.arrayBuffer();
        // fetch sends the path as the URL parser normalizes it (dot segments resolved).
        const open = OPEN.some((route) => route.test(new URL(`${base}${target}`).pathname));
        if (!open) expect(response.status).toBe(401);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['/invocations', '/v2/models/duration/infer', '/v2/models/duration/versions/54c7ff65d8e2/infer'])(
    'answers 401 to POST %s without the token, as to /predict',
    async (target) => {
      const response = await fetch(`${base}${target}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ error: expect.stringContaining('bearer token'), code: 'UNAUTHORIZED' });
    },
  );

  it.each(['/ping', '/v2/health/ready', '/v2/models/duration', '/openapi.json'])('leaves GET %s open', async (target) => {
    const response = await fetch(`${base}${target}`);

    expect(response.status).toBe(200);
  });

  it('leaves GET /health open', async () => {
    const response = await fetch(`${base}/health`);

    expect(response.status).toBe(200);
  });
});

describe('npm start on all interfaces', () => {
  /** Starts the server as the container does (HOST=0.0.0.0) and returns its first log lines. */
  async function startupLog(env: Record<string, string>): Promise<string> {
    const server = spawnServer({ HOST: '0.0.0.0', MODEL_LOCATION: '', API_TOKEN: '', ...env });
    try {
      // Powertools writes warnings to stderr; the warning, if any, follows the listening line.
      await server.waitFor((lines) => listeningPorts(lines).length > 0);
      await new Promise((done) => setTimeout(done, 300));
    } finally {
      await server.stop();
    }
    const output = server.output();
    return output;
  }

  it('warns at start without API_TOKEN, and not with one, never logging the token', async () => {
    const [open, guarded] = await Promise.all([startupLog({}), startupLog({ API_TOKEN: TOKEN })]);

    expect(open).toMatch(/"level":"WARN".*without API_TOKEN/);
    expect(guarded).toMatch(/listening on/);
    expect(guarded).not.toMatch(/without API_TOKEN/);
    expect(guarded).not.toContain(TOKEN);
  });
});
