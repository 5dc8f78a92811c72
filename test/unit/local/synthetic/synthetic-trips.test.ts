import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTrips, type TripRow } from '../../../../lambda/local/synthetic/synthetic-trips';
import { syntheticMonth, writeTripCsv, writeTripParquet } from '../../../../lambda/local/synthetic/trip-file';
import { MANHATTAN_ZONES } from '../../../../lambda/local/synthetic/tlc-fares';
import { readParquet, scratchDirectory } from '../../../support/trip-fixtures';

const dir = scratchDirectory();
afterAll(() => dir.remove());

const month = { year: 2021, month: 3, rows: 10_000 };
const all = (options: Parameters<typeof generateTrips>[0]) => [...generateTrips(options)];
/** The trip stream's columns only (what the duration model trains on), as one digest. */
const tripDigest = (rows: readonly TripRow[]) =>
  createHash('sha256')
    .update(rows.map((r) => `${r.pickup_datetime.getTime()},${r.dropoff_datetime.getTime()},${r.PULocationID},${r.DOLocationID},${r.trip_distance}`).join('\n'))
    .digest('hex');
const minutes = (r: TripRow) => (r.dropoff_datetime.getTime() - r.pickup_datetime.getTime()) / 60_000;
const share = (rows: readonly TripRow[], test: (r: TripRow) => boolean) => rows.filter(test).length / rows.length;

