import fc from 'fast-check';
import { formatCsvTime, parseCsvTime } from '../../lambda/batch/csv';

/** The definitions the fast paths must match: a regex and Date's own ISO text. */
function referenceParse(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/.exec(text);
  if (!m) return Number.NaN;
  const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + fraction;
}

function referenceFormat(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return text.endsWith('.000') ? text.slice(0, -4) : text;
}

const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
const timeText = fc
  .tuple(digits(4), digits(2), digits(2), fc.constantFrom(' ', 'T', 'x'), digits(2), digits(2), digits(2), fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 10 }).chain((n) => digits(n).map((d) => `.${d}`))), fc.constantFrom('', 'Z', 'a'))
  .map(([y, mo, d, sep, h, mi, s, frac, z]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${z}`);

describe('CSV times', () => {
  it('reads every cell as the regex definition does', () => {
    fc.assert(fc.property(fc.oneof(timeText, fc.string()), (text) => expect(Object.is(parseCsvTime(text), text.trim() === '' ? null : referenceParse(text.trim()))).toBe(true)), { numRuns: 2000 });
  });

  it('writes every time as Date.toISOString does', () => {
    const instant = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: -1e12, max: 4e12, noNaN: true }));
    fc.assert(fc.property(instant, (ms) => expect(formatCsvTime(ms)).toBe(referenceFormat(ms))), { numRuns: 2000 });
  });
});
