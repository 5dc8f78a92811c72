import { CategoricalProfileBuilder } from './categorical-profile-builder';
import { NumericProfileBuilder } from './numeric-profile-builder';
import { CATEGORICAL_NUMERIC_INPUTS, type ObservationChunk, type Observations } from './observations';
import type { QualityDay, ReferenceProfile } from './profile-schema';

/** What a profile says about where its data came from and the models that scored it. */
export interface ProfileOptions {
  /** free text shown in reports, e.g. "synthetic TLC green 2021-01 (61,234 trips)" */
  source: string;
  models?: Record<string, { version?: string; metrics?: Record<string, number> }>;
  /** fixed creation time (tests, reproducible files); default now */
  created?: Date;
}

const DAY_MS = 86_400_000;
/** Error sums (one per day and model version) kept per model: a profile spanning years stays bounded. */
const MAX_QUALITY_SUMS = 1_000;

type ColumnBuilder = NumericProfileBuilder | CategoricalProfileBuilder;

/**
 * Streams observations into a profile chunk by chunk (bounded memory); `finish` gives the
 * profile. Zones and string inputs are categories, other numbers numeric; `PU_DO` (the model's
 * zone pair) and the pickup `hour` are added as context when zones and times are there.
 */
export class ProfileBuilder {
  private rows = 0;
  private rowsExcluded = 0;
  private readonly features = new Map<string, ColumnBuilder>();
  private readonly context = new Map<string, CategoricalProfileBuilder>();
  private readonly predictions = new Map<string, NumericProfileBuilder>();
  private readonly actuals = new Map<string, NumericProfileBuilder>();
  private readonly quality = new Map<string, Map<string, QualityDay>>();
  private from = Infinity;
  private to = -Infinity;

  add(chunk: ObservationChunk): void {
    const start = this.rows;
    for (const [name, column] of Object.entries(chunk.inputs)) {
      const builder = this.featureBuilder(name, column, start);
      for (let i = 0; i < chunk.length; i++) (builder as { add(v: string | number | null): void }).add(column[i] ?? null);
    }
    if (chunk.excluded) this.addExcluded(chunk.excluded);
    this.addContext(chunk);
    for (const [model, values] of Object.entries(chunk.predictions ?? {})) numeric(this.predictions, model).addColumn(values);
    for (const [model, values] of Object.entries(chunk.actuals ?? {})) numeric(this.actuals, model).addColumn(values);
    this.addQuality(chunk);
    if (chunk.time) {
      for (const t of chunk.time) {
        if (!Number.isFinite(t)) continue;
        if (t < this.from) this.from = t;
        if (t > this.to) this.to = t;
      }
    }
    this.rows += chunk.length;
  }

  finish(options: ProfileOptions): ReferenceProfile {
    const finishAll = <B extends { finish(): R }, R>(builders: Map<string, B>) => Object.fromEntries([...builders].map(([name, b]) => [name, b.finish()]));
    return {
      kind: 'ride-monitor-profile',
      schema_version: 1,
      created: (options.created ?? new Date()).toISOString(),
      source: options.source,
      rows: this.rows,
      ...(this.rowsExcluded > 0 ? { rows_excluded: this.rowsExcluded } : {}),
      features: finishAll(this.features),
      context: finishAll(this.context),
      predictions: finishAll(this.predictions),
      actuals: finishAll(this.actuals),
      quality: Object.fromEntries([...this.quality].map(([model, days]) => [model, [...days.values()].sort(byDayThenVersion)])),
      models: options.models ?? {},
      time_range: Number.isFinite(this.from) ? { from: this.from, to: this.to } : null,
    };
  }

  private featureBuilder(name: string, column: ObservationChunk['inputs'][string], rowsBefore: number): ColumnBuilder {
    let builder = this.features.get(name);
    if (!builder) {
      const categorical = !(column instanceof Float64Array) || CATEGORICAL_NUMERIC_INPUTS.has(name);
      builder = categorical ? new CategoricalProfileBuilder() : new NumericProfileBuilder();
      // A column first seen in a later chunk was missing from the rows before it.
      for (let i = 0; i < rowsBefore; i++) builder.add(Number.NaN);
      this.features.set(name, builder);
    }
    return builder;
  }

