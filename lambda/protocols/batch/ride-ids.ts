/**
 * Ride ids, `YYYY/MM_<row>` (the course's `f'{year:04d}/{month:02d}_' + df.index`): the prefix
 * plus the ride's 0-based row index in the input file.
 */
export function rideIdOf(prefix: string, row: number): string {
  return prefix + row;
}

/**
 * The ids of many rides as UTF-8 bytes, one view per ride into a single buffer: what the parquet
 * writer stores, built digit by digit without a string or an encoder call per ride (a
 * TextEncoder per value was a third of the writer's time). The prefix must be ASCII.
 */
export function encodeRideIds(prefix: string, rows: ArrayLike<number>): Uint8Array[] {
  const head = Uint8Array.from(prefix, (c) => c.charCodeAt(0));
  const bytes = new Uint8Array(rows.length * (head.length + MAX_DIGITS));
  const ids = new Array<Uint8Array>(rows.length);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const start = at;
    bytes.set(head, at);
    at += head.length;
    at = writeDigits(bytes, at, rows[i] as number);
    ids[i] = bytes.subarray(start, at);
  }
  return ids;
}

/** Digits of a row index (a non-negative safe integer). */
const MAX_DIGITS = 16;
const ZERO = 48;

function writeDigits(bytes: Uint8Array, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  let rest = value;
  for (let d = digits - 1; d >= 0; d--) {
    bytes[at + d] = ZERO + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return at + digits;
}
