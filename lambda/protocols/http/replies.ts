import { randomUUID } from 'node:crypto';
import type { HttpResponse } from './http-handler';

/** What every reply of the service carries: no caching of predictions, no content sniffing. */
const BASE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** A JSON reply. */
export function jsonReply(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': 'application/json', ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** A reply of another type (text/plain, text/html, JavaScript, CSS). */
export function textReply(statusCode: number, body: string, contentType: string, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { 'content-type': contentType, ...BASE_HEADERS, ...headers }, body };
}

/** `{name}`-style path parameters arrive percent-encoded; an invalid escape is kept as sent (it then names no model). */
export function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The request's row ids for capture (API Gateway's request id, or a UUID; `#<row>` per row when
 * there are several), built on the first call only: observers that never read them cost no UUID.
 * The same ids `/predict` gives its rides.
 */
export function lazyRowIds(requestId: string | undefined, rows: number): () => readonly string[] {
  let ids: string[] | undefined;
  return () => {
    if (!ids) {
      const id = requestId ?? randomUUID();
      ids = rows === 1 ? [id] : Array.from({ length: rows }, (_, i) => `${id}#${i}`);
    }
    return ids;
  };
}
