import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { regionOfApiUrl, signPredictRequest } from '../../../lambda/local/signed-request';
import { FAKE_CREDENTIALS, startSigV4Verifier, type SigV4Verifier } from '../../support/sigv4-verifier';
import { COURSE_RIDE } from '../../support/fixtures';
import { LAUNCHER } from '../../support/local-programs';

const REGION = 'eu-west-1';

describe('signPredictRequest against a loopback SigV4 check', () => {
  let verifier: SigV4Verifier;
  beforeAll(async () => {
    verifier = await startSigV4Verifier(REGION);
  });
  afterAll(() => verifier.close());

  const send = (signed: { url: string; method: string; headers: Record<string, string>; body: string }) => fetch(signed.url, signed);

  it('produces a request whose signature the check recomputes, session token included', async () => {
    const signed = await signPredictRequest(new URL(`${verifier.url}/predict`), JSON.stringify(COURSE_RIDE), FAKE_CREDENTIALS, REGION);
    const response = await send(signed);

    expect(signed.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=/,
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ verified: true, body: JSON.stringify(COURSE_RIDE) });
  });

  it('verifies for generated model paths, queries and bodies, and fails once the body is changed after signing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[a-z0-9_]{1,20}$/),
        fc.string({ maxLength: 200 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string({ maxLength: 10 }), { maxKeys: 2 }),
        async (model, body, query) => {
          const url = new URL(`${verifier.url}/predict/${model}`);
          for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
          const signed = await signPredictRequest(url, body, FAKE_CREDENTIALS, REGION);

          expect((await send(signed)).status).toBe(200);
          expect((await send({ ...signed, body: `${body} ` })).status).toBe(403);
        },
      ),
      { numRuns: 30 },
    );
  });

  it.each([
    [
      'sent to another path',
      async () => ({ ...(await signPredictRequest(new URL(`${verifier.url}/predict`), '{}', FAKE_CREDENTIALS, REGION)), url: `${verifier.url}/predict/cost` }),
    ],
    [
      'signed with a wrong secret',
      () => signPredictRequest(new URL(`${verifier.url}/predict`), '{}', { ...FAKE_CREDENTIALS, secretAccessKey: 'not-the-secret' }, REGION),
    ],
    ['signed for another region', () => signPredictRequest(new URL(`${verifier.url}/predict`), '{}', FAKE_CREDENTIALS, 'us-east-1')],
  ])('is refused when %s', async (_case, build) => {
    expect((await send(await build())).status).toBe(403);
  });

  it('reads the region from an API Gateway URL', () => {
    expect(regionOfApiUrl(new URL('https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/predict'))).toBe('eu-west-1');
    expect(regionOfApiUrl(new URL('http://127.0.0.1:9696/predict'))).toBeUndefined();
  });

  it('runs as a script with the credentials of the default chain and prints the answer', async () => {
    const child = spawn(process.execPath, [LAUNCHER, 'signed-request', `${verifier.url}/predict`], {
      // Fake static credentials in the environment only; no profile, no instance metadata.
      env: {
        PATH: process.env.PATH,
        AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: FAKE_CREDENTIALS.sessionToken,
        AWS_REGION: REGION,
        AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));

    expect({ code, output: output.trim() }).toEqual({
      code: 0,
      output: `200 ${JSON.stringify({ verified: true, body: '{"PULocationID": 10, "DOLocationID": 50, "trip_distance": 40}' })}`,
    });
  });
});
