import type { InputBatch } from '../../lambda/model/input-batch';
import type { ModelInput } from '../../lambda/model/model-input';
import type { ModelOutput, ModelRunner } from '../../lambda/model/model';

/** A runner over [PULocationID, trip_distance] returning `PULocationID + trip_distance`; records every run's size. */
export class RecordingRunner implements ModelRunner {
  readonly format = 'test';
  readonly outputs: readonly ModelOutput[] = [{ name: 'variable', type: 'float64', shape: [null] }];
  readonly runSizes: number[] = [];
  readonly inputs: readonly ModelInput[] = [
    { name: 'PULocationID', type: 'int64', rank: 2 },
    { name: 'trip_distance', type: 'float64', rank: 2 },
  ];
  constructor(readonly maxRowsPerRun = 8192) {}

  async run(segments: readonly InputBatch[]): Promise<Float64Array> {
    const out: number[] = [];
    for (const s of segments) for (let i = 0; i < s.length; i++) out.push(Number(s.columns.PULocationID?.[i]) + Number(s.columns.trip_distance?.[i]));
    this.runSizes.push(out.length);
    return Float64Array.from(out);
  }
}
