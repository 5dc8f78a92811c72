import * as z from 'zod';
import { envVar, optionalText, positiveInt, readEnv } from './env';

/** The web service's variables: where `npm start` listens and how it treats clients. */
export const HTTP_ENV = {
  host: envVar('HOST', z.string().default('127.0.0.1'), {
    type: 'host name or address',
    doc: 'Where `npm start` (and the container, where it is 0.0.0.0) listens.',
  }),
  port: envVar('PORT', z.coerce.number().int().min(0).max(65535).default(9696), {
    type: 'integer 0–65535',
    doc: 'The port `npm start` listens on (0: any free port, logged at start).',
  }),
  maxBodyBytes: envVar('MAX_BODY_BYTES', positiveInt(1024 * 1024), {
    type: 'integer ≥ 1 (bytes)',
    doc: 'Largest request body; beyond it the answer is 413 BODY_TOO_LARGE.',
  }),
  maxRidesPerRequest: envVar('MAX_RIDES_PER_REQUEST', positiveInt(10_000), {
    type: 'integer ≥ 1',
    doc: 'Most rides in one request; beyond it the answer is 413.',
  }),
  workers: envVar('WEB_CONCURRENCY', positiveInt(1), {
    type: 'integer ≥ 1',
    doc: '`npm start` server processes (node:cluster when above 1), e.g. one per core.',
  }),
  // A guessable token is no protection; 16 characters is the floor, `openssl rand -hex 32` the advice.
  // Visible ASCII only: a space or a non-ASCII letter cannot survive a client's Authorization
  // header unchanged, so such a token would be accepted here and then never match (every request 401).
  apiToken: envVar(
    'API_TOKEN',
    optionalText.pipe(
      z
        .string()
        .min(16, 'API_TOKEN must be at least 16 characters')
        .regex(/^[\x21-\x7e]+$/, 'API_TOKEN must be printable ASCII without spaces (e.g. `openssl rand -hex 32`)')
        .optional(),
    ),
    {
      type: 'printable ASCII, no spaces, ≥ 16 characters',
      doc: 'When set, every path but the open ones (health, model metadata, /openapi.json, /docs) needs `Authorization: Bearer <API_TOKEN>` (`npm start` and the container).',
    },
  ),
  headersTimeoutMs: envVar('HTTP_HEADERS_TIMEOUT_MS', positiveInt(10_000), {
    type: 'integer ≥ 1 (ms)',
    doc: 'A client still sending headers after this is cut off (408).',
  }),
  requestTimeoutMs: envVar('HTTP_REQUEST_TIMEOUT_MS', positiveInt(30_000), {
    type: 'integer ≥ 1 (ms)',
    doc: 'A client still sending its request after this is cut off (408).',
  }),
  keepAliveTimeoutMs: envVar('HTTP_KEEP_ALIVE_TIMEOUT_MS', positiveInt(65_000), {
    type: 'integer ≥ 1 (ms)',
    doc: 'An idle keep-alive connection is closed after this.',
  }),
  maxDrainBytes: envVar(
    'MAX_DRAIN_BYTES',
    z.coerce
      .number()
      .int()
      .min(0)
      .default(32 * 1024 * 1024),
    {
      type: 'integer ≥ 0 (bytes)',
      doc: 'How much of a refused (413, 401) upload is read and dropped so the client can read the answer.',
    },
  ),
} as const;

export type HttpSettings = ReturnType<typeof httpSettings>;

export function httpSettings(env: NodeJS.ProcessEnv) {
  return Object.freeze(readEnv(HTTP_ENV, env));
}
