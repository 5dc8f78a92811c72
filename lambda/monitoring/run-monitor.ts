import type { CaptureRecord } from '../observability/capture/capture-record';
import { ActualsJoin, joinedStream, type ActualsTable, type GroundTruthCounts } from './ground-truth';
import { mergeProfiles } from './merge-profiles';
import { observationsFromCapture } from './capture-observations';
import { buildProfile } from './build-profile';
import { datasetDrift } from './dataset-drift';
import type { MonitorSummary } from './monitor-summary';
import type { Observations } from './observations';
import { parseReferenceProfile, type ColumnProfile, type ReferenceProfile } from './profile-schema';
import { modelQuality, type UnmatchedCounts } from './quality';
import type { ColumnDrift } from './column-drift';
import { renderReport } from './render-report';

/** What a join of capture to actuals did not match (ground-truth.ts). */
export interface GroundTruth {
  unmatched: Record<string, UnmatchedCounts>;
  counts: GroundTruthCounts;
}

/** Either side of a comparison: a profile already built, or observations to profile. */
export type MonitorSide = ReferenceProfile | Observations;

export interface MonitorInput {
  reference: MonitorSide;
  current: MonitorSide;
  /** shown at the top of the report */
  title?: string;
  /** labels for the two sides (default: the profiles' `source`) */
  referenceLabel?: string;
  currentLabel?: string;
  /** fixed time for the report header and profiles (tests); default now */
  now?: Date;
  /**
   * when the current side is capture joined to actuals by ride id (ground-truth.ts): what did not
   * match; a function when the join streams (called once the current side was read)
   */
  groundTruth?: GroundTruth | (() => GroundTruth);
}

/** The profiles compared and what came of it. */
export interface MonitorOutcome {
  summary: MonitorSummary;
  html: string;
  reference: ReferenceProfile;
  current: ReferenceProfile;
}

/**
 * Compares current data with a reference: drift per input and per model's prediction (Evidently's
 * default tests), dataset drift, missing/invalid shares and quality where actuals exist; returns
 * `summary` (summary.json) and `html` (a self-contained report with Vega-Lite charts as SVG).
 * Works on in-memory sources; no AWS or file access.
 *
 * @example const { summary, html } = await runMonitor({ reference: profile, current: observationsFromCapture(records) });
 */
export async function runMonitor(input: MonitorInput): Promise<MonitorOutcome> {
  const now = input.now ?? new Date();
  const reference = await profileOf(input.reference, input.referenceLabel ?? 'reference', now);
  const current = await profileOf(input.current, input.currentLabel ?? 'current', now, namedCategories(reference));
  // After the current side was read: a streamed join's counts are final only then.
  const groundTruth = typeof input.groundTruth === 'function' ? input.groundTruth() : input.groundTruth;
  const summary = summarize(reference, current, now, groundTruth);
  const html = await renderReport({ title: input.title ?? 'Ride model monitoring report', summary, reference, current });
  return { summary, html, reference, current };
}

/** The summary of two profiles (no rendering). */
export function summarize(reference: ReferenceProfile, current: ReferenceProfile, now: Date, groundTruth?: GroundTruth): MonitorSummary {
  const drift = datasetDrift(reference, current);
  const quality = modelQuality(reference, current, groundTruth?.unmatched);
  const models = [
    ...new Set([...Object.keys(reference.models), ...Object.keys(reference.predictions), ...Object.keys(current.predictions), ...Object.keys(quality)]),
  ];
  const predictions = Object.fromEntries(
    models.map((model) => [model, predictionDrift(model, Object.hasOwn(drift.predictions, model) ? drift.predictions[model] : undefined, reference, current)]),
  );
  return {
    generated: now.toISOString(),
    reference: sideOf(reference),
    current: sideOf(current),
    dataset_drift: drift.dataset_drift,
    drift_share: drift.drift_share,
    drift_share_threshold: drift.drift_share_threshold,
    drifted_features: drift.drifted_features,
    features_not_compared: [...new Set([...Object.keys(reference.features), ...Object.keys(current.features)])].filter((name) => !(name in drift.features)),
    features: drift.features,
    context: drift.context,
    predictions,
    missing: Object.fromEntries(
      Object.keys(reference.features)
        .filter((name) => current.features[name])
        .map((name) => {
          const [r, c] = [shares(reference.features[name] as ColumnProfile), shares(current.features[name] as ColumnProfile)];
          return [
            name,
            { reference_missing_share: r.missing, reference_invalid_share: r.invalid, current_missing_share: c.missing, current_invalid_share: c.invalid },
          ];
        }),
    ),
    models,
    quality,
    sample_warnings: [
      ...Object.entries(drift.features).map(([name, d]) => ['input', name, d] as const),
      ...Object.entries(drift.context).map(([name, d]) => ['context', name, d] as const),
      ...Object.entries(drift.predictions).map(([name, d]) => ['prediction', name, d] as const),
    ].flatMap(([kind, name, d]) => (d.sample_warning ? [`${kind} ${name}: ${d.sample_warning}`] : [])),
    ...(groundTruth ? { ground_truth: groundTruth.counts } : {}),
  };
}

