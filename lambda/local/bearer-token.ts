import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * A check of `Authorization: Bearer <token>` against the configured token. Both sides are hashed
 * first, so `timingSafeEqual` always compares 32 bytes: the time taken reveals neither how much
 * of a guess was right nor the token's length.
 *
 * @example const allowed = bearerTokenCheck(config.http.apiToken); allowed(req.headers.authorization)
 */
export function bearerTokenCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    // Still hash and compare on a malformed header, so it costs what a wrong token costs.
    return timingSafeEqual(digest(match?.[1] ?? ''), expected) && match !== null;
  };
}
