import { Console } from 'node:console';
import { Writable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { ModelNotFoundError } from '../../../lambda/serving/errors';
import { redactSecrets } from '../../../lambda/observability/log-redaction';
import { createServiceLogger } from '../../../lambda/observability/service-logger';
import { ECHOED_CREDENTIALS, startCredentialEchoPeer, type CredentialEchoPeer } from '../../support/credential-echo-peer';
import { startS3Server, type LocalS3 } from '../../support/s3-server';

/** What must never appear in a log line, whatever the peer sent back. */
function expectNoSecret(text: string, signature: string | undefined): void {
  expect(text).not.toContain(ECHOED_CREDENTIALS.accessKeyId);
  expect(text).not.toContain(ECHOED_CREDENTIALS.sessionToken);
  expect(text).not.toContain(ECHOED_CREDENTIALS.secretAccessKey);
  if (signature) expect(text).not.toContain(signature);
  expect(text).not.toMatch(/CanonicalRequest|StringToSign|x-amz-security-token:(?!\[redacted\])/i);
}

/** The S3 error a client with those credentials gets from `endpoint`. */
async function s3ErrorFrom(endpoint: string): Promise<Error> {
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { ...ECHOED_CREDENTIALS },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  try {
    await client.send(new GetObjectCommand({ Bucket: 'models', Key: 'duration/model.onnx' }));
  } catch (error) {
    return error as Error;
  } finally {
    client.destroy();
  }
  throw new Error('the peer answered the request');
}

/** The lines a service logger writes while `log` runs (its console pointed at a buffer). */
function loggedLines(log: (logger: ReturnType<typeof createServiceLogger>) => void): string[] {
  let written = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written += chunk.toString('utf8');
      done();
    },
  });
  const logger = createServiceLogger({ serviceName: 'redaction-test' });
  // Powertools writes through its own Console on the process's stdout; this one writes to the buffer.
  (logger as unknown as { console: Console }).console = new Console({ stdout: sink, stderr: sink });
  log(logger);
  return written.split('\n').filter(Boolean);
}

describe('the service logger, given errors from S3 peers that echo credentials', () => {
  let s3rver: LocalS3;
  let echo: CredentialEchoPeer;
  beforeAll(async () => {
    [s3rver, echo] = await Promise.all([startS3Server(), startCredentialEchoPeer()]);
  });
  afterAll(() => Promise.all([s3rver.close(), echo.close()]));

  it.each([
    ['s3rver refusing an unknown access key (InvalidAccessKeyId echoes AWSAccessKeyId)', () => s3rver.endpoint, 'InvalidAccessKeyId'],
    ["a peer answering S3's SignatureDoesNotMatch with the canonical request", () => echo.endpoint, 'SignatureDoesNotMatch'],
  ])('logs %s by name, code and status, and none of what the peer echoed', async (_case, endpoint, name) => {
    const error = (await s3ErrorFrom(endpoint())) as Error & { SignatureProvided?: string; CanonicalRequest?: string };
    // The peer did echo them: the SDK put them on the error, where Powertools would log them.
    expect(JSON.stringify({ ...error })).toContain(ECHOED_CREDENTIALS.accessKeyId);

    const lines = loggedLines((logger) => {
      logger.error('dead-letter write failed', { error });
      logger.warn('shadow model failed', { error: new ModelNotFoundError(`cannot fetch model 'duration': ${error.message}`, { cause: error }) });
      // A message that quotes the canonical request as text (a peer may put it in <Message>).
      logger.warn('model refresh check failed', { reason: `${error.message}\n${error.CanonicalRequest ?? ''}` });
    });

    expect(lines).toHaveLength(3);
    for (const line of lines) expectNoSecret(line, error.SignatureProvided);
    const [direct, wrapped] = lines.map(
      (line) => JSON.parse(line) as Record<string, { name: string; code?: string; httpStatusCode?: number; cause?: { name: string; httpStatusCode?: number } }>,
    );
    expect(direct?.error).toMatchObject({ name, httpStatusCode: 403 });
    expect(wrapped?.error).toMatchObject({ name: 'ModelNotFoundError', code: 'MODEL_NOT_FOUND', cause: { name, httpStatusCode: 403 } });
  });

  it('scrubs access key ids, token lines, signing parameters and Authorization values from any text', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9+/]{20,200}={0,2}$/);
    const keyId = fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/);
    fc.assert(
      fc.property(keyId, token, fc.string(), fc.string(), (id, secret, before, after) => {
        const texts = [
          `${before}${id}${after}`,
          `${before}\nx-amz-security-token:${secret}\n${after}`,
          `${before}?X-Amz-Credential=${id}%2F20260101&X-Amz-Security-Token=${secret}&X-Amz-Signature=${'ab'.repeat(32)}`,
          `authorization: AWS4-HMAC-SHA256 Credential=${id}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=${'cd'.repeat(32)}`,
        ];
        for (const text of texts) {
          const scrubbed = redactSecrets(text);
          expect(scrubbed).not.toContain(id);
          if (!`${before}${after}`.includes(secret)) expect(scrubbed).not.toContain(secret);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves ordinary log text alone', () => {
    for (const text of [
      'model loaded',
      "cannot fetch model 'cost' from s3://models/cost/model.onnx: NoSuchKey",
      'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    ]) {
      expect(redactSecrets(text)).toBe(text);
    }
  });
});
