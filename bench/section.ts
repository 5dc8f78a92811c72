/**
 * The shape every benchmark returns, so `bench/run.ts` can run them in turn and render one
 * report. A benchmark is a module exporting `run(context): Promise<Section>`; the lead plugs
 * new ones in by adding a line to `registry.ts`.
 */

/** A cell is text or a number (numbers are rendered with the table's own formatting). */
export type Cell = string | number;

export interface Table {
  /** optional heading above the table */
  caption?: string;
  columns: string[];
  rows: Cell[][];
}

/** One of the targets, checked against a measured value. */
export interface TargetCheck {
  name: string;
  /** e.g. "≤ 30 µs" */
  target: string;
  /** e.g. "24.1 µs" */
  measured: string;
  met: boolean;
  /** why it is missed, or what it was measured against */
  note?: string;
}

export interface Section {
  id: string;
  title: string;
  /** what is measured and how, one paragraph of Markdown */
  method: string;
  tables: Table[];
  notes: string[];
  targets: TargetCheck[];
  /** the exact commands behind the numbers (shown in BENCHMARKS.md) */
  commands: string[];
  /** machine-readable results, kept in bench/results/<id>.json and used by the chart */
  data?: unknown;
  /** set when the section could not run (missing peer, missing entry point) */
  skipped?: string;
  /** when it ran, and the machine's 1-minute load average meanwhile (set by run.ts) */
  measuredAt?: string;
  load?: { median: number; max: number };
}

export interface BenchContext {
  /** tiny, fast runs: proves the suite works, numbers mean nothing */
  smoke: boolean;
  /** repository root */
  root: string;
  /** scratch directory for generated data, models, bundles (git-ignored) */
  workDir: string;
  log(message: string): void;
}

export interface BenchModule {
  run(context: BenchContext): Promise<Section>;
}

/** A section that did not run, saying why. */
export function skippedSection(id: string, title: string, reason: string): Section {
  return { id, title, method: '', tables: [], notes: [], targets: [], commands: [], skipped: reason };
}
