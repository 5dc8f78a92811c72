import { COURSE_RIDE, DEFAULT_MODEL_PATH } from '../../support/fixtures';
import { ECHOED_CREDENTIALS, startCredentialEchoPeer, type CredentialEchoPeer } from '../../support/credential-echo-peer';
import { startServer } from '../../support/local-programs';

/** Resolves once `condition` holds, checking every 50 ms; rejects after 30 s. */
async function eventually(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 50))) {
    if (Date.now() - started > 30_000) throw new Error('the condition did not hold within 30 s');
  }
}

/**
 * npm start with temporary credentials, its S3 pointed at a peer that answers every request with
 * S3's SignatureDoesNotMatch body, which echoes the access key id, the signature and the
 * canonical request with the session token. A served model, a shadow and /health all meet it.
 */
describe('npm start against an S3 that echoes the credentials it was sent', () => {
  let peer: CredentialEchoPeer;
  beforeAll(async () => {
    peer = await startCredentialEchoPeer();
  });
  afterAll(() => peer.close());

  it('logs the failures by name and status, never the access key id, session token or canonical request', async () => {
    const server = await startServer({
      MODELS: `duration=${DEFAULT_MODEL_PATH},cost=s3://models/cost/model.onnx`,
      SHADOW_MODELS: 'duration=s3://models/shadow/model.onnx',
      ALLOW_PARTIAL_MODELS: 'true',
      AWS_ENDPOINT_URL_S3: peer.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: ECHOED_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ECHOED_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: ECHOED_CREDENTIALS.sessionToken,
      S3_MAX_ATTEMPTS: '1',
    });
    let health: string;
    const output = () => server.output();
    try {
      // Powertools writes WARN and ERROR lines to stderr: wait on the whole output.
      await eventually(() => output().includes('shadow model failed') && output().includes('model cannot be loaded'));
      const predicted = await fetch(`${server.url}/predict/duration`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(COURSE_RIDE),
      });
      expect(predicted.status).toBe(200);
      health = await (await fetch(`${server.url}/health`)).text();
    } finally {
      await server.stop();
    }

    expect(peer.requests).toBeGreaterThanOrEqual(2);
    for (const text of [output(), health]) {
      expect(text).not.toContain(ECHOED_CREDENTIALS.accessKeyId);
      expect(text).not.toContain(ECHOED_CREDENTIALS.sessionToken);
      expect(text).not.toMatch(/CanonicalRequest|StringToSign|SignatureProvided|x-amz-security-token:(?!\[redacted\])/i);
    }
    const shadowLine = output()
      .split('\n')
      .find((line) => line.includes('shadow model failed')) as string;
    expect(JSON.parse(shadowLine)).toMatchObject({ error: { code: 'MODEL_NOT_FOUND', cause: { name: 'SignatureDoesNotMatch', httpStatusCode: 403 } } });
  });
});
