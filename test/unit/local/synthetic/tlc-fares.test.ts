import fc from 'fast-check';
import { meterFare, drawFareChoices, slowTrafficMinutes, type FareChoices, type MeteredTrip } from '../../../../lambda/local/synthetic/tlc-fares';
import { createRandom } from '../../../../lambda/local/synthetic/random';

const CASH: FareChoices = { card: false, tipRate: 0, tolled: false };
// Local wall-clock times, stored in the UTC fields as TLC files store them. 2021-03-03 is a Wednesday, 2021-03-06 a Saturday.
const at = (day: number, hh: number, mm = 0) => new Date(Date.UTC(2021, 2, day, hh, mm));
const trip = (over: Partial<MeteredTrip> & { minutes?: number } = {}): MeteredTrip => {
  const pickup = over.pickup ?? at(3, 10);
  return {
    taxiType: 'green',
    PULocationID: 10,
    DOLocationID: 7,
    trip_distance: 2,
    ...over,
    pickup,
    dropoff: over.dropoff ?? new Date(pickup.getTime() + (over.minutes ?? 20) * 60_000),
  };
};

describe('the TLC meter', () => {
  it('charges $2.50 plus $0.50 per fifth of a mile and per slow minute on a weekday morning', () => {
    // 2 miles at the 20 mph cruise take 6 minutes; the other 14 of 20 are slow: 10 + 14 units.
    const fare = meterFare(trip(), CASH);

    expect(slowTrafficMinutes(trip())).toBeCloseTo(14, 9);
    expect(fare).toMatchObject({
      RatecodeID: 1,
      fare_amount: 14.5,
      extra: 0,
      mta_tax: 0.5,
      improvement_surcharge: 0.3,
      congestion_surcharge: 0,
      tolls_amount: 0,
      tip_amount: 0,
    });
    expect(fare.total_amount).toBe(15.3);
  });

  it('charges no time when the cab keeps above cruising pace, and the started unit in full', () => {
    // 2.03 miles in 5 minutes: 10.15 distance units, no slow time → 11 units.
    expect(meterFare(trip({ trip_distance: 2.03, minutes: 5 }), CASH).fare_amount).toBe(2.5 + 11 * 0.5);
  });

  it('adds the per-minute charge as traffic slows the same distance down', () => {
    const quick = meterFare(trip({ minutes: 10 }), CASH).fare_amount;
    const slow = meterFare(trip({ minutes: 40 }), CASH).fare_amount;

    expect(slow - quick).toBe(30 * 0.5);
  });

  it('adds the $0.50 night surcharge from 8 pm to 6 am, any day', () => {
    expect(meterFare(trip({ pickup: at(6, 23, 30) }), CASH).extra).toBe(0.5);
    expect(meterFare(trip({ pickup: at(3, 5, 59) }), CASH).extra).toBe(0.5);
    expect(meterFare(trip({ pickup: at(3, 6, 0) }), CASH).extra).toBe(0);
  });

  it('adds the $1 peak surcharge from 4 pm to 8 pm on weekdays only', () => {
    expect(meterFare(trip({ pickup: at(3, 16, 0) }), CASH).extra).toBe(1);
    expect(meterFare(trip({ pickup: at(3, 19, 59) }), CASH).extra).toBe(1);
    expect(meterFare(trip({ pickup: at(3, 20, 0) }), CASH).extra).toBe(0.5);
    expect(meterFare(trip({ pickup: at(6, 17, 0) }), CASH).extra).toBe(0);
  });

  it('charges the $52 JFK–Manhattan flat fare whatever the distance, with the $4.50 weekday rush surcharge instead of night and peak', () => {
    const toMidtown = meterFare(trip({ PULocationID: 132, DOLocationID: 161, trip_distance: 17.8, minutes: 55, pickup: at(3, 17) }), CASH);
    const fromMidtownAtNight = meterFare(trip({ PULocationID: 161, DOLocationID: 132, trip_distance: 16, minutes: 30, pickup: at(3, 23) }), CASH);

    expect(toMidtown).toMatchObject({ RatecodeID: 2, fare_amount: 52, extra: 4.5, mta_tax: 0.5, congestion_surcharge: 2.75 });
    expect(toMidtown.total_amount).toBe(52 + 4.5 + 0.5 + 0.3 + 2.75);
    expect(fromMidtownAtNight).toMatchObject({ RatecodeID: 2, fare_amount: 52, extra: 0 });
  });

  it('meters JFK trips to the other boroughs at the standard rate', () => {
    const fare = meterFare(trip({ PULocationID: 132, DOLocationID: 10, trip_distance: 9, minutes: 27 }), CASH);

    expect(fare.RatecodeID).toBe(1);
    expect(fare.fare_amount).toBe(2.5 + (45 + 0) * 0.5);
  });

  it('adds the $17.50 Newark surcharge and the Hudson crossing toll, without the MTA surcharge', () => {
    const fare = meterFare(trip({ PULocationID: 161, DOLocationID: 1, trip_distance: 16, minutes: 48, pickup: at(3, 11) }), CASH);

    expect(fare).toMatchObject({ RatecodeID: 3, fare_amount: 2.5 + 80 * 0.5 + 17.5, mta_tax: 0, tolls_amount: 11.75, congestion_surcharge: 2.75 });
  });

  it('charges the LaGuardia toll at the MTA E-ZPass rate of the day when the route is tolled', () => {
    const before = meterFare(trip({ PULocationID: 138, DOLocationID: 230, pickup: at(3, 12) }), { ...CASH, tolled: true });
    const after = meterFare(trip({ PULocationID: 138, DOLocationID: 230, pickup: new Date(Date.UTC(2021, 3, 12, 12)) }), { ...CASH, tolled: true });

    expect(before.tolls_amount).toBe(6.12);
    expect(after.tolls_amount).toBe(6.55);
  });

  it('charges yellow and green cabs their own congestion surcharge in Manhattan below 96th Street only', () => {
    expect(meterFare(trip({ taxiType: 'yellow', DOLocationID: 230 }), CASH).congestion_surcharge).toBe(2.5);
    expect(meterFare(trip({ taxiType: 'green', PULocationID: 230 }), CASH).congestion_surcharge).toBe(2.75);
    expect(meterFare(trip({ PULocationID: 41, DOLocationID: 42 }), CASH).congestion_surcharge).toBe(0);
  });

  it('records tips on card payments only, as a share of the fare and surcharges before tolls', () => {
    const card = meterFare(trip(), { card: true, tipRate: 0.2, tolled: true });

    expect(card.payment_type).toBe(1);
    expect(card.tip_amount).toBe(Math.round(0.2 * 1530) / 100);
    expect(meterFare(trip(), { card: false, tipRate: 0.2, tolled: false }).tip_amount).toBe(0);
  });

  it('adds up every item into total_amount to the cent, for any trip', () => {
    const anyTrip = fc.record({
      taxiType: fc.constantFrom('green' as const, 'yellow' as const),
      PULocationID: fc.integer({ min: 1, max: 265 }),
      DOLocationID: fc.integer({ min: 1, max: 265 }),
      trip_distance: fc.double({ min: 0, max: 200, noNaN: true }),
      minutes: fc.double({ min: 0, max: 600, noNaN: true }),
      pickupMs: fc.integer({ min: Date.UTC(2021, 0, 1), max: Date.UTC(2022, 11, 31) }),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(anyTrip, ({ pickupMs, minutes, seed, ...rest }) => {
        const t = trip({ ...rest, pickup: new Date(pickupMs), minutes });
        const f = meterFare(t, drawFareChoices(t, createRandom(seed)));
        const items = [f.fare_amount, f.extra, f.mta_tax, f.tip_amount, f.tolls_amount, f.improvement_surcharge, f.congestion_surcharge, f.airport_fee];
        const cents = (x: number) => Math.round(x * 100);
        expect(items.every((x) => Number.isFinite(x) && x >= 0 && Math.abs(x * 100 - cents(x)) < 1e-6)).toBe(true);
        expect(cents(f.total_amount)).toBe(items.reduce((sum, x) => sum + cents(x), 0));
        expect(f.fare_amount).toBeGreaterThanOrEqual(2.5);
      }),
      { numRuns: 2_000 },
    );
  });
});
