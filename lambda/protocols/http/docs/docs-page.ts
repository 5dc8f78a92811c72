import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HttpResponse } from '../http-handler';
import type { ProtocolCodec } from '../protocols';
import { jsonReply, textReply } from '../replies';
import type { MatchedRoute } from '../routes';

/**
 * The files of swagger-ui-dist the page loads, by the name `/docs/<asset>` serves them under.
 * infra/bundling.ts copies exactly these (and the package's license) beside the Lambda asset and
 * the container's bundle; npm start reads them from node_modules.
 */
export const DOCS_ASSETS: Readonly<Record<string, string>> = Object.freeze({
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
});

/**
 * The page: Swagger UI on the service's own /openapi.json. Every URL is relative, so the page
 * works under an API Gateway stage prefix too, and nothing is fetched from elsewhere (no CDN, no
 * validator badge: `validatorUrl: null`).
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Ride prediction service: API reference</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, docExpansion: 'list', defaultModelsExpandDepth: 0, presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout' });
</script>
</body>
</html>
`;

/** The assets, read from disk on first use and kept: the cold path never touches them. */
const cache = new Map<string, Promise<string>>();

/** Where swagger-ui-dist is: node_modules beside the bundle (the asset, the container) or the project's (npm start, tests). */
function packageDir(): string {
  // `require` is the bundle's createRequire(import.meta.url) (infra/bundling.ts), so it resolves from the bundle's own directory.
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

function readAsset(name: string): Promise<string> {
  let text = cache.get(name);
  if (!text) {
    text = readFile(join(packageDir(), name), 'utf8');
    // A failed read is not kept: the next request tries again.
    text.catch(() => cache.delete(name));
    cache.set(name, text);
  }
  return text;
}

/**
 * `GET /docs`, an interactive API reference (Swagger UI, from the swagger-ui-dist package: no CDN,
 * works offline) of every route as /openapi.json describes it, one try-it-out per model; and
 * `GET /docs/<asset>`, its script and stylesheet. Open like /openapi.json.
 */
export const docsPage: ProtocolCodec = {
  async answer(request, deps, matched) {
    const route = matched.find((candidate) => candidate.route.method === request.method);
    if (!route) return jsonReply(405, { error: `${request.path} accepts GET only`, code: 'METHOD_NOT_ALLOWED' }, { allow: 'GET' });
    if (route.route.path === '/docs') return textReply(200, PAGE, 'text/html; charset=utf-8');
    return asset(route, deps.onUnexpectedError);
  },
};

async function asset({ params }: MatchedRoute, onUnexpectedError: (error: unknown) => void): Promise<HttpResponse> {
  const name = params.asset as string;
  const contentType = DOCS_ASSETS[name];
  if (!contentType) return jsonReply(404, { error: `no such file; the page loads ${Object.keys(DOCS_ASSETS).join(' and ')}`, code: 'NO_SUCH_ROUTE' });
  try {
    // The same bytes until the package changes, which is a new deployment: browsers may keep them a day.
    return textReply(200, await readAsset(name), contentType, { 'cache-control': 'public, max-age=86400' });
  } catch (error) {
    onUnexpectedError(error);
    return jsonReply(500, { error: 'internal error', code: 'INTERNAL_ERROR' });
  }
}
