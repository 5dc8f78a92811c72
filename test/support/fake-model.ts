import type { Ride } from '../../lambda/core/features';
import type { Model } from '../../lambda/core/model';

/** A Model that returns `PULocationID + trip_distance` and records every run's size. */
export class RecordingModel implements Model {
  readonly runSizes: number[] = [];
  constructor(readonly maxRowsPerRun = 8192) {}

  async run(rides: readonly Ride[]): Promise<Float64Array> {
    this.runSizes.push(rides.length);
    return Float64Array.from(rides, (r) => r.PULocationID + r.trip_distance);
  }
}
