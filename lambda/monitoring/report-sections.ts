import { distributionChart, errorOverTimeChart } from './chart-specs';
import { figuresByDayAndVersion } from './quality';
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

/**
 * The report's sections, in order: dataset drift, each input, context, then for every model the
 * same two panels (its prediction's drift and its quality, each saying why when it cannot be
 * measured), missing values.
 */
export function reportSections(context: ReportContext): ReportSection[] {
  const { summary, reference, current } = context;
  const columns = (kind: 'features' | 'context') =>
    Object.entries(summary[kind]).map(([name, drift]) =>
      columnSection(kind, name, drift, reference[kind][name] as ColumnProfile, current[kind][name] as ColumnProfile),
    );
  return [
    datasetDriftSection(summary),
    ...columns('features'),
    ...columns('context'),
    ...summary.models.flatMap((model) => [
      columnSection('predictions', model, summary.predictions[model] as ColumnDrift, reference.predictions[model], current.predictions[model]),
      qualitySection(model, summary, reference, current),
    ]),
    missingSection(summary),
  ];
}

function datasetDriftSection(summary: MonitorSummary): ReportSection {
  const rows = Object.entries(summary.features)
    .map(([name, d]) => driftRow('features', name, d))
    .join('');
  const verdict = summary.dataset_drift ? 'Dataset drift detected' : 'No dataset drift';
  return {
    id: 'dataset-drift',
    title: 'Dataset drift',
    html:
      `<p class="verdict ${summary.dataset_drift ? 'bad' : 'good'}"><span data-summary="dataset_drift" data-value="${summary.dataset_drift}">${verdict}</span>: ` +
      `<span data-summary="drifted_features" data-value="${summary.drifted_features}">${summary.drifted_features}</span> of ${Object.keys(summary.features).length} inputs drifted ` +
      `(share <span data-summary="drift_share" data-value="${summary.drift_share}">${fmt(summary.drift_share)}</span>; dataset drift at ≥ ${summary.drift_share_threshold}).</p>` +
      `<table><thead><tr><th>input</th><th>type</th><th>method</th><th>score</th><th>threshold</th><th>drift</th><th>sample</th></tr></thead><tbody>${rows}</tbody></table>` +
      (summary.features_not_compared.length > 0
        ? `<p class="stats">Inputs on one side only (not compared): ${summary.features_not_compared.map(esc).join(', ')}.</p>`
        : '') +
      (summary.sample_warnings.length > 0
        ? `<p class="warn">Too small a sample for some verdicts (read them as hints):</p><ul class="warn">${summary.sample_warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
        : ''),
    charts: [],
  };
}

function columnSection(
  kind: 'features' | 'context' | 'predictions',
  name: string,
  drift: ColumnDrift,
  reference: ColumnProfile | undefined,
  current: ColumnProfile | undefined,
): ReportSection {
  const label = kind === 'predictions' ? `Prediction: ${name}` : kind === 'context' ? `Context: ${name}` : `Input: ${name}`;
  return {
    id: `${kind}-${name}`,
    title: label,
    html:
      `<table><thead><tr><th>column</th><th>type</th><th>method</th><th>score</th><th>threshold</th><th>drift</th><th>sample</th></tr></thead><tbody>${driftRow(kind, name, drift)}</tbody></table>` +
      (drift.method === null ? `<p class="stats">${esc(drift.method_title)}.</p>` : '') +
      (drift.sample_warning ? `<p class="warn">Sample too small: ${esc(drift.sample_warning)}.</p>` : '') +
      statsLine(reference, current),
    charts: reference && current && reference.count > 0 && current.count > 0 ? [distributionChart(`${name}: reference vs current`, reference, current)] : [],
  };
}

function driftRow(kind: string, name: string, d: ColumnDrift): string {
  const cell = (field: string, value: unknown, text: string) =>
    `<td data-${kind}="${esc(name)}" data-field="${field}" data-value="${esc(String(value))}">${esc(text)}</td>`;
  return (
    `<tr class="${d.drift ? 'bad' : ''}"><th>${esc(name)}</th><td>${d.type}</td>` +
    cell('method', d.method, `${d.method ?? '—'}${d.p_value_method ? ` (${d.p_value_method} p)` : ''}`) +
    cell('score', d.score, d.score === null ? '—' : fmt(d.score)) +
    cell('threshold', d.threshold, fmt(d.threshold)) +
    cell('drift', d.drift, d.drift ? 'DRIFT' : 'no') +
    `<td data-${kind}="${esc(name)}" data-field="sample_warning" data-value="${esc(d.sample_warning ?? '')}"${d.sample_warning ? ` title="${esc(d.sample_warning)}"` : ''}>${d.sample_warning ? '⚠ too small' : 'ok'}</td>` +
    '</tr>'
  );
}

function statsLine(reference: ColumnProfile | undefined, current: ColumnProfile | undefined): string {
  if (!reference && !current) return '';
  const describe = (p: ColumnProfile | undefined) =>
    !p
      ? '—'
      : p.type === 'numeric'
        ? `${count(p.count)} values, mean ${p.mean === null ? '—' : fmt(p.mean)}, median ${p.quantiles ? fmt(p.quantiles.p50) : '—'}`
        : `${count(p.count)} values, ${count(p.distinct)} categories`;
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
    html:
      `<table><thead><tr><th>input</th><th>missing (reference)</th><th>missing (current)</th><th>invalid (reference)</th><th>invalid (current)</th></tr></thead><tbody>${rows}</tbody></table>` +
      '<p class="stats">Shares of every row each side read, rows its filter left out included (a trip with no zone is missing here before it is skipped).</p>',
    charts: [],
  };
}

/**
 * A model's quality: overall, per version beside its training RMSE, the join's unmatched counts,
 * and its error over time per version. Without actuals for the model, the panel says so and still
 * shows the training RMSE it would be compared with.
 */
function qualitySection(model: string, summary: MonitorSummary, reference: ReferenceProfile, current: ReferenceProfile): ReportSection {
  const q = summary.quality[model];
  const id = `quality-${model}`;
  const title = `Model quality: ${model}`;
  if (!q) {
    const metrics = reference.models[model]?.metrics ?? {};
    const known = [
      metrics.train_rmse === undefined ? '' : `training RMSE ${fmt(metrics.train_rmse)}`,
      metrics.validation_rmse === undefined ? '' : `validation RMSE ${fmt(metrics.validation_rmse)}`,
    ]
      .filter(Boolean)
      .join(', ');
    return {
      id,
      title,
      html: `<p>Quality of ${esc(model)} is not measured: the current data has no row with both its prediction and an actual.${known ? ` The reference gives its ${known}.` : ''}</p>`,
      charts: [],
    };
  }
  const cell = (field: string, value: number | undefined, text = value === undefined ? '—' : fmt(value)) =>
    `<td data-quality="${esc(model)}" data-field="${field}" data-value="${value ?? ''}">${text}</td>`;
  const overall =
    `<table><thead><tr><th>rows joined</th><th>RMSE</th><th>MAE</th><th>bias (predicted − actual)</th><th>training RMSE (else the reference's)</th><th>validation RMSE</th></tr></thead>` +
    `<tbody><tr>${cell('rows_joined', q.rows_joined, count(q.rows_joined))}${cell('rmse', q.rmse)}${cell('mae', q.mae)}${cell('bias', q.bias)}${q.train_rmse === undefined ? cell('reference_rmse', q.reference_rmse) : cell('train_rmse', q.train_rmse)}${cell('validation_rmse', q.validation_rmse)}</tr></tbody></table>`;
  const versionCell = (version: string, field: string, value: number | undefined, text = value === undefined ? '—' : fmt(value)) =>
    `<td data-quality="${esc(model)}" data-version="${esc(version)}" data-field="${field}" data-value="${value ?? ''}">${text}</td>`;
  const versions =
    `<table><thead><tr><th>model version</th><th>rows</th><th>RMSE</th><th>MAE</th><th>bias</th><th>its training RMSE</th><th>RMSE ÷ training</th></tr></thead><tbody>` +
    q.by_version
      .map(
        (v) =>
          `<tr><th>${esc(v.version)}</th>${versionCell(v.version, 'rows', v.rows, count(v.rows))}${versionCell(v.version, 'rmse', v.rmse)}${versionCell(v.version, 'mae', v.mae)}${versionCell(v.version, 'bias', v.bias)}${versionCell(v.version, 'train_rmse', v.train_rmse)}${versionCell(v.version, 'rmse_over_train', v.rmse_over_train)}</tr>`,
      )
      .join('') +
    '</tbody></table>';
  const unmatched = q.unmatched
    ? `<p class="stats">Joined by ride id: <span data-quality="${esc(model)}" data-field="unmatched.captured_without_actual" data-value="${q.unmatched.captured_without_actual}">${count(q.unmatched.captured_without_actual)}</span> captured predictions had no actual; ` +
      `<span data-quality="${esc(model)}" data-field="unmatched.actuals_without_capture" data-value="${q.unmatched.actuals_without_capture}">${count(q.unmatched.actuals_without_capture)}</span> actuals matched no captured prediction.</p>`
    : '';
  const training = q.by_version.flatMap((v) => (v.train_rmse === undefined ? [] : [{ version: v.version, train_rmse: v.train_rmse }]));
  // No version known to the reference: its training RMSE (else the reference's own error) for all.
  const fallback = q.train_rmse ?? q.reference_rmse;
  const rules = training.length > 0 || fallback === undefined ? training : [{ version: 'reference', train_rmse: fallback }];
  const points = figuresByDayAndVersion(current.quality[model] ?? []).map(({ day, version, rmse, rows }) => ({ day, version, rmse, rows }));
  return { id, title, html: overall + unmatched + versions, charts: points.length > 0 ? [errorOverTimeChart(model, points, rules)] : [] };
}

/** An exact count, with thousands separators (never rounded: 109,582, not 109600). */
export function count(value: number): string {
  return value.toLocaleString('en-US');
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
