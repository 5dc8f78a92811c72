/**
 * Which licenses a production dependency may carry: permissive ones only, by SPDX id. Anything
 * else (copyleft, source-available, custom, missing) fails the check unless the exact
 * `name@version` is in {@link REVIEWED_EXCEPTIONS} with the reviewer's reason.
 */
export const PERMISSIVE_LICENSES: ReadonlySet<string> = new Set([
  'MIT',
  'MIT-0',
  'ISC',
  'BSD-2-Clause',
  'BSD-3-Clause',
  'Apache-2.0',
  '0BSD',
  'BlueOak-1.0.0',
  'Unlicense',
  'CC0-1.0',
  'Python-2.0',
  'Zlib',
]);

/** `name@version` → why it is acceptable though its license is not on the list. Empty today. */
export const REVIEWED_EXCEPTIONS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Whether an SPDX license expression is permissive: `A OR B` needs one side permissive (we may
 * choose), `A AND B` both, `A WITH exception` is judged by `A`. Unparseable text is not permissive.
 *
 * @example isPermissive('(MIT OR CC0-1.0)') // true
 * @example isPermissive('MIT AND GPL-3.0-only') // false
 */
export function isPermissive(expression: string): boolean {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let at = 0;
  const peek = () => tokens[at]?.toUpperCase();
  const parseOr = (): boolean => {
    let result = parseAnd();
    while (peek() === 'OR') {
      at++;
      result = parseAnd() || result;
    }
    return result;
  };
  const parseAnd = (): boolean => {
    let result = parseLicense();
    while (peek() === 'AND') {
      at++;
      result = parseLicense() && result;
    }
    return result;
  };
  const parseLicense = (): boolean => {
    const token = tokens[at++];
    if (token === '(') {
      const inner = parseOr();
      if (tokens[at++] !== ')') throw new SyntaxError(`unbalanced parentheses in '${expression}'`);
      return inner;
    }
    if (token === undefined || token === ')' || ['AND', 'OR', 'WITH'].includes(token.toUpperCase())) {
      throw new SyntaxError(`expected a license id in '${expression}'`);
    }
    if (peek() === 'WITH') at += 2; // an exception only adds permissions
    return PERMISSIVE_LICENSES.has(token.replace(/\+$/, ''));
  };
  try {
    const result = parseOr();
    return at === tokens.length && result;
  } catch {
    return false; // not SPDX: a human has to read it
  }
}

/**
 * The license an installed package declares in its package.json: `license` (SPDX), else the
 * legacy `license: { type }` or `licenses: [{ type }, …]` (several mean a choice, as npm reads them).
 */
export function declaredLicense(manifest: { license?: unknown; licenses?: unknown }): string | undefined {
  const typeOf = (value: unknown) =>
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
        ? (value as { type: string }).type
        : undefined;
  const single = typeOf(manifest.license);
  if (single) return single;
  if (!Array.isArray(manifest.licenses)) return undefined;
  const types = manifest.licenses.map(typeOf).filter((t): t is string => t !== undefined);
  if (types.length === 0) return undefined;
  return types.length === 1 ? types[0] : `(${types.join(' OR ')})`;
}