  /**
   * Rows the source dropped before scoring: each input's value counts as missing, invalid or
   * excluded (so the missing share is of every row the source read), and never enters a
   * distribution. A column first seen here gets its builder now.
   */
  private addExcluded(excluded: NonNullable<ObservationChunk['excluded']>): void {
    for (const [name, column] of Object.entries(excluded.inputs)) {
      const builder = this.featureBuilder(name, column, this.rows);
      for (let i = 0; i < excluded.length; i++) (builder as { addExcluded(v: string | number | null): void }).addExcluded(column[i] ?? null);
    }
    this.rowsExcluded += excluded.length;
  }

  private addContext(chunk: ObservationChunk): void {
    const pu = chunk.inputs.PULocationID;
    const dz = chunk.inputs.DOLocationID;
    if (pu && dz) {
      const pairs = categorical(this.context, 'PU_DO');
      for (let i = 0; i < chunk.length; i++) {
        const a = pu[i];
        const b = dz[i];
        const known = (v: unknown) => v !== null && v !== undefined && !(typeof v === 'number' && !Number.isFinite(v));
        pairs.add(known(a) && known(b) ? `${a}_${b}` : null);
      }
    }
    if (chunk.time) {
      const hours = categorical(this.context, 'hour');
      for (const t of chunk.time) hours.add(Number.isFinite(t) ? String(new Date(t).getUTCHours()) : null);
    }
  }

  private addQuality(chunk: ObservationChunk): void {
    for (const [model, predicted] of Object.entries(chunk.predictions ?? {})) {
      const actual = chunk.actuals?.[model];
      if (!actual) continue;
      let days = this.quality.get(model);
      if (!days) this.quality.set(model, (days = new Map()));
      const versions = chunk.versions?.[model];
      for (let i = 0; i < chunk.length; i++) {
        const p = predicted[i] as number;
        const a = actual[i] as number;
        if (!Number.isFinite(p) || !Number.isFinite(a)) continue;
        const t = chunk.time?.[i];
        const day = t !== undefined && Number.isFinite(t) ? new Date(Math.floor(t / DAY_MS) * DAY_MS).toISOString().slice(0, 10) : 'all';
        const version = versions?.[i] ?? undefined;
        const key = version === undefined ? day : `${day}\u0000${version}`;
        let sums = days.get(key);
        if (!sums) {
          if (days.size >= MAX_QUALITY_SUMS) continue;
          days.set(key, (sums = { day, ...(version === undefined ? {} : { version }), n: 0, sum_error: 0, sum_squared_error: 0, sum_absolute_error: 0 }));
        }
        const error = p - a;
        sums.n++;
        sums.sum_error += error;
        sums.sum_squared_error += error * error;
        sums.sum_absolute_error += Math.abs(error);
      }
    }
  }
}

function byDayThenVersion(a: QualityDay, b: QualityDay): number {
  if (a.day !== b.day) return a.day < b.day ? -1 : 1;
  return (a.version ?? '') < (b.version ?? '') ? -1 : (a.version ?? '') > (b.version ?? '') ? 1 : 0;
}

function numeric(builders: Map<string, NumericProfileBuilder>, name: string): NumericProfileBuilder {
  let builder = builders.get(name);
  if (!builder) builders.set(name, (builder = new NumericProfileBuilder()));
  return builder;
}

function categorical(builders: Map<string, CategoricalProfileBuilder>, name: string): CategoricalProfileBuilder {
  let builder = builders.get(name);
  if (!builder) builders.set(name, (builder = new CategoricalProfileBuilder()));
  return builder;
}

/**
 * Builds a dataset's profile from its observations, streaming (a month of trips never sits in
 * memory as rows). `npm run train` writes it as `reference-profile.json` next to each model.
 *
 * @example
 * const profile = await buildProfile([{ length: 2, inputs: { trip_distance: Float64Array.of(1.2, 3.4) } }], { source: 'two rides' });
 */
export async function buildProfile(observations: Observations, options: ProfileOptions): Promise<ReferenceProfile> {
  const builder = new ProfileBuilder();
  for await (const chunk of observations) builder.add(chunk);
  return builder.finish(options);
}
