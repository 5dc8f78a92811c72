import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** An HTTP server on 127.0.0.1 (a port the OS picks) that a test's SDK client talks to. */
export interface LoopbackPeer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** stops it, cutting every open connection (a held or stalled answer included) */
  close(): Promise<void>;
}

/**
 * The part every AWS protocol peer of the tests shares (Firehose, Lambda, CodeDeploy): each request
 * is read whole and handed to `answer` with its body; `close` does not wait for keep-alive
 * connections or answers the peer holds back on purpose.
 */
export async function startLoopbackPeer(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<LoopbackPeer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks)));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
