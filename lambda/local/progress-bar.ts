import type { WriteStream } from 'node:tty';

export interface ProgressBar {
  update(rowsRead: number, totalRows: number | undefined): void;
  /** clears the bar's line; safe to call twice */
  done(): void;
}

const WIDTH = 30;
const REDRAW_MS = 100;

/**
 * A one-line progress bar on a terminal (`[#####-----] 42% 1,234,567/3,000,000 rows 150,000 rows/s`).
 * Prints nothing when the stream is not a TTY, so logs and pipes stay clean.
 */
export function createProgressBar(stream: NodeJS.WriteStream | WriteStream): ProgressBar {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  const started = performance.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(rowsRead, totalRows) {
      const now = performance.now();
      if (now - lastDraw < REDRAW_MS && rowsRead !== totalRows) return;
      lastDraw = now;
      drawn = true;
      const rate = Math.round(rowsRead / Math.max((now - started) / 1000, 1e-3));
      const n = (x: number) => x.toLocaleString('en-US');
      const bar = totalRows
        ? `[${'#'.repeat(Math.round((rowsRead / totalRows) * WIDTH)).padEnd(WIDTH, '-')}] ${Math.floor((rowsRead / totalRows) * 100)}% ${n(rowsRead)}/${n(totalRows)}`
        : `${n(rowsRead)}`;
      stream.write(`\r${bar} rows  ${n(rate)} rows/s\x1b[K`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