describe('the synthetic trip generator', () => {
  const base = all(month);

  it('yields the same trips and fares for the same seed, and other ones for another seed', () => {
    expect(all(month)).toEqual(base);
    expect(tripDigest(all({ ...month, seed: 7 }))).not.toBe(tripDigest(base));
  });

  it('keeps the trip columns of a yellow month identical to the green one: fares draw from their own stream', () => {
    const yellow = all({ ...month, taxiType: 'yellow' });

    expect(tripDigest(yellow)).toBe(tripDigest(base));
    expect(yellow.map((r) => r.fare.congestion_surcharge)).not.toEqual(base.map((r) => r.fare.congestion_surcharge));
  });

  it('yields pickups in order, within the month, and metered fares for every trip', () => {
    const start = Date.UTC(2021, 2, 1);
    const end = Date.UTC(2021, 3, 1);

    expect(base.every((r, i) => i === 0 || r.pickup_datetime >= (base[i - 1] as TripRow).pickup_datetime)).toBe(true);
    expect(base.every((r) => r.pickup_datetime.getTime() >= start && r.pickup_datetime.getTime() < end)).toBe(true);
    expect(base.every((r) => r.fare.total_amount >= 2.5 + 0.3 && Number.isFinite(r.fare.total_amount))).toBe(true);
    expect(base.some((r) => r.fare.RatecodeID === 2)).toBe(true);
    expect(share(base, (r) => r.fare.payment_type === 1)).toBeCloseTo(0.45, 1);
  });

  it('makes the night busier than the small hours, and the evening rush busiest', () => {
    const hour = (h: number) => share(base, (r) => r.pickup_datetime.getUTCHours() === h);

    expect(hour(18)).toBeGreaterThan(hour(10));
    expect(hour(10)).toBeGreaterThan(hour(4) * 3);
  });

  it('changes nothing under an explicit no-drift', () => {
    expect(tripDigest(all({ ...month, drift: { distance: 1, zones: 0, hours: 'tlc' } }))).toBe(tripDigest(base));
  });

  it('scales every distance by the distance drift, and the durations and fares with it', () => {
    const longer = all({ ...month, drift: { distance: 1.5 } });
    const total = (rows: readonly TripRow[], f: (r: TripRow) => number) => rows.reduce((s, r) => s + f(r), 0);

    longer.forEach((r, i) => {
      const was = (base[i] as TripRow).trip_distance;
      if (r.trip_distance !== null && was !== null) expect(Math.abs(r.trip_distance - was * 1.5)).toBeLessThanOrEqual(0.0126); // both rounded to the cent of a mile;
    });
    expect(total(longer, minutes)).toBeGreaterThan(total(base, minutes) * 1.2);
    expect(total(longer, (r) => r.fare.total_amount)).toBeGreaterThan(total(base, (r) => r.fare.total_amount) * 1.2);
  });

  it('moves popularity to other zones under the zone drift', () => {
    const counts = (rows: readonly TripRow[]) => {
      const c = new Map<number, number>();
      for (const r of rows) c.set(r.PULocationID ?? 0, (c.get(r.PULocationID ?? 0) ?? 0) + 1);
      return c;
    };
    const before = counts(base);
    const top10 = [...before.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([zone]) => zone);
    const after = counts(all({ ...month, drift: { zones: 0.8 } }));
    const topShare = (c: Map<number, number>) => top10.reduce((s, z) => s + (c.get(z) ?? 0), 0) / month.rows;

    expect(topShare(after)).toBeLessThan(topShare(before) / 2);
  });

  it('puts more pickups at night under hours=night and more in the weekday rush under hours=rush', () => {
    const night = (r: TripRow) => r.pickup_datetime.getUTCHours() >= 20 || r.pickup_datetime.getUTCHours() < 6;
    const rush = (r: TripRow) => r.pickup_datetime.getUTCHours() >= 16 && r.pickup_datetime.getUTCHours() < 20;

    expect(share(all({ ...month, drift: { hours: 'night' } }), night)).toBeGreaterThan(share(base, night) * 1.5);
    expect(share(all({ ...month, drift: { hours: 'rush' } }), rush)).toBeGreaterThan(share(base, rush) * 1.5);
  });

  it('writes the fare columns with their TLC names and types, in each fleet order, to parquet and CSV', async () => {
    const rows = [...syntheticMonth({ ...month, rows: 300, taxiType: 'yellow' })];
    const parquet = join(dir.path, 'yellow.parquet');
    const csv = join(dir.path, 'yellow.csv');
    await writeTripParquet(parquet, rows, { taxiType: 'yellow' });
    writeTripCsv(csv, rows, 'yellow');

    const read = await readParquet(parquet);
    const header = readFileSync(csv, 'utf8').split('\n')[0];
    const names = read.columns.map((c) => c.name);

    expect(names).toEqual(header?.split(','));
    expect(names.slice(-10)).toEqual([
      'payment_type',
      'fare_amount',
      'extra',
      'mta_tax',
      'tip_amount',
      'tolls_amount',
      'improvement_surcharge',
      'total_amount',
      'congestion_surcharge',
      'airport_fee',
    ]);
    expect(read.columns.find((c) => c.name === 'total_amount')).toMatchObject({ type: 'DOUBLE' });
    expect(read.columns.find((c) => c.name === 'payment_type')).toMatchObject({ type: 'INT64' });
    expect(read.rows.map((r) => r.total_amount)).toEqual(rows.map((r) => r.fare?.total_amount));
  });

  it('gives green files no airport_fee column, as TLC green files have none', async () => {
    const path = join(dir.path, 'green.parquet');
    await writeTripParquet(path, syntheticMonth({ ...month, rows: 50 }), { taxiType: 'green' });

    const names = (await readParquet(path)).columns.map((c) => c.name);

    expect(names).toContain('congestion_surcharge');
    expect(names).not.toContain('airport_fee');
  });

  it('uses the JFK flat fare for its Manhattan trips', () => {
    const jfk = base.filter((r) => r.fare.RatecodeID === 2);

    expect(jfk.every((r) => r.fare.fare_amount === 52 && [r.PULocationID, r.DOLocationID].includes(132))).toBe(true);
    expect(
      jfk.every(
        (r) => MANHATTAN_ZONES.has((r.PULocationID === 132 ? r.DOLocationID : r.PULocationID) ?? 0) || r.PULocationID === null || r.DOLocationID === null,
      ),
    ).toBe(true);
  });
});
