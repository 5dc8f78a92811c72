import type { TaxiType } from '../../protocols/batch/trip-files/trip-chunk';
import type { Random } from './random';

/**
 * What a New York City taxi meter charges for a trip, itemised in the TLC trip-record columns.
 *
 * Rates in force through 2021 (TLC "Taxi Fare" / Rate of Fare, Rule 58-26, unchanged from
 * 4 Sep 2012 until the 19 Dec 2022 increase; nyc.gov/site/tlc/passengers/taxi-fare.page;
 * the congestion surcharge is New York State Tax Law Article 29-C, from 2 Feb 2019):
 * - Standard City Rate (RatecodeID 1): $2.50 upon entry, then $0.50 per unit, a unit being
 *   1/5 mile when the taxi travels at 12 mph or more, or 60 seconds when it is slower or
 *   stopped; fractional distance and time combine into units and the unit being accrued is
 *   charged in full (pre-assessment).
 * - Night surcharge $0.50, 8 pm – 6 am; weekday peak surcharge $1.00, Mon–Fri 4 pm – 8 pm
 *   (legal holidays are not modelled). Both are the `extra` column.
 * - MTA State Surcharge (`mta_tax`) $0.50 on trips ending in the city; improvement surcharge
 *   $0.30 on every trip.
 * - JFK (zone 132) ↔ Manhattan: flat $52 (RatecodeID 2), no night or peak surcharge but a
 *   $4.50 weekday 4–8 pm rush-hour surcharge; other JFK trips are metered.
 * - To Newark (zone 1, RatecodeID 3): the metered fare plus a $17.50 Newark surcharge (in
 *   `fare_amount`), no MTA surcharge (the trip ends in New Jersey), and the tolls.
 * - Congestion surcharge: $2.50 for yellow, $2.75 for green taxis, on trips that begin or end
 *   in Manhattan south of 96th Street (trips that only pass through are not modelled).
 * - Tolls at the E-ZPass rates the passenger pays: MTA bridges and tunnels $6.12, $6.55 from
 *   11 Apr 2021; the Port Authority's Hudson crossings (Newark trips) $13.75 peak
 *   (weekdays 6–10 am, 4–8 pm), $11.75 off-peak.
 * - `airport_fee` (yellow files only): $1.25 on LaGuardia and JFK pickups, a column the TLC
 *   added in 2022; 0 in earlier months.
 * - Tips: recorded for card payments only (cash tips are not in TLC data), as a share of the
 *   fare and surcharges before tolls.
 */
export const TLC_RATES = {
  initialCents: 250,
  unitCents: 50,
  unitMiles: 0.2,
  unitSeconds: 60,
  /** below this speed the meter charges time instead of distance */
  slowMph: 12,
  nightCents: 50,
  peakCents: 100,
  mtaCents: 50,
  improvementCents: 30,
  jfkFlatCents: 5200,
  jfkRushCents: 450,
  newarkCents: 1750,
  congestionCents: { yellow: 250, green: 275 } satisfies Record<TaxiType, number>,
  mtaTollCents: { before: 612, from20210411: 655 },
  hudsonTollCents: { peak: 1375, offPeak: 1175 },
  airportFeeCents: 125,
} as const;

export const JFK = 132;
export const LAGUARDIA = 138;
export const NEWARK = 1;

/** Manhattan's taxi zones (TLC taxi_zone_lookup.csv). */
export const MANHATTAN_ZONES: ReadonlySet<number> = new Set([
  4, 12, 13, 24, 41, 42, 43, 45, 48, 50, 68, 74, 75, 79, 87, 88, 90, 100, 103, 104, 105, 107, 113, 114, 116, 120, 125, 127, 128, 137, 140, 141, 142, 143, 144,
  148, 151, 152, 153, 158, 161, 162, 163, 164, 166, 170, 186, 194, 202, 209, 211, 224, 229, 230, 231, 232, 233, 234, 236, 237, 238, 239, 243, 244, 246, 249,
  261, 262, 263,
]);

