import type { ChartSpec } from './render-chart';
import type { CategoricalProfile, ColumnProfile, NumericProfile } from './profile-schema';

const SIDE_COLORS = { domain: ['reference', 'current'], range: ['#4c78a8', '#f58518'] };
const WIDTH = 560;
const HEIGHT = 180;
/** Categories drawn per chart: the most frequent of both sides together. */
const TOP_BARS = 20;
const HISTOGRAM_BINS = 30;

/** Reference and current distribution of one column: bars for categories, a histogram for numbers. */
export function distributionChart(title: string, reference: ColumnProfile, current: ColumnProfile): ChartSpec {
  return reference.type === 'categorical' && current.type === 'categorical'
    ? categoryChart(title, reference, current)
    : histogramChart(title, reference as NumericProfile, current as NumericProfile);
}

/** Share of rows per category, the top categories of both sides, side by side. */
export function categoryChart(title: string, reference: CategoricalProfile, current: CategoricalProfile): ChartSpec {
  const share = (p: CategoricalProfile) => new Map(p.categories.map((c) => [c.value, p.count === 0 ? 0 : c.count / p.count]));
  const [r, c] = [share(reference), share(current)];
  const top = [...new Set([...r.keys(), ...c.keys()])].sort((a, b) => (r.get(b) ?? 0) + (c.get(b) ?? 0) - (r.get(a) ?? 0) - (c.get(a) ?? 0)).slice(0, TOP_BARS);
  // Order by a rank field: a sort list of the names themselves would become a vega expression,
  // where a category called "toString" breaks the chart.
  const values = top.flatMap((category, rank) => [
    { category, rank, side: 'reference', share: r.get(category) ?? 0 },
    { category, rank, side: 'current', share: c.get(category) ?? 0 },
  ]);
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'category', type: 'nominal', sort: { field: 'rank', op: 'min', order: 'ascending' }, title: `top ${top.length} categories` },
      xOffset: { field: 'side', sort: SIDE_COLORS.domain },
      y: { field: 'share', type: 'quantitative', axis: { format: '%' }, title: 'share of rows' },
      color: { field: 'side', type: 'nominal', scale: SIDE_COLORS, title: null },
      tooltip: [{ field: 'category' }, { field: 'side' }, { field: 'share', format: '.2%' }],
    },
  };
}

/**
 * Histogram of both sides over shared bins (from their quantile summaries, each summary point an
 * equal share of its side), between the lower 0.5% and upper 99.5% of both so a few outliers do
 * not squeeze the picture.
 */
export function histogramChart(title: string, reference: NumericProfile, current: NumericProfile): ChartSpec {
  const lo = Math.min(at(reference.summary, 0.005), at(current.summary, 0.005));
  const hi = Math.max(at(reference.summary, 0.995), at(current.summary, 0.995));
  const width = hi > lo ? (hi - lo) / HISTOGRAM_BINS : 1;
  const bins = (p: NumericProfile) => {
    const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
    for (const v of p.summary) {
      const k = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((v - lo) / width)));
      counts[k] = (counts[k] as number) + 1 / p.summary.length;
    }
    return counts;
  };
  const values = (['reference', 'current'] as const).flatMap((side) =>
    bins(side === 'reference' ? reference : current).map((share, k) => ({ side, start: lo + k * width, end: lo + (k + 1) * width, share })),
  );
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: null },
      x2: { field: 'end' },
      y: { field: 'share', type: 'quantitative', stack: null, axis: { format: '%' }, title: 'share of rows' },
      y2: { datum: 0 },
      color: { field: 'side', type: 'nominal', scale: SIDE_COLORS, title: null },
      tooltip: [{ field: 'side' }, { field: 'start', format: '.2f' }, { field: 'end', format: '.2f' }, { field: 'share', format: '.2%' }],
    },
  };
}

/** One point of the error-over-time chart: a day's RMSE for one model version. */
export interface ErrorPoint {
  day: string;
  version: string;
  rmse: number;
  rows: number;
}

/**
 * RMSE per day, one line per model version, each version's training RMSE a dashed rule in its
 * colour: a canary's new version and a model going stale show apart. Rows without a time share
 * one point, "all".
 */
export function errorOverTimeChart(model: string, points: readonly ErrorPoint[], training: readonly { version: string; train_rmse: number }[]): ChartSpec {
  const temporal = points.every((p) => p.day !== 'all');
  const color = { field: 'version', type: 'nominal', title: 'model version' };
  const lines = {
    data: { values: points.map((p) => ({ ...p })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'day', type: temporal ? 'temporal' : 'nominal', title: temporal ? 'day (UTC)' : null },
      y: { field: 'rmse', type: 'quantitative', title: 'RMSE' },
      color,
      tooltip: [{ field: 'day' }, { field: 'version' }, { field: 'rmse', format: '.3f' }, { field: 'rows', format: ',' }],
    },
  };
  const rules = {
    data: { values: training.map((t) => ({ ...t })) },
    mark: { type: 'rule', strokeDash: [6, 4] },
    encoding: { y: { field: 'train_rmse', type: 'quantitative' }, color },
  };
  const said = training.map((t) => `${t.version} ${t.train_rmse.toFixed(2)}`).join(', ');
  return {
    title: `${model}: RMSE per day by model version${training.length > 0 ? ` (dashed: training RMSE, ${said})` : ''}`,
    width: WIDTH,
    height: HEIGHT,
    layer: (training.length > 0 ? [lines, rules] : [lines]) as never,
  } as ChartSpec;
}

/** The value at share p of an ascending summary. */
function at(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * sorted.length)))] as number;
}
