import { startServer, type RunningServer } from '../../support/local-programs';
import { chromiumMissing, openDocs, type DocsPage } from '../../support/docs-browser';

/**
 * GET /docs in a real browser (Debian's headless chromium), served by npm start: Swagger UI from
 * the swagger-ui-dist package draws /openapi.json, listing every model's routes on every
 * protocol, fetches nothing from anywhere else, and a try-it-out with the example the document
 * gives (built from the loaded models) gets a prediction from the running server. Runs where
 * /usr/bin/chromium is installed (CI installs it).
 */

const missing = chromiumMissing();
if (missing) console.warn(`skipping the API reference in a browser: ${missing}`);

(missing ? describe.skip : describe)('the API reference page in headless Chromium, on npm start', () => {
  let server: RunningServer & { url: string };
  let docs: DocsPage;
  beforeAll(async () => {
    server = await startServer();
    docs = await openDocs(server.url);
  }, 60_000);
  afterAll(async () => {
    await docs?.close();
    await server?.stop();
  });

  it("lists every model's routes on every protocol", async () => {
    const operations = await docs.operations();

    for (const name of ['duration', 'cost']) {
      expect(operations).toEqual(
        expect.arrayContaining([`POST /predict/${name}`, `POST /v2/models/${name}/infer`, `GET /v2/models/${name}`, `GET /v2/models/${name}/ready`]),
      );
    }
    expect(operations).toEqual(
      expect.arrayContaining(['POST /predict', 'GET /health', 'POST /invocations', 'GET /ping', 'GET /version', 'GET /v2', 'GET /v2/health/ready']),
    );
  });

  it('loads everything from the server itself: no CDN, nothing from elsewhere', () => {
    expect(docs.requested.filter((url) => !url.startsWith(server.url))).toEqual([]);
    expect(docs.requested).toEqual(
      expect.arrayContaining([`${server.url}/docs/swagger-ui-bundle.js`, `${server.url}/docs/swagger-ui.css`, `${server.url}/openapi.json`]),
    );
  });

  it.each([
    ['POST', '/predict/duration', (reply: Record<string, unknown>) => reply.duration],
    ['POST', '/v2/models/cost/infer', (reply: Record<string, unknown>) => (reply.outputs as { data: number[] }[])[0]?.data[0]],
    ['POST', '/invocations', (reply: Record<string, unknown>) => (reply.predictions as Record<string, number>[])[0]?.duration],
  ])('gets a prediction from the running server with the try-it-out of %s %s', async (method, path, prediction) => {
    const { status, body, sent } = await docs.tryItOut(method, path);

    expect(status).toBe('200');
    const value = prediction(JSON.parse(body) as Record<string, unknown>);
    expect(typeof value === 'number' && Number.isFinite(value)).toBe(true);
    // What the page shows is the server's answer to the request the page sent.
    expect(sent.url).toBe(`${server.url}${path}`);
    const direct = await fetch(sent.url, { method, headers: { 'content-type': sent.contentType ?? 'application/json' }, body: sent.body });
    expect(JSON.parse(body)).toEqual(await direct.json());
  });
});