/** Manhattan zones south of 96th Street: the congestion-surcharge area. */
export const CONGESTION_ZONES: ReadonlySet<number> = new Set(
  [...MANHATTAN_ZONES].filter((z) => ![24, 41, 42, 74, 75, 116, 120, 127, 128, 151, 152, 153, 166, 194, 243, 244].includes(z)),
);

/**
 * The synthetic trip model behind the per-minute charge: a cab covers the trip's distance at
 * this cruising speed (charged by distance) and spends the rest of the trip's time in slow
 * traffic or stopped (charged by time).
 */
export const CRUISE_MPH = 20;

/** The trip as the meter sees it. Times are local wall-clock times stored as UTC fields, as TLC files store them. */
export interface MeteredTrip {
  taxiType: TaxiType;
  pickup: Date;
  dropoff: Date;
  PULocationID: number;
  DOLocationID: number;
  /** miles */
  trip_distance: number;
}

/** The passenger's side of a trip: how they pay, what they tip, whether the route is tolled. */
export interface FareChoices {
  card: boolean;
  /** share of the pre-toll amount tipped (card payments only) */
  tipRate: number;
  tolled: boolean;
}

/** One trip's fare, in the TLC trip-record columns (dollars). */
export interface TripFare {
  /** 1 standard, 2 JFK, 3 Newark */
  RatecodeID: number;
  /** 1 credit card, 2 cash */
  payment_type: number;
  fare_amount: number;
  extra: number;
  mta_tax: number;
  tip_amount: number;
  tolls_amount: number;
  improvement_surcharge: number;
  congestion_surcharge: number;
  /** always 0 for green taxis, whose files have no such column */
  airport_fee: number;
  total_amount: number;
}

/** Minutes of a trip the meter charges by time: all but what cruising the distance takes. */
export function slowTrafficMinutes(trip: Pick<MeteredTrip, 'pickup' | 'dropoff' | 'trip_distance'>): number {
  const minutes = (trip.dropoff.getTime() - trip.pickup.getTime()) / 60_000;
  return Math.max(0, minutes - (60 * trip.trip_distance) / CRUISE_MPH);
}

/** The standard-rate meter reading in cents: entry plus every started unit of distance or slow time. */
export function meteredCents(trip: Pick<MeteredTrip, 'pickup' | 'dropoff' | 'trip_distance'>): number {
  const units = trip.trip_distance / TLC_RATES.unitMiles + (slowTrafficMinutes(trip) * 60) / TLC_RATES.unitSeconds;
  // Rounded first so 2 miles (10 units in exact arithmetic) is not 10.000000000000002 units.
  return TLC_RATES.initialCents + TLC_RATES.unitCents * Math.ceil(Math.round(units * 1e6) / 1e6);
}

const isWeekday = (d: Date) => d.getUTCDay() >= 1 && d.getUTCDay() <= 5;
const hourOf = (d: Date) => d.getUTCHours();
/** 8 pm – 6 am */
export const isNight = (d: Date) => hourOf(d) >= 20 || hourOf(d) < 6;
/** Mon–Fri 4 pm – 8 pm */
export const isWeekdayPeak = (d: Date) => isWeekday(d) && hourOf(d) >= 16 && hourOf(d) < 20;
const isPortAuthorityPeak = (d: Date) => isWeekday(d) && ((hourOf(d) >= 6 && hourOf(d) < 10) || (hourOf(d) >= 16 && hourOf(d) < 20));

function isJfkManhattan(trip: MeteredTrip): boolean {
  return (trip.PULocationID === JFK && MANHATTAN_ZONES.has(trip.DOLocationID)) || (trip.DOLocationID === JFK && MANHATTAN_ZONES.has(trip.PULocationID));
}

function tollCents(trip: MeteredTrip): number {
  if (trip.DOLocationID === NEWARK) return isPortAuthorityPeak(trip.pickup) ? TLC_RATES.hudsonTollCents.peak : TLC_RATES.hudsonTollCents.offPeak;
  return trip.pickup.getTime() >= Date.UTC(2021, 3, 11) ? TLC_RATES.mtaTollCents.from20210411 : TLC_RATES.mtaTollCents.before;
}

