import * as z from 'zod';

/**
 * One ride as the course's clients send it. The service's request schema comes from the loaded
 * models (lambda/model/request-schema.ts); this is the course's shape for the training script,
 * trip records and benchmarks. Zones are TLC zone ids (integers ≥ 1), distance in miles.
 */
export const RideSchema = z.object({
  PULocationID: z.number().int().min(1),
  DOLocationID: z.number().int().min(1),
  trip_distance: z.number().finite().min(0),
});

export type Ride = z.infer<typeof RideSchema>;

/** The course's engineered feature: pickup and drop-off zone joined, `"<PU>_<DO>"` (the PU_DO model input). */
export function puDo(ride: Pick<Ride, 'PULocationID' | 'DOLocationID'>): string {
  return `${ride.PULocationID}_${ride.DOLocationID}`;
}
