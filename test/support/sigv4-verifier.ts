import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

/** Fake static credentials: never real ones. */
export const FAKE_CREDENTIALS = Object.freeze({
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'FwoGZXIvYXdzEXAMPLESESSIONTOKEN',
});

export interface SigV4Verifier {
  readonly url: string;
  close(): Promise<void>;
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * A loopback stand-in for API Gateway's IAM authorizer: it recomputes the SigV4 signature of each
 * request as received on the wire (method, path, query, the signed headers, the body's hash),
 * with the secret of the fake access key, and answers 200 `{ verified: true }` only when it matches
 * (403 with the reason otherwise). Credentials, region and service must be the expected ones.
 */
export async function startSigV4Verifier(region: string, service = 'execute-api'): Promise<SigV4Verifier> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      verify(req.method ?? 'GET', req.url ?? '/', req.headers, body, region, service).then(
        (problem) => {
          res.writeHead(problem ? 403 : 200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(problem ? { message: problem } : { verified: true, body: body.toString('utf8') }));
        },
        (error: unknown) => {
          res.writeHead(500).end(String(error));
        },
      );
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

async function verify(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  region: string,
  service: string,
): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(String(headers.authorization ?? ''));
  if (!match) return 'missing or malformed Authorization header';
  const [, accessKeyId, day, signedRegion, signedService, signedHeaderList, signature] = match as unknown as string[];
  if (accessKeyId !== FAKE_CREDENTIALS.accessKeyId) return 'unknown access key';
  if (signedRegion !== region || signedService !== service) return `signed for ${signedRegion}/${signedService}`;
  if (headers['x-amz-security-token'] !== FAKE_CREDENTIALS.sessionToken) return 'missing or wrong session token';
  const amzDate = String(headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(day as string)) return 'x-amz-date does not match the credential scope';
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(body).digest('hex')) return 'body does not match x-amz-content-sha256';

  const signedNames = (signedHeaderList as string).split(';');
  if (!signedNames.includes('host')) return 'host is not signed';
  const url = new URL(rawUrl, 'http://placeholder');
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: FAKE_CREDENTIALS.accessKeyId, secretAccessKey: FAKE_CREDENTIALS.secretAccessKey },
    sha256: Sha256,
  });
  const resigned = await signer.sign(
    {
      method,
      protocol: 'http:',
      hostname: String(headers.host ?? '').replace(/:\d+$/, ''),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(signedNames.map((name) => [name, String(headers[name] ?? '')])),
      body: body.toString('utf8'),
    },
    { signingDate: parseAmzDate(amzDate) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(resigned.headers.authorization))?.[1];
  return expected === signature ? undefined : 'signature does not match';
}

/** `20261128T174501Z` → Date. */
function parseAmzDate(text: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return new Date(Number.NaN);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}
