import type { Ride, RideColumns } from '../../lambda/core/features';
import type { Model } from '../../lambda/core/model';

/** A Model that returns `PULocationID + trip_distance` and records every run's size. */
export class RecordingModel implements Model {
  readonly runSizes: number[] = [];
  constructor(readonly maxRowsPerRun = 8192) {}

  async run(rides: readonly Ride[]): Promise<Float64Array> {
    this.runSizes.push(rides.length);
    return Float64Array.from(rides, (r) => r.PULocationID + r.trip_distance);
  }

  async runColumns(columns: RideColumns): Promise<Float64Array> {
    this.runSizes.push(columns.PULocationID.length);
    return Float64Array.from(columns.PULocationID, (pu, i) => pu + (columns.trip_distance[i] as number));
  }
}
