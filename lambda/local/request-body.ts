import type { IncomingMessage } from 'node:http';

/** What reading a request body came to. */
export type BodyResult =
  | { readonly kind: 'body'; readonly body: Buffer }
  /** `drained`: the whole upload was read (and discarded), so the client is ready to read the answer */
  | { readonly kind: 'too-large'; readonly received: number; readonly drained: boolean };

/** The client closed the connection before its request was complete: there is no one to answer. */
export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/**
 * Reads a request body, keeping at most `limit` bytes. Past the limit it goes on reading and
 * discarding, up to `drainLimit` more bytes, and only then reports `too-large`: answering while the
 * client is still uploading and closing the socket makes the client's next write fail (EPIPE, or a
 * reset that swallows the answer), so a client that sends a few MB too many reads a 413 instead.
 * An upload larger still (declared or counted) is reported at once, undrained; the request timeout
 * bounds how long a slow upload can be drained.
 *
 * @example const read = await readBody(req, 1 << 20, 32 << 20); if (read.kind === 'too-large') ...
 */
export function readBody(req: IncomingMessage, limit: number, drainLimit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit + drainLimit) return Promise.resolve({ kind: 'too-large', received: 0, drained: false });
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.removeListener('data', onData);
      req.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit + drainLimit) {
        stop();
        resolve({ kind: 'too-large', received: size, drained: false });
      } else chunks = []; // over the limit: keep counting, hold nothing
    };
    req.on('data', onData);
    req.once('end', () => resolve(size > limit ? { kind: 'too-large', received: size, drained: true } : { kind: 'body', body: Buffer.concat(chunks, size) }));
    req.once('close', () => {
      if (!req.complete) reject(new ClientGoneError('the client closed the connection mid-request'));
    });
    req.once('error', () => reject(new ClientGoneError('the client connection failed mid-request')));
  });
}
