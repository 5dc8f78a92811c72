/** Median with min and max: what every in-process figure in BENCHMARKS.md reports. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number, runs: sorted.length };
}

/** The middle value of `samples` (the mean of the two middle ones for an even count). */
export function median(samples: readonly number[]): number {
  return summarize(samples).median;
}

/** CPU time (user + system, every thread of the process: onnxruntime's included) spent in `work`, in µs. */
export async function cpuMicros(work: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const spent = process.cpuUsage(before);
  return spent.user + spent.system;
}

/** Three significant digits, enough to compare and no false precision. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: 0 });
}

/** "median (min–max)" */
export function fmtSummary(s: Summary, unit = ''): string {
  return `${fmt(s.median)}${unit} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** Runs `fn` `iterations` times per sample and returns the time per iteration (µs) of each sample. */
export async function sampleMicros(fn: () => Promise<unknown>, samples: number, iterations: number): Promise<number[]> {
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) await fn();
    times.push(Number(process.hrtime.bigint() - started) / 1e3 / iterations);
  }
  return times;
}
