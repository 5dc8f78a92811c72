import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Fake temporary credentials (never real ones): what a peer may echo back. */
export const ECHOED_CREDENTIALS = Object.freeze({
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENx9dKw0Lp7Qm2vR4sT8uY1zA3bC5dE7fG9hJ0kL',
});

export interface CredentialEchoPeer {
  readonly endpoint: string;
  /** requests answered so far */
  readonly requests: number;
  close(): Promise<void>;
}

const SIGV4 = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/[^,]+, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * An S3 stand-in on loopback that refuses every request as S3 documents it for a signature that
 * does not match: `403 SignatureDoesNotMatch` whose body echoes the `AWSAccessKeyId`, the
 * `StringToSign`, the `SignatureProvided` and the `CanonicalRequest` (with every signed header,
 * `x-amz-security-token` included) and their byte dumps, built from the request as received.
 */
export async function startCredentialEchoPeer(): Promise<CredentialEchoPeer> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests++;
      const body = signatureDoesNotMatch(req);
      res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'ECHOPEER0001' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function signatureDoesNotMatch(req: IncomingMessage): string {
  const match = SIGV4.exec(String(req.headers.authorization ?? ''));
  const accessKeyId = match?.[1] ?? '';
  const signedHeaders = (match?.[2] ?? '').split(';').filter(Boolean);
  const [path, query = ''] = (req.url ?? '/').split('?');
  const canonicalRequest = [
    req.method,
    path,
    query,
    ...signedHeaders.map((name) => `${name}:${String(req.headers[name] ?? '').trim()}`),
    '',
    signedHeaders.join(';'),
    String(req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD'),
  ].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date'] ?? ''), 'scope', canonicalRequest.length.toString(16)].join('\n');
  const bytes = (text: string) => [...Buffer.from(text)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
    '<Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>' +
    `<AWSAccessKeyId>${accessKeyId}</AWSAccessKeyId><StringToSign>${escape(stringToSign)}</StringToSign>` +
    `<SignatureProvided>${match?.[3] ?? ''}</SignatureProvided><StringToSignBytes>${bytes(stringToSign)}</StringToSignBytes>` +
    `<CanonicalRequest>${escape(canonicalRequest)}</CanonicalRequest><CanonicalRequestBytes>${bytes(canonicalRequest)}</CanonicalRequestBytes>` +
    '<RequestId>ECHOPEER0001</RequestId><HostId>echo</HostId></Error>'
  );
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
