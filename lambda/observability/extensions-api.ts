import type { Agent as HttpAgent } from 'node:http';

/*
 * Required, not imported: in an ES module bundle (the Lambda asset) `import … from 'node:http'`
 * builds an ES facade that reads every export of node:http, including the lazy WebSocket
 * getters that load Node's bundled undici: tens of milliseconds of the cold start for nothing.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Agent, request } = require('node:http') as typeof import('node:http');

/**
 * A client for Lambda's Extensions API (version 2020-01-01), enough for an internal extension:
 * an extension that runs inside the function's own process. Lambda documents it at
 * https://docs.aws.amazon.com/lambda/latest/dg/runtimes-extensions-api.html:
 * - `POST /2020-01-01/extension/register` with the `Lambda-Extension-Name` header and the events
 *   wanted (an internal extension may ask for `INVOKE` only, never `SHUTDOWN`) answers with a
 *   `Lambda-Extension-Identifier` header; it must happen during the init phase.
 * - `GET /2020-01-01/extension/event/next` (with that identifier) blocks until the next event. An
 *   invocation's Invoke phase ends, and Lambda freezes the process, only once the runtime and
 *   every extension have asked for the next event: what an extension does between an INVOKE
 *   event and its next `next` call runs after the reply was sent, before the freeze.
 * - With any extension registered, Lambda ends an environment by sending SIGTERM to the runtime
 *   process and allows it 500 ms (internal extensions) before SIGKILL.
 */

/** The INVOKE event as Lambda sends it to an extension. */
export interface InvokeEvent {
  readonly eventType: 'INVOKE';
  readonly requestId: string;
  /** when the invocation times out, in milliseconds since the epoch */
  readonly deadlineMs: number;
}

/** A call to the Extensions API that Lambda refused or that failed. */
export class ExtensionsApiError extends Error {
  override readonly name = 'ExtensionsApiError';
}

/** A registered internal extension. */
export interface RegisteredExtension {
  readonly id: string;
  /** Blocks until Lambda's next event for this extension (Lambda sends internal extensions INVOKE only). */
  next(): Promise<InvokeEvent>;
}

const API_VERSION = '2020-01-01';

/**
 * Registers an internal extension for INVOKE events. Call it during the init phase (before the
 * handler module finishes loading): Lambda refuses registrations after init.
 *
 * @example const extension = await registerInternalExtension(process.env.AWS_LAMBDA_RUNTIME_API, 'capture-flush');
 */
export async function registerInternalExtension(runtimeApi: string, name: string): Promise<RegisteredExtension> {
  // The `next` long poll holds one socket for as long as the process is idle: an agent of its own.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const registered = await call(
    agent,
    runtimeApi,
    'POST',
    `/${API_VERSION}/extension/register`,
    { 'lambda-extension-name': name },
    JSON.stringify({ events: ['INVOKE'] }),
  );
  if (registered.status !== 200) throw new ExtensionsApiError(`Lambda refused the extension's registration (${registered.status}): ${registered.body}`);
  const id = registered.headers['lambda-extension-identifier'];
  if (typeof id !== 'string' || id === '') throw new ExtensionsApiError('Lambda registered the extension without a Lambda-Extension-Identifier header');
  return {
    id,
    async next() {
      const answer = await call(agent, runtimeApi, 'GET', `/${API_VERSION}/extension/event/next`, { 'lambda-extension-identifier': id });
      if (answer.status !== 200) throw new ExtensionsApiError(`Lambda answered the extension's next event with ${answer.status}: ${answer.body}`);
      const event = JSON.parse(answer.body) as Partial<InvokeEvent>;
      if (event.eventType !== 'INVOKE' || typeof event.requestId !== 'string')
        throw new ExtensionsApiError(`unexpected event for an internal extension: ${answer.body}`);
      return { eventType: 'INVOKE', requestId: event.requestId, deadlineMs: Number(event.deadlineMs) };
    },
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP call, no timeout: `next` may rightly wait as long as the environment stays idle. */
function call(agent: HttpAgent, runtimeApi: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const [host, port] = runtimeApi.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host,
        port: Number(port ?? 80),
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => reject(new ExtensionsApiError(`${method} ${path} failed: ${error.message}`)));
    req.end(body);
  });
}
