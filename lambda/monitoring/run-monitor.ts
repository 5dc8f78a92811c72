import type { CaptureRecord } from '../observability/capture/capture-record';
import { observationsFromCapture } from './capture-observations';
import { buildProfile } from './build-profile';
import { datasetDrift } from './dataset-drift';
import type { MonitorSummary } from './monitor-summary';
import type { Observations } from './observations';
import { parseReferenceProfile, type ColumnProfile, type ReferenceProfile } from './profile-schema';
import { modelQuality } from './quality';
import { renderReport } from './render-report';

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
  const summary = summarize(reference, current, now);
  const html = await renderReport({ title: input.title ?? 'Ride model monitoring report', summary, reference, current });
  return { summary, html, reference, current };
}

/** The summary of two profiles (no rendering). */
export function summarize(reference: ReferenceProfile, current: ReferenceProfile, now: Date): MonitorSummary {
  const drift = datasetDrift(reference, current);
  return {
    generated: now.toISOString(),
    reference: { source: reference.source, rows: reference.rows },
    current: { source: current.source, rows: current.rows },
    dataset_drift: drift.dataset_drift,
    drift_share: drift.drift_share,
    drift_share_threshold: drift.drift_share_threshold,
    drifted_features: drift.drifted_features,
    features_not_compared: [...new Set([...Object.keys(reference.features), ...Object.keys(current.features)])].filter((name) => !(name in drift.features)),
    features: drift.features,
    context: drift.context,
    predictions: Object.fromEntries(
      Object.entries(drift.predictions).map(([model, d]) => [model, { ...d, reference_mean: reference.predictions[model]?.mean ?? null, current_mean: current.predictions[model]?.mean ?? null }]),
    ),
    missing: Object.fromEntries(
      Object.keys(reference.features)
        .filter((name) => current.features[name])
        .map((name) => {
          const [r, c] = [shares(reference.features[name] as ColumnProfile), shares(current.features[name] as ColumnProfile)];
          return [name, { reference_missing_share: r.missing, reference_invalid_share: r.invalid, current_missing_share: c.missing, current_invalid_share: c.invalid }];
        }),
    ),
    quality: modelQuality(reference, current),
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

function shares(profile: ColumnProfile): { missing: number; invalid: number } {
  const total = profile.count + profile.missing + profile.invalid;
  return total === 0 ? { missing: 0, invalid: 0 } : { missing: profile.missing / total, invalid: profile.invalid / total };
}

/**
 * The scheduled monitor's runner (lambda/protocols/monitor/monitor-handler.ts `MonitorRunner`): the reference
 * profile as parsed JSON (validated here) against a period's capture records, streamed (an array
 * or a reader's async generator; the profile holds bounded summaries, never the records).
 */
export async function runMonitorOnCapture(input: { reference: unknown; current: Iterable<CaptureRecord> | AsyncIterable<CaptureRecord>; title?: string }): Promise<MonitorOutcome> {
  return runMonitor({ reference: parseReferenceProfile(input.reference), current: observationsFromCapture(input.current), currentLabel: 'captured predictions', title: input.title });
}
