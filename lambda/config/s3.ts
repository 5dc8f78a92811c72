import { envVar, optionalText, positiveInt, readEnv } from './env';

/** The S3 client's variables (model fetch, dead letters, batch files, the monitor). */
export const S3_ENV = {
  endpointS3: envVar('AWS_ENDPOINT_URL_S3', optionalText, {
    type: 'URL',
    doc: "The SDK's own S3 endpoint override, e.g. a local S3 server (path-style addressing is used then).",
  }),
  endpoint: envVar('AWS_ENDPOINT_URL', optionalText, {
    type: 'URL',
    doc: "The SDK's endpoint override for every service (S3 and Firehose here), when no per-service one is set.",
  }),
  maxAttempts: envVar('S3_MAX_ATTEMPTS', positiveInt(3), { type: 'integer ≥ 1', doc: "Attempts per S3 call (the SDK's own retries)." }),
  requestTimeoutMs: envVar('S3_REQUEST_TIMEOUT_MS', positiveInt(10_000), {
    type: 'integer ≥ 1 (ms)',
    doc: 'An S3 call that stalls this long fails (and is retried).',
  }),
  connectionTimeoutMs: envVar('S3_CONNECTION_TIMEOUT_MS', positiveInt(2000), {
    type: 'integer ≥ 1 (ms)',
    doc: 'A connection to S3 not made within this fails (and is retried).',
  }),
} as const;

export type S3Settings = ReturnType<typeof s3Settings>;

export function s3Settings(env: NodeJS.ProcessEnv) {
  const { endpointS3, endpoint, ...rest } = readEnv(S3_ENV, env);
  /** set when S3 is pointed at a local server (then path-style) */
  const url = endpointS3 ?? endpoint;
  return Object.freeze({ ...rest, ...(url === undefined ? {} : { endpoint: url }) });
}
