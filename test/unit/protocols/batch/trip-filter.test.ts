import fc from 'fast-check';
import { SKIP_REASONS, classifyTrip, type SkipReason } from '../../../../lambda/rides/trips';
import { UNREADABLE, tripAt, type TripChunk } from '../../../../lambda/protocols/batch/trip-files/trip-chunk';
import { filterTrips } from '../../../../lambda/protocols/batch/trip-filter';

const T0 = Date.UTC(2021, 1, 3, 8);

/** Cells as readers produce them: ordinary values, missing (NaN), unreadable, and edge cases. */
const time = fc.oneof(
  fc.integer({ min: -90, max: 90 * 60 }).map((s) => T0 + s * 1000),
  fc.constantFrom(Number.NaN, UNREADABLE, 8.64e15, -1e17, 253_402_300_800_000),
);
const zone = fc.oneof(fc.integer({ min: 1, max: 265 }), fc.constantFrom(Number.NaN, UNREADABLE, 0, -3, 2.5, 2 ** 31, 2 ** 31 - 1));
const distance = fc.oneof(fc.double({ min: 0, max: 80, noNaN: true }), fc.constantFrom(Number.NaN, UNREADABLE, -1, -0));
const row = fc.record({ pickup: fc.constant(T0), dropoff: time, PULocationID: zone, DOLocationID: zone, trip_distance: distance, nullPickup: fc.boolean() });

interface Row {
  pickup: number;
  dropoff: number;
  PULocationID: number;
  DOLocationID: number;
  trip_distance: number;
  nullPickup: boolean;
}

function chunkOf(rows: Row[]): TripChunk {
  const column = (pick: (r: Row) => number) => Float64Array.from(rows, pick);
  return {
    firstRow: 0,
    length: rows.length,
    pickup: column((r) => (r.nullPickup ? Number.NaN : r.pickup)),
    dropoff: column((r) => r.dropoff),
    PULocationID: column((r) => r.PULocationID),
    DOLocationID: column((r) => r.DOLocationID),
    trip_distance: column((r) => r.trip_distance),
  };
}

function noSkips(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
}

describe('filterTrips, the batch job’s one-pass filter', () => {
  it('keeps and skips exactly the rows the core’s classifyTrip does, for the same reasons', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const chunk = chunkOf(rows);
        const skipped = noSkips();

        const kept = filterTrips(chunk, skipped);

        const expectedSkips = noSkips();
        const expectedKept: { position: number; pu: number; do: number; distance: number; duration: number }[] = [];
        for (let i = 0; i < chunk.length; i++) {
          const trip = classifyTrip(tripAt(chunk, i));
          if (trip.kind === 'skipped') expectedSkips[trip.reason]++;
          else if (trip.ride.PULocationID > 2 ** 31 - 1 || trip.ride.DOLocationID > 2 ** 31 - 1) expectedSkips.invalid_value++;
          else
            expectedKept.push({
              position: i,
              pu: trip.ride.PULocationID,
              do: trip.ride.DOLocationID,
              distance: trip.ride.trip_distance,
              duration: trip.duration,
            });
        }
        expect(skipped).toEqual(expectedSkips);
        expect(
          Array.from({ length: kept.length }, (_, j) => ({
            position: kept.positions[j],
            pu: kept.PULocationID[j],
            do: kept.DOLocationID[j],
            distance: kept.trip_distance[j],
            duration: kept.duration[j],
          })),
        ).toEqual(expectedKept);
      }),
      { numRuns: 300 },
    );
  });

  it('counts a present but unreadable time as an invalid time, not a missing one', () => {
    const skipped = noSkips();

    const kept = filterTrips(chunkOf([{ pickup: T0, dropoff: UNREADABLE, PULocationID: 10, DOLocationID: 50, trip_distance: 4, nullPickup: false }]), skipped);

    expect(kept.length).toBe(0);
    expect(skipped.invalid_time).toBe(1);
    expect(skipped.null_datetime).toBe(0);
  });

  it("skips as an invalid value a zone id outside the bounds the models declare (a sidecar's 1–265)", () => {
    const zone = { kind: 'integer', min: 1, max: 265 } as const;
    const courseFields = [
      { name: 'PULocationID', ...zone },
      { name: 'DOLocationID', ...zone },
    ];
    const rows = [265, 266, 99_999].map((pu) => ({
      pickup: T0,
      dropoff: T0 + 600_000,
      PULocationID: pu,
      DOLocationID: 1,
      trip_distance: 2,
      nullPickup: false,
    }));
    const skipped = noSkips();

    const kept = filterTrips(chunkOf(rows), skipped, { inputs: [], targets: [], courseFields });

    expect(Array.from(kept.PULocationID)).toEqual([265]);
    expect(skipped.invalid_value).toBe(2);
  });
});
