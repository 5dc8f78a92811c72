import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { OPEN_ROUTES, PREDICTION_ROUTES } from '../../infra/api';
import { apiGatewayEvent } from './http-events';
import type { InvocationResult } from './lambda-runtime-api';

/** A running bridge: its base URL, and how many requests it turned into invocations. */
export interface ApiGatewayBridge {
  readonly url: string;
  invocations(): number;
  close(): Promise<void>;
}

/** The stack's route keys as API Gateway matches them: a `{param}` is one path segment. */
const ROUTES = [...PREDICTION_ROUTES, ...OPEN_ROUTES].map(({ method, path }) => ({
  key: `${method} ${path}`,
  method,
  pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));

/** Content types API Gateway passes as text; anything else arrives base64-encoded. */
const TEXT_TYPE = /^(text\/|application\/(json|[\w.+-]+\+json|xml|x-www-form-urlencoded))/i;

/**
 * A tiny stand-in for API Gateway's HTTP API on loopback, so an HTTP client (the Python client)
 * can talk to a function running the asset: a request on one of the stack's routes (infra/api.ts,
 * the same list the template is built from) becomes a payload 2.0 event for `invoke`, and the
 * function's result becomes the HTTP reply. Any other route is API Gateway's own
 * `404 {"message":"Not Found"}`, so a client reaching a path the stack does not route fails here
 * as it would in AWS. Authorization is not played: the routes' authorizers are the template
 * tests' concern.
 */
export async function startApiGatewayBridge(invoke: (event: APIGatewayProxyEventV2) => Promise<InvocationResult>): Promise<ApiGatewayBridge> {
  let count = 0;
  const server = createServer((req, res) => {
    void answer(req, res).catch((error: Error) =>
      send(res, { statusCode: 502, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: `bridge: ${error.message}` }) }),
    );
  });
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = new URL(req.url ?? '/', 'http://bridge').pathname;
    const method = req.method ?? 'GET';
    const route = ROUTES.find((candidate) => candidate.method === method && candidate.pattern.test(path));
    if (!route) return send(res, { statusCode: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Not Found' }) });
    const headers = Object.fromEntries(Object.entries(req.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])));
    const text = TEXT_TYPE.test(headers['content-type'] ?? '');
    const event: APIGatewayProxyEventV2 = {
      ...apiGatewayEvent({ method, path, headers }),
      routeKey: route.key,
      body: body.length === 0 ? undefined : text ? body.toString('utf8') : body.toString('base64'),
      isBase64Encoded: body.length > 0 && !text,
    };
    event.requestContext.routeKey = route.key;
    event.requestContext.requestId = `bridge-${++count}`;
    const result = await invoke(event);
    if (result.kind !== 'response') throw new Error(`the function failed: ${JSON.stringify(result.body)}`);
    send(res, result.body as APIGatewayProxyStructuredResultV2);
  };
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations: () => count,
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
  res.writeHead(result.statusCode ?? 200, { ...headers, 'content-length': String(body.length) }).end(body);
}
