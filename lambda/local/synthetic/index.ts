/**
 * Synthetic TLC trip months: the generator (with fares as a TLC meter charges them and a
 * drift knob) and the trip-file writers. Used by `npm run batch -- generate`, by training
 * (models/training), by benches and by tests; runtime paths that serve predictions never
 * import it.
 */
export { generateTrips, type TripGeneratorOptions, type TripRow } from './synthetic-trips';
export { syntheticMonth, writeTripCsv, writeTripParquet, type SyntheticMonthOptions, type TripFileOptions, type TripFileRow } from './trip-file';
export { meterFare, drawFareChoices, TLC_RATES, type FareChoices, type MeteredTrip, type TripFare } from './tlc-fares';
export { NO_DRIFT, parseDrift, DriftSpecError, type TripDrift } from './drift';
export { HOUR_PROFILES, type HourProfile } from './pickup-hours';
export { createRandom, type Random } from './random';
export { ZONE_COUNT } from './city';
