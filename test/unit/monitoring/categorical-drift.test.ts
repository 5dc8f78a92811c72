import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaptureRecord } from '../../../lambda/observability/capture/capture-record';
import { CategoricalProfileBuilder, OTHER_CATEGORY, TOP_CATEGORIES } from '../../../lambda/monitoring/categorical-profile-builder';
import { buildProfile, observationsFromCapture, runMonitorOnCapture } from '../../../lambda/monitoring';

const ROOT = join(__dirname, '..', '..', '..');
const shippedReference = () => JSON.parse(readFileSync(join(ROOT, 'models', 'reference-profile.json'), 'utf8')) as unknown;

/** `n` captured rides from zone `pu` to zone `dz`, distances as the course's rides go. */
function rides(n: number, pu: number, dz: number): CaptureRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    time: new Date(Date.UTC(2026, 10, 23, i % 24, i % 60)).toISOString(),
    source: 'http',
    id: `r${i}`,
    inputs: { PULocationID: pu, DOLocationID: dz, trip_distance: 1 + (i % 90) / 10 },
    outputs: { duration: { output: 12 + (i % 7), version: 'v' } },
  }));
}

describe('categorical drift against a reference that keeps only its top categories', () => {
  it('sees a total shift onto a zone pair outside the reference top 300 (both sides used to be all "(other)")', async () => {
    const reference = shippedReference() as { context: { PU_DO: { categories: { value: string }[]; other: number } } };
    expect(reference.context.PU_DO.other).toBeGreaterThan(0);
    expect(reference.context.PU_DO.categories.map((c) => c.value)).not.toContain('1_1');

    const { summary } = await runMonitorOnCapture({ references: [reference], current: rides(5_000, 1, 1) });

    expect(summary.context.PU_DO).toMatchObject({ method: 'jensenshannon', drift: true });
    expect(summary.context.PU_DO?.score).toBeGreaterThan(0.5);
  });

  it('reads no drift for a current side drawn like the reference, and drift once half of it moves to one unlisted pair', async () => {
    // A reference of 5,400 zone pairs: 400 frequent ones (listed: its top 300) and 5,000 rare ones (its "(other)").
    const population = (offset: number) => [
      ...Array.from({ length: 400 }, (_, k) => rides(20, 1 + (k % 200), 1 + ((k + offset) % 2))).flat(),
      ...Array.from({ length: 5_000 }, (_, k) => rides(2, 2 + (k % 250), 3 + Math.floor(k / 250))).flat(),
    ];
    const reference = await buildProfile(observationsFromCapture(population(0)), { source: 'reference' });
    expect(reference.context.PU_DO).toMatchObject({ type: 'categorical', other: expect.any(Number) });

    const same = await runMonitorOnCapture({ references: [reference], current: population(0).reverse() });
    const moved = population(0).map((record, i) => (i % 2 === 0 ? { ...record, inputs: { ...record.inputs, PULocationID: 264, DOLocationID: 264 } } : record));
    const shifted = await runMonitorOnCapture({ references: [reference], current: moved });

    expect(same.summary.context.PU_DO).toMatchObject({ drift: false, score: 0 });
    expect(shifted.summary.context.PU_DO).toMatchObject({ drift: true });
    expect(shifted.summary.context.PU_DO?.score).toBeGreaterThan(0.4);
  });
});

describe('CategoricalProfileBuilder', () => {
  it('ranks a category that becomes frequent after 100,000 others (it used to go straight to "other")', () => {
    const builder = new CategoricalProfileBuilder();
    for (let i = 0; i < 100_000; i++) builder.add(`early-${i}`);
    for (let i = 0; i < 50_000; i++) builder.add('late');

    const profile = builder.finish();

    expect(profile.categories[0]).toEqual({ value: 'late', count: 50_000 });
    expect(profile.count).toBe(150_000);
    expect(profile.categories.reduce((s, c) => s + c.count, 0) + profile.other).toBe(150_000);
  });

  it(`keeps pinned categories by name and exactly, past the top ${TOP_CATEGORIES} and through folding`, () => {
    const builder = new CategoricalProfileBuilder(['rare']);
    builder.add('rare');
    for (let i = 0; i < 150_000; i++) builder.add(`c${i % 120_000}`);
    builder.add('rare');

    const profile = builder.finish();

    expect(profile.categories).toContainEqual({ value: 'rare', count: 2 });
    expect(profile.categories.some((c) => c.value === OTHER_CATEGORY)).toBe(false);
    expect(profile.count).toBe(150_002);
  });
});
