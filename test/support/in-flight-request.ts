import { request, type ClientRequest, type IncomingMessage } from 'node:http';

/** A POST the server has started on and is waiting to read the body of. */
export interface InFlightRequest {
  /** Sends the body; resolves with the answer (status, body, the `connection` header). */
  finish(): Promise<{ status: number; body: string; connection: string | undefined }>;
}

/**
 * Starts a JSON POST with `Expect: 100-continue` and resolves once the server answered `100
 * Continue`: from then on the server holds the request (its handler is reading the body), so a
 * signal sent now finds it in flight, with no timing guess. The connection is keep-alive, as a
 * load balancer's would be.
 *
 * @example
 * const inFlight = await startInFlightPost(port, '/predict', JSON.stringify(COURSE_RIDE));
 * child.kill('SIGTERM');
 * const { status } = await inFlight.finish();
 */
export function startInFlightPost(port: number, path: string, body: string): Promise<InFlightRequest> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request({
      host: '127.0.0.1',
      port,
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue', connection: 'keep-alive' },
    });
    const answer = new Promise<IncomingMessage>((done, fail) => {
      req.once('response', done);
      req.once('error', fail);
    });
    req.once('error', reject);
    req.once('continue', () =>
      resolve({
        async finish() {
          req.end(body);
          const response = await answer;
          let text = '';
          for await (const chunk of response) text += String(chunk);
          return { status: response.statusCode ?? 0, body: text, connection: response.headers.connection };
        },
      }),
    );
    req.flushHeaders();
  });
}
