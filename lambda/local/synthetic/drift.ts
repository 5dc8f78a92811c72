import * as z from 'zod';
import { HOUR_PROFILES, type HourProfile } from './pickup-hours';

/**
 * The generator's drift knob: how a generated month departs from the usual city, so
 * monitoring can be tested on months that moved in a known way. The default is no drift.
 */
export interface TripDrift {
  /** multiplies every trip's distance (and so its duration and fare); 1 = as usual */
  distance: number;
  /** share of each zone's popularity moved to the zone half the numbering away; 0 = as usual */
  zones: number;
  /** the pickup-hour profile; `tlc` = as usual */
  hours: HourProfile;
}

export const NO_DRIFT: Readonly<TripDrift> = Object.freeze({ distance: 1, zones: 0, hours: 'tlc' });

const DriftSchema = z
  .object({
    distance: z.coerce.number().finite().positive().max(100),
    zones: z.coerce.number().min(0).max(1),
    hours: z.enum(HOUR_PROFILES),
  })
  .strict()
  .partial();

/** A drift spec that is not `key=value,...` with known keys and values in range. */
export class DriftSpecError extends Error {
  readonly code = 'INVALID_DRIFT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'DriftSpecError';
  }
}

/**
 * Parses `distance=1.3,zones=0.5,hours=night` (any subset; unnamed knobs keep their default).
 *
 * @example
 * parseDrift('distance=1.3,hours=night'); // { distance: 1.3, zones: 0, hours: 'night' }
 */
export function parseDrift(text: string): TripDrift {
  const pairs: Record<string, string> = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const match = /^\s*([a-z]+)\s*=\s*(\S+)\s*$/.exec(part);
    if (!match) throw new DriftSpecError(`--drift takes key=value pairs separated by commas (distance, zones, hours), got '${part}'`);
    pairs[match[1] as string] = match[2] as string;
  }
  const parsed = DriftSchema.safeParse(pairs);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0] ?? (issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined);
    throw new DriftSpecError(
      `--drift ${key === undefined ? '' : `${String(key)}: `}${issue?.message ?? 'invalid'} ` +
        `(distance > 0, zones in [0, 1], hours one of ${HOUR_PROFILES.join(', ')})`,
    );
  }
  return { ...NO_DRIFT, ...parsed.data };
}
