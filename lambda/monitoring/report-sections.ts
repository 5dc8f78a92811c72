import { distributionChart, qualityChart } from './chart-specs';
import type { ColumnDrift } from './column-drift';
import type { MonitorSummary } from './monitor-summary';
import type { ColumnProfile, ReferenceProfile } from './profile-schema';
import type { ChartSpec } from './render-chart';

/** One unit of the report (Evidently's shape: a metric computes a result, then renders it). */
export interface ReportSection {
  id: string;
  title: string;
  /** HTML fragment: verdicts and tables; figures carry `data-*` attributes with the exact values */
  html: string;
  charts: ChartSpec[];
}

/** What the sections read: the summary (results) and both profiles (distributions). */
export interface ReportContext {
  summary: MonitorSummary;
  reference: ReferenceProfile;
  current: ReferenceProfile;
}

/** The report's sections, in order: dataset drift, each input, context, predictions, missing values, quality. */
export function reportSections(context: ReportContext): ReportSection[] {
  const { summary, reference, current } = context;
  const columns = (kind: 'features' | 'context') =>
    Object.entries(summary[kind]).map(([name, drift]) => columnSection(kind, name, drift, reference[kind][name] as ColumnProfile, current[kind][name] as ColumnProfile));
  return [
    datasetDriftSection(summary),
    ...columns('features'),
    ...columns('context'),
    ...Object.entries(summary.predictions).map(([model, drift]) => columnSection('predictions', model, drift, reference.predictions[model] as ColumnProfile, current.predictions[model] as ColumnProfile)),
    missingSection(summary),
    ...qualitySections(summary),
  ];
}

function datasetDriftSection(summary: MonitorSummary): ReportSection {
  const rows = Object.entries(summary.features).map(([name, d]) => driftRow('features', name, d)).join('');
  const verdict = summary.dataset_drift ? 'Dataset drift detected' : 'No dataset drift';
  return {
    id: 'dataset-drift',
    title: 'Dataset drift',
    html:
      `<p class="verdict ${summary.dataset_drift ? 'bad' : 'good'}"><span data-summary="dataset_drift" data-value="${summary.dataset_drift}">${verdict}</span>: ` +
      `<span data-summary="drifted_features" data-value="${summary.drifted_features}">${summary.drifted_features}</span> of ${Object.keys(summary.features).length} inputs drifted ` +
      `(share <span data-summary="drift_share" data-value="${summary.drift_share}">${fmt(summary.drift_share)}</span>; dataset drift at ≥ ${summary.drift_share_threshold}).</p>` +
      `<table><thead><tr><th>input</th><th>type</th><th>method</th><th>score</th><th>threshold</th><th>drift</th></tr></thead><tbody>${rows}</tbody></table>` +
      (summary.features_not_compared.length > 0 ? `<p class="stats">Inputs on one side only (not compared): ${summary.features_not_compared.map(esc).join(', ')}.</p>` : ''),
    charts: [],
  };
}

function columnSection(kind: 'features' | 'context' | 'predictions', name: string, drift: ColumnDrift, reference: ColumnProfile, current: ColumnProfile): ReportSection {
  const label = kind === 'predictions' ? `Prediction: ${name}` : kind === 'context' ? `Context: ${name}` : `Input: ${name}`;
  return {
    id: `${kind}-${name}`,
    title: label,
    html: `<table><thead><tr><th>column</th><th>type</th><th>method</th><th>score</th><th>threshold</th><th>drift</th></tr></thead><tbody>${driftRow(kind, name, drift)}</tbody></table>` + statsLine(reference, current),
    charts: reference && current && reference.count > 0 && current.count > 0 ? [distributionChart(`${name}: reference vs current`, reference, current)] : [],
  };
}

function driftRow(kind: string, name: string, d: ColumnDrift): string {
  const cell = (field: string, value: unknown, text: string) => `<td data-${kind}="${esc(name)}" data-field="${field}" data-value="${esc(String(value))}">${esc(text)}</td>`;
  return (
    `<tr class="${d.drift ? 'bad' : ''}"><th>${esc(name)}</th><td>${d.type}</td>` +
    cell('method', d.method, `${d.method ?? '—'}${d.p_value_method ? ` (${d.p_value_method} p)` : ''}`) +
    cell('score', d.score, d.score === null ? '—' : fmt(d.score)) +
    cell('threshold', d.threshold, fmt(d.threshold)) +
    cell('drift', d.drift, d.drift ? 'DRIFT' : 'no') +
    '</tr>'
  );
}

function statsLine(reference: ColumnProfile | undefined, current: ColumnProfile | undefined): string {
  const describe = (p: ColumnProfile | undefined) =>
    !p ? '—' : p.type === 'numeric' ? `${p.count.toLocaleString('en-US')} values, mean ${p.mean === null ? '—' : fmt(p.mean)}, median ${p.quantiles ? fmt(p.quantiles.p50) : '—'}` : `${p.count.toLocaleString('en-US')} values, ${p.distinct} categories`;
  return `<p class="stats">reference: ${describe(reference)} · current: ${describe(current)}</p>`;
}

function missingSection(summary: MonitorSummary): ReportSection {
  const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
  const rows = Object.entries(summary.missing)
    .map(([name, m]) => {
      const cell = (field: keyof typeof m) => `<td data-missing="${esc(name)}" data-field="${field}" data-value="${m[field]}">${pct(m[field])}</td>`;
      return `<tr><th>${esc(name)}</th>${cell('reference_missing_share')}${cell('current_missing_share')}${cell('reference_invalid_share')}${cell('current_invalid_share')}</tr>`;
    })
    .join('');
  return {
    id: 'missing',
    title: 'Missing and invalid values',
    html: `<table><thead><tr><th>input</th><th>missing (reference)</th><th>missing (current)</th><th>invalid (reference)</th><th>invalid (current)</th></tr></thead><tbody>${rows}</tbody></table>`,
    charts: [],
  };
}

function qualitySections(summary: MonitorSummary): ReportSection[] {
  const entries = Object.entries(summary.quality);
  if (entries.length === 0) {
    return [{ id: 'quality', title: 'Model quality', html: '<p>No actuals in the current data: quality is not measured.</p>', charts: [] }];
  }
  return entries.map(([model, q]) => {
    const cell = (field: 'rmse' | 'mae' | 'bias' | 'n' | 'train_rmse' | 'validation_rmse' | 'reference_rmse', value: number | undefined) => `<td data-quality="${esc(model)}" data-field="${field}" data-value="${value ?? ''}">${value === undefined ? '—' : fmt(value)}</td>`;
    return {
      id: `quality-${model}`,
      title: `Model quality: ${model}`,
      html:
        `<table><thead><tr><th>rows</th><th>RMSE</th><th>MAE</th><th>bias (predicted − actual)</th><th>training RMSE (else the reference's)</th><th>validation RMSE</th></tr></thead>` +
        `<tbody><tr>${cell('n', q.n)}${cell('rmse', q.rmse)}${cell('mae', q.mae)}${cell('bias', q.bias)}${q.train_rmse === undefined ? cell('reference_rmse', q.reference_rmse) : cell('train_rmse', q.train_rmse)}${cell('validation_rmse', q.validation_rmse)}</tr></tbody></table>`,
      charts: [qualityChart(model, q)],
    };
  });
}

/** Four significant digits, or scientific notation for tiny p-values. */
export function fmt(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  return Math.abs(value) < 1e-4 ? value.toExponential(2) : Number(value.toPrecision(4)).toString();
}

/** Escapes text for HTML (names come from input files and capture records). */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
