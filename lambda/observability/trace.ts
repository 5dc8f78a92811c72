import { randomUUID } from 'node:crypto';

/**
 * The W3C trace context of one request or invocation: its trace id follows the prediction into
 * logs, capture records, dead letters and shadow comparisons, and the reply's `traceparent`.
 */
export interface TraceContext {
  /** 32 lower-case hex digits, never all zeros */
  readonly traceId: string;
  /** the caller's span (16 hex digits), when the caller sent one */
  readonly parentId?: string;
  readonly sampled: boolean;
}

/** The headers a trace is read from, lower-case names (API Gateway and node:http both give them so). */
export interface TraceHeaders {
  readonly traceparent?: string;
  readonly 'x-amzn-trace-id'?: string;
}

// https://www.w3.org/TR/trace-context/#traceparent-header-field-values: version 00 is exactly
// these four fields; a later version may append fields after a dash, which a version-00 reader ignores.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
// X-Ray: Root=1-<8 hex epoch>-<24 hex>, then Parent=<16 hex> and Sampled=0|1 in any order.
const XRAY_ROOT = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})(?:;|$)/i;
const XRAY_PARENT = /(?:^|;)\s*Parent=([0-9a-f]{16})(?:;|$)/i;
const XRAY_SAMPLED = /(?:^|;)\s*Sampled=1(?:;|$)/;
const ZEROS = /^0+$/;

/**
 * The caller's W3C `traceparent`, else X-Ray's trace header (what API Gateway and Lambda's
 * `_X_AMZN_TRACE_ID` carry, its root read as the W3C trace id the way X-Ray's own propagators do),
 * else a new trace. A malformed header is ignored, as the spec asks, never an error.
 *
 * @example traceFrom({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }).traceId // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function traceFrom(headers: TraceHeaders = {}, xrayFallback?: string): TraceContext {
  return fromTraceparent(headers.traceparent) ?? fromXRay(headers['x-amzn-trace-id']) ?? fromXRay(xrayFallback) ?? newTrace();
}

/** A trace of our own, for a request or invocation that came without one. */
export function newTrace(): TraceContext {
  return { traceId: randomHex(32), sampled: false };
}

/**
 * The `traceparent` a reply carries: the request's trace id, with a span id of our own as the parent
 * of whatever the caller does next.
 */
export function traceparentOf(trace: TraceContext): string {
  return `00-${trace.traceId}-${randomHex(16)}-${trace.sampled ? '01' : '00'}`;
}

function fromTraceparent(header: string | undefined): TraceContext | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(parentId)) return undefined;
  return { traceId, parentId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

function fromXRay(header: string | undefined): TraceContext | undefined {
  if (header === undefined || header.length > 512) return undefined;
  const root = XRAY_ROOT.exec(header);
  if (!root) return undefined;
  const traceId = `${root[1]}${root[2]}`.toLowerCase();
  if (ZEROS.test(traceId)) return undefined;
  const parent = XRAY_PARENT.exec(header)?.[1]?.toLowerCase();
  return { traceId, ...(parent !== undefined && !ZEROS.test(parent) ? { parentId: parent } : {}), sampled: XRAY_SAMPLED.test(header) };
}

/** Random lower-case hex from the UUID generator's entropy pool (cheaper per call than randomBytes). */
function randomHex(digits: 16 | 32): string {
  const hex = randomUUID().replace(/-/g, '');
  // A v4 UUID fixes two nibbles (version, variant); the second UUID's digits stand in for them.
  const more = randomUUID().replace(/-/g, '');
  const id = `${hex.slice(0, 12)}${more[0]}${hex.slice(13, 16)}${more[1]}${hex.slice(17)}`.slice(0, digits);
  return ZEROS.test(id) ? randomHex(digits) : id;
}
