import { Sha256 } from '@aws-crypto/sha256-js';
import { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { UsageError } from './cli';

/** Static or resolved AWS credentials, as the SDK hands them out. */
export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** A request ready for `fetch`: the URL, method, the signed headers and the exact body that was signed. */
export interface SignedRequest {
  readonly url: string;
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** The region in an API Gateway URL (`https://<id>.execute-api.<region>.amazonaws.com/`), if it is one. */
export function regionOfApiUrl(url: URL): string | undefined {
  return /^[^.]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(url.hostname)?.[1];
}

/**
 * Signs `POST url` with `body` for API Gateway's IAM authorizer (SigV4, service `execute-api`):
 * the caller needs `execute-api:Invoke` on the route (the stack's InvokePolicyArn grants exactly
 * that). Send the result unchanged: the host, path, query and body are all under the signature.
 *
 * @example
 * const signed = await signPredictRequest(new URL(`${apiUrl}predict`), JSON.stringify(ride), credentials, 'eu-west-1');
 * const response = await fetch(signed.url, signed);
 */
export async function signPredictRequest(url: URL, body: string, credentials: SigningCredentials, region: string, signingDate?: Date): Promise<SignedRequest> {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      // `host` must be signed as the server will see it: with the port when there is one.
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    },
    { signingDate },
  );
  return { url: url.toString(), method: 'POST', headers: signed.headers as Record<string, string>, body };
}

/** `npm run signed-request -- --help`. */
export const SIGNED_REQUEST_USAGE = `Sends one prediction request to the deployed API, signed with SigV4 (apiAuth=iam, the stack's
default) with the credentials the AWS CLI would use (environment, profile, SSO, instance role),
and prints the status and the reply. The caller needs the stack's InvokePolicyArn attached.

usage:
  npm run signed-request -- <ApiUrl>predict[/<model>] [json body]

examples:
  npm run signed-request -- https://abc123.execute-api.eu-west-1.amazonaws.com/predict
  npm run signed-request -- "$(aws cloudformation describe-stacks --stack-name RideDurationPrediction \\
    --query "Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue" --output text)predict" \\
    '{"PULocationID": 130, "DOLocationID": 205, "trip_distance": 3.66}'
`;

/**
 * `npm run signed-request -- <ApiUrl>predict '<json>'`: one signed prediction with the
 * credentials the AWS CLI would use (the SDK's default chain: environment, profile, SSO,
 * instance role), printed as the API answered it.
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [target, body = '{"PULocationID": 10, "DOLocationID": 50, "trip_distance": 40}', ...rest] = argv;
  if (!target) throw new UsageError('give the API URL, e.g. https://<id>.execute-api.<region>.amazonaws.com/predict');
  if (rest.length > 0) throw new UsageError(`takes a URL and a body, got ${argv.length} arguments`);
  if (!URL.canParse(target)) throw new UsageError(`'${target}' is not a URL`);
  const url = new URL(target);
  // Any SDK client resolves the default credential chain and region; it sends nothing here.
  const sdk = new S3Client({});
  const region = regionOfApiUrl(url) ?? (await sdk.config.region());
  const signed = await signPredictRequest(url, body, await sdk.config.credentials(), region);
  const response = await fetch(signed.url, signed);
  console.log(response.status, await response.text());
  if (!response.ok) process.exitCode = 1;
}
