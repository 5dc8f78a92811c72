import fc from 'fast-check';
import { formatCsvTime, parseCsvTime } from '../../../../lambda/protocols/batch/trip-files/csv';

/**
 * The definitions the fast paths must match: a regex, a time that exists on the calendar (its
 * fields survive a round trip through Date: no 2021-02-30, no hour 24), and Date's own ISO text.
 */
function referenceParse(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exists ? date.getTime() + (m[7] ? Number(`0.${m[7]}`) * 1000 : 0) : Number.NaN;
}

function referenceFormat(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  return text.endsWith('.000') ? text.slice(0, -4) : text;
}

const digits = (n: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: n, maxLength: n }).map((d) => d.join(''));
const timeText = fc
  .tuple(
    digits(4),
    fc.oneof(digits(2), fc.constantFrom('01', '02', '12')),
    fc.oneof(digits(2), fc.constantFrom('28', '29', '30', '31')),
    fc.constantFrom(' ', 'T', 'x'),
    fc.oneof(digits(2), fc.constantFrom('23', '24')),
    digits(2),
    fc.oneof(digits(2), fc.constantFrom('59', '60')),
    fc.oneof(
      fc.constant(''),
      fc.integer({ min: 0, max: 10 }).chain((n) => digits(n).map((d) => `.${d}`)),
    ),
    fc.constantFrom('', 'Z', 'a'),
  )
  .map(([y, mo, d, sep, h, mi, s, frac, z]) => `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${z}`);

describe('CSV times', () => {
  it('reads every cell as the regex definition does', () => {
    fc.assert(
      fc.property(fc.oneof(timeText, fc.string()), (text) =>
        expect(Object.is(parseCsvTime(text), text.trim() === '' ? null : referenceParse(text.trim()))).toBe(true),
      ),
      { numRuns: 2000 },
    );
  });

  it('writes every time as Date.toISOString does', () => {
    const instant = fc.oneof(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.double({ min: -1e12, max: 4e12, noNaN: true }));
    fc.assert(
      fc.property(instant, (ms) => expect(formatCsvTime(ms)).toBe(referenceFormat(ms))),
      { numRuns: 2000 },
    );
  });

  it('refuses times that do not exist on the calendar', () => {
    expect(parseCsvTime('2021-02-30 10:00:00')).toBeNaN();
    expect(parseCsvTime('2021-02-28 24:00:00')).toBeNaN();
    expect(parseCsvTime('2021-04-31 10:00:00')).toBeNaN();
    expect(parseCsvTime('2020-02-29 10:00:00')).toBe(Date.UTC(2020, 1, 29, 10));
  });
});