/**
 * A model's prediction drift, or — when only one side has its predictions (a reference without
 * the cost model's profile, a trip file without predictions) — a verdict saying it was not tested
 * and why, so every model has the same panels.
 */
function predictionDrift(
  model: string,
  drift: ColumnDrift | undefined,
  reference: ReferenceProfile,
  current: ReferenceProfile,
): MonitorSummary['predictions'][string] {
  const means = { reference_mean: reference.predictions[model]?.mean ?? null, current_mean: current.predictions[model]?.mean ?? null };
  if (drift) return { ...drift, ...means };
  const side = reference.predictions[model] ? 'the current data has' : current.predictions[model] ? 'the reference has' : 'neither side has';
  return {
    drift: false,
    method: null,
    method_title: `not tested: ${side} no predictions of ${model}`,
    score: null,
    threshold: 0,
    type: 'numeric',
    reference_values: reference.predictions[model]?.count ?? 0,
    current_values: current.predictions[model]?.count ?? 0,
    ...means,
  };
}

async function profileOf(side: MonitorSide, label: string, now: Date, pinnedCategories: Record<string, string[]> = {}): Promise<ReferenceProfile> {
  if (isProfile(side)) return parseReferenceProfile(side);
  return buildProfile(side, { source: label, created: now, pinnedCategories });
}

/** The categories a profile lists by name, per categorical column: the current side counts these exactly. */
function namedCategories(profile: ReferenceProfile): Record<string, string[]> {
  const named: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  for (const [name, column] of [...Object.entries(profile.features), ...Object.entries(profile.context)]) {
    if (column.type === 'categorical') named[name] = column.categories.map((c) => c.value);
  }
  return named;
}

function isProfile(side: MonitorSide): side is ReferenceProfile {
  return typeof side === 'object' && side !== null && (side as { kind?: unknown }).kind === 'ride-monitor-profile';
}

function sideOf(profile: ReferenceProfile): MonitorSummary['reference'] {
  return { source: profile.source, rows: profile.rows, ...(profile.rows_excluded ? { rows_excluded: profile.rows_excluded } : {}) };
}

/** Shares of every row the source read: a row its filter left out still counts (profile.excluded). */
function shares(profile: ColumnProfile): { missing: number; invalid: number } {
  const total = profile.count + profile.missing + profile.invalid + (profile.excluded ?? 0);
  return total === 0 ? { missing: 0, invalid: 0 } : { missing: profile.missing / total, invalid: profile.invalid / total };
}

/**
 * The scheduled monitor's runner (lambda/protocols/monitor/monitor-handler.ts): the reference
 * profiles as parsed JSON (validated here, merged: one per model) against a period's capture
 * records, streamed (an array or a reader's async generator; the profile holds bounded summaries,
 * never the records), joined by ride id to the period's actuals when there are any.
 */
export async function runMonitorOnCapture(input: {
  references: readonly unknown[];
  current: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>;
  actuals?: ActualsTable;
  title?: string;
}): Promise<MonitorOutcome> {
  const reference = mergeProfiles(input.references.map(parseReferenceProfile));
  const join = input.actuals ? new ActualsJoin(input.actuals) : undefined;
  return runMonitor({
    reference,
    current: observationsFromCapture(join ? joinedStream(input.current, join) : input.current),
    currentLabel: 'captured predictions',
    title: input.title,
    ...(join ? { groundTruth: () => join.finish() } : {}),
  });
}
