import { startLoopbackPeer } from './loopback-peer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InvocationResult } from './lambda-runtime-api';

/** A function the service can invoke: anything that runs an event and gives Lambda's answer. */
export interface InvocableFunction {
  invoke(event: unknown): Promise<InvocationResult>;
}

/** One Invoke call as the service saw it. */
export interface RecordedInvoke {
  /** the FunctionName path parameter, decoded (a name, an ARN or a qualified ARN) */
  readonly functionName: string;
  readonly invocationType: string;
  readonly payload: unknown;
  readonly signed: boolean;
}

export interface LocalLambdaService {
  /** for AWS_ENDPOINT_URL_LAMBDA */
  readonly endpoint: string;
  readonly invokes: RecordedInvoke[];
  close(): Promise<void>;
}

/**
 * The Lambda service's Invoke API (REST, `POST /2015-03-31/functions/{FunctionName}/invocations`)
 * on 127.0.0.1, in front of functions running under the real runtime client on the loopback
 * Runtime API (test/support/lambda-runtime-api.ts): a request-response Invoke is handed to the
 * function registered under that exact FunctionName, and its answer comes back as Lambda sends
 * it — the payload as the body, and `X-Amz-Function-Error: Unhandled` when the handler threw. An
 * unknown name is a 404 ResourceNotFoundException. No npm package emulates it, so tests use this.
 */
export async function startLambdaService(functions: Readonly<Record<string, InvocableFunction>>): Promise<LocalLambdaService> {
  const invokes: RecordedInvoke[] = [];
  async function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const match = /^\/2015-03-31\/functions\/([^/?]+)\/invocations(\?.*)?$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match)
      return reply(res, 404, { 'x-amzn-errortype': 'UnknownOperationException' }, { Type: 'User', Message: `not emulated: ${req.method} ${req.url}` });
    const functionName = decodeURIComponent(match[1] as string);
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const payload = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as unknown);
    invokes.push({ functionName, invocationType, payload, signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256') });
    const fn = functions[functionName];
    if (!fn) return reply(res, 404, { 'x-amzn-errortype': 'ResourceNotFoundException' }, { Type: 'User', Message: `Function not found: ${functionName}` });
    if (invocationType !== 'RequestResponse')
      return reply(res, 400, { 'x-amzn-errortype': 'InvalidParameterValueException' }, { Type: 'User', Message: 'only RequestResponse is emulated' });
    const result = await fn.invoke(payload);
    const qualifier = functionName.split(':')[7] ?? '$LATEST';
    reply(res, 200, { 'x-amz-executed-version': qualifier, ...(result.kind === 'error' ? { 'x-amz-function-error': 'Unhandled' } : {}) }, result.body);
  }

  const peer = await startLoopbackPeer((req, res, body) => {
    answer(req, res, body).catch((error: unknown) => reply(res, 500, { 'x-amzn-errortype': 'ServiceException' }, { Type: 'Service', Message: String(error) }));
  });
  return { endpoint: peer.endpoint, invokes, close: () => peer.close() };
}

function reply(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