/**
 * Meters one trip: the rate code its zones select, the fare, surcharges, tolls and tip.
 *
 * @example
 * // 2 miles in 20 minutes on a Wednesday at 10 am, cash, no toll:
 * // 10 distance units + 14 slow minutes → $2.50 + 24 × $0.50 = $14.50 fare, $15.30 total
 * meterFare({ taxiType: 'green', pickup, dropoff, PULocationID: 10, DOLocationID: 7, trip_distance: 2 }, { card: false, tipRate: 0, tolled: false });
 */
export function meterFare(trip: MeteredTrip, choices: FareChoices): TripFare {
  const jfk = isJfkManhattan(trip);
  const newark = trip.DOLocationID === NEWARK;
  const ratecode = jfk ? 2 : newark ? 3 : 1;
  const fare = jfk ? TLC_RATES.jfkFlatCents : meteredCents(trip) + (newark ? TLC_RATES.newarkCents : 0);
  const extra = jfk
    ? isWeekdayPeak(trip.pickup)
      ? TLC_RATES.jfkRushCents
      : 0
    : (isNight(trip.pickup) ? TLC_RATES.nightCents : 0) + (isWeekdayPeak(trip.pickup) ? TLC_RATES.peakCents : 0);
  const mta = newark ? 0 : TLC_RATES.mtaCents;
  const improvement = TLC_RATES.improvementCents;
  const congestion = CONGESTION_ZONES.has(trip.PULocationID) || CONGESTION_ZONES.has(trip.DOLocationID) ? TLC_RATES.congestionCents[trip.taxiType] : 0;
  const airportFee =
    trip.taxiType === 'yellow' && (trip.PULocationID === JFK || trip.PULocationID === LAGUARDIA) && trip.pickup.getUTCFullYear() >= 2022
      ? TLC_RATES.airportFeeCents
      : 0;
  const tolls = choices.tolled || newark ? tollCents(trip) : 0;
  const tip = choices.card ? Math.round(choices.tipRate * (fare + extra + mta + improvement + congestion + airportFee)) : 0;
  const total = fare + extra + mta + tip + tolls + improvement + congestion + airportFee;
  const dollars = (cents: number) => cents / 100;
  return {
    RatecodeID: ratecode,
    payment_type: choices.card ? 1 : 2,
    fare_amount: dollars(fare),
    extra: dollars(extra),
    mta_tax: dollars(mta),
    tip_amount: dollars(tip),
    tolls_amount: dollars(tolls),
    improvement_surcharge: dollars(improvement),
    congestion_surcharge: dollars(congestion),
    airport_fee: dollars(airportFee),
    total_amount: dollars(total),
  };
}

/** Card shares in 2021 TLC months: most yellow riders pay by card, green riders pay cash more often. */
const CARD_SHARE: Record<TaxiType, number> = { yellow: 0.72, green: 0.45 };

const isAirport = (zone: number) => zone === JFK || zone === LAGUARDIA || zone === NEWARK;

/**
 * The passenger's choices for one trip, from the fare stream: always exactly three draws, so
 * one row's choices never shift another's.
 */
export function drawFareChoices(trip: MeteredTrip, random: Random): FareChoices {
  const payment = random();
  const tip = random();
  const toll = random();
  const card = payment < CARD_SHARE[trip.taxiType];
  // One card rider in eight leaves no tip; the rest mostly take the screen's 20/25/30 % buttons.
  const tipRate = !card ? 0 : tip < 0.125 ? 0 : tip < 0.6 ? 0.2 : tip < 0.85 ? 0.25 : 0.3;
  const crossesWater = isAirport(trip.PULocationID) !== isAirport(trip.DOLocationID) ? 0.6 : trip.trip_distance > 10 ? 0.15 : 0.02;
  return { card, tipRate, tolled: toll < crossesWater };
}
