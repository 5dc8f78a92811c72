/**
 * When in the day synthetic trips start. Pickups are spread evenly over the month and then
 * moved within their day by a monotone warp of the clock, so they stay in order and in their
 * day while the hours follow a profile: `tlc` (the default) is the familiar city curve — quiet
 * before dawn, busy from the evening rush to late night — and the others are the generator's
 * hour drift. Trip durations do not depend on the hour, so the warp changes no model's
 * training rows; it changes which fares carry the night and rush-hour surcharges.
 */
export const HOUR_PROFILES = ['tlc', 'flat', 'night', 'rush'] as const;
export type HourProfile = (typeof HOUR_PROFILES)[number];

/** Share of a day's pickups per hour 0–23 (relative), shaped like TLC yellow-taxi months. */
const TLC_HOURS = [2.8, 2.0, 1.4, 1.0, 0.8, 0.9, 2.0, 3.5, 4.4, 4.5, 4.6, 4.9, 5.2, 5.3, 5.7, 5.9, 5.9, 6.6, 7.0, 6.4, 5.6, 5.3, 4.9, 3.9];

const isNight = (hour: number) => hour >= 20 || hour < 6;
const isRush = (hour: number) => hour >= 16 && hour < 20;

function hourWeights(profile: HourProfile): number[] {
  switch (profile) {
    case 'tlc':
      return TLC_HOURS;
    case 'flat':
      return TLC_HOURS.map(() => 1);
    case 'night':
      return TLC_HOURS.map((w, hour) => (isNight(hour) ? 4 * w : w));
    case 'rush':
      return TLC_HOURS.map((w, hour) => (isRush(hour) ? 4 * w : w));
  }
}

const DAY_MS = 86_400_000;

/** A clock warp for one profile: maps an evenly spread instant to one that follows the profile. */
export function pickupClock(profile: HourProfile): (ms: number) => number {
  const weights = hourWeights(profile);
  const total = weights.reduce((a, b) => a + b, 0);
  // cumulative[h] = share of the day's pickups before hour h
  const cumulative = [0];
  for (const w of weights) cumulative.push((cumulative[cumulative.length - 1] as number) + w / total);
  cumulative[24] = 1;
  return (ms) => {
    const dayStart = Math.floor(ms / DAY_MS) * DAY_MS;
    const f = (ms - dayStart) / DAY_MS;
    let hour = 0;
    while (hour < 23 && (cumulative[hour + 1] as number) <= f) hour++;
    const from = cumulative[hour] as number;
    const to = cumulative[hour + 1] as number;
    return dayStart + Math.floor(((hour + (f - from) / (to - from)) / 24) * DAY_MS);
  };
}
