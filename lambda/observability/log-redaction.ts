/**
 * What an AWS SDK error may carry that must never reach a log. S3 echoes parts of a refused
 * request in its error body, and the SDK copies every element of that body onto the error
 * object: `AWSAccessKeyId` (InvalidAccessKeyId), and for SignatureDoesNotMatch the
 * `CanonicalRequest` (with the `x-amz-security-token:` header line), the `StringToSign`, the
 * `SignatureProvided` and their byte dumps. Powertools logs every enumerable field of an error,
 * so without this one `logger.error(..., { error })` wrote them all.
 *
 * The redactor keeps what explains a failure (name, code, status, request id, message) and drops
 * every other field; text anywhere in a log line is scrubbed of credential shapes.
 */

/** AWS access key ids (long-term AKIA, temporary ASIA, and the other IAM unique-id prefixes). */
const ACCESS_KEY_ID = /(?:AKIA|ASIA|AROA|AIDA|AGPA|ANPA|ANVA|ABIA|ACCA|AIPA)[A-Z0-9]{16}/g;
/** A canonical request's or a header dump's token line: `x-amz-security-token:<token>`. */
const SECURITY_TOKEN_HEADER = /(x-amz-security-token\s*[:=]\s*)[^\s"'&,;]+/gi;
/** Presigned URLs and Authorization headers: the credential scope, the signature, the token. */
const SIGNING_PARAMETER = /((?:X-Amz-)?(?:Credential|Signature|Security-Token|SignedHeaders)=)[^\s"'&,;]+/gi;
/** `Authorization: AWS4-HMAC-SHA256 ...` or `Bearer ...` values quoted whole. */
const AUTHORIZATION_VALUE = /(authorization\s*[:=]\s*"?)(?:AWS4-HMAC-SHA256|Bearer|Basic)\s+[^"\n]+/gi;

const REDACTED = '[redacted]';

/**
 * `text` with every credential shape replaced by `[redacted]`: access key ids, security-token
 * header lines, SigV4 credential/signature parameters and Authorization values.
 *
 * @example redactSecrets('AWSAccessKeyId AKIAIOSFODNN7EXAMPLE') // 'AWSAccessKeyId [redacted]'
 */
export function redactSecrets(text: string): string {
  if (!/AKIA|ASIA|AROA|AIDA|AGPA|ANPA|ANVA|ABIA|ACCA|AIPA|token|signature|credential|authorization/i.test(text)) return text;
  return text
    .replace(ACCESS_KEY_ID, REDACTED)
    .replace(SECURITY_TOKEN_HEADER, `$1${REDACTED}`)
    .replace(SIGNING_PARAMETER, `$1${REDACTED}`)
    .replace(AUTHORIZATION_VALUE, `$1${REDACTED}`);
}

/** An error as it may be logged: what explains it, nothing a peer echoed back. */
export interface RedactedError {
  readonly name: string;
  readonly message: string;
  /** the error's own code: ours (MODEL_NOT_FOUND, …), Node's (ENOENT, …) or the SDK's error code */
  readonly code?: string;
  /** an AWS SDK error's HTTP status and request ids */
  readonly httpStatusCode?: number;
  readonly requestId?: string;
  readonly cause?: RedactedError | string;
}

const MAX_CAUSE_DEPTH = 4;

/**
 * The loggable summary of an error: name, scrubbed message, code, and for an AWS SDK error its
 * HTTP status and request id, with its causes (a few deep). Every other field is left out: the
 * SDK copies an error body's elements onto the error, and those are the peer's words.
 *
 * @example logger.error('dead-letter write failed', { error: redactError(error) })
 */
export function redactError(error: unknown, depth = 0): RedactedError | string {
  if (!(error instanceof Error)) return redactSecrets(String(error));
  const { $metadata, code, Code } = error as { $metadata?: { httpStatusCode?: unknown; requestId?: unknown }; code?: unknown; Code?: unknown };
  const ownCode = typeof code === 'string' ? code : typeof Code === 'string' ? Code : undefined;
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: redactSecrets(error.name),
    message: redactSecrets(error.message),
    ...(ownCode === undefined ? {} : { code: redactSecrets(ownCode) }),
    ...(typeof $metadata?.httpStatusCode === 'number' ? { httpStatusCode: $metadata.httpStatusCode } : {}),
    ...(typeof $metadata?.requestId === 'string' ? { requestId: $metadata.requestId } : {}),
    ...(cause === undefined || depth >= MAX_CAUSE_DEPTH ? {} : { cause: redactError(cause, depth + 1) }),
  };
}

/**
 * A JSON replacer for Powertools' Logger (`jsonReplacerFn`): every Error anywhere in a log line is
 * written as {@link redactError} gives it, and every string is scrubbed ({@link redactSecrets}).
 * Powertools calls it before its own error formatting, for every key of the line.
 */
export function redactingReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return redactError(value);
  if (typeof value === 'string') return redactSecrets(value);
  return value;
}
