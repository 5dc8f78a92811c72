import { UnsupportedModelError } from '../serving/errors';
import type { InputBatch, InputColumn } from '../model/input-batch';
import type { Preprocessing } from '../model/model';
import type { ModelInput, RequestField } from '../model/model-input';

/**
 * The course's ride features as a preprocessing step before any model runs. A model input named
 * `PU_DO` (string) is `"<PULocationID>_<DOLocationID>"`, built from two zone-id fields, so
 * clients keep sending the zones; a batch that already carries a PU_DO column (a client that
 * sends the feature itself) is fed as it is. `trip_distance` is miles, never negative, whatever
 * model reads it: a model deployed without its sidecar still refuses `trip_distance: -1`.
 */
export const PU_DO = 'PU_DO';
export const ZONE_FIELDS = ['PULocationID', 'DOLocationID'] as const;
const ZONE_FIELD: Omit<RequestField, 'name'> = { kind: 'integer', min: 1, max: 2 ** 31 - 1, description: 'TLC taxi zone id' };
const FIELD_RULES: Readonly<Record<string, Partial<Pick<RequestField, 'min' | 'unit'>>>> = { trip_distance: { min: 0, unit: 'miles' } };

/** A ride as the course's clients send it: zones are TLC zone ids (integers ≥ 1), distance in miles. */
export type Ride = {
  PULocationID: number;
  DOLocationID: number;
  trip_distance: number;
};

/** The course's engineered feature: pickup and drop-off zone joined, `"<PU>_<DO>"`. */
export function puDo(ride: Pick<Ride, 'PULocationID' | 'DOLocationID'>): string {
  return `${ride.PULocationID}_${ride.DOLocationID}`;
}

/** The course's preprocessing (see the module's comment). */
export const RIDE_FEATURES: Preprocessing = Object.freeze({
  fieldsFor(input: ModelInput): RequestField[] | undefined {
    if (input.name !== PU_DO) return undefined;
    if (input.type !== 'string' || input.columns)
      throw new UnsupportedModelError(
        `model input 'PU_DO' must be a string tensor of one column, not ${input.type}${input.columns ? ` [N,${input.columns.length}]` : ''}`,
      );
    return ZONE_FIELDS.map((name) => ({ name, ...ZONE_FIELD }));
  },
  rulesFor: (field: string) => FIELD_RULES[field] ?? {},
  apply(batch: InputBatch, inputs: readonly ModelInput[]): InputBatch {
    if (batch.columns[PU_DO] !== undefined || !inputs.some((input) => input.name === PU_DO)) return batch;
    const pu = batch.columns[ZONE_FIELDS[0]] as InputColumn;
    const dropoff = batch.columns[ZONE_FIELDS[1]] as InputColumn;
    const pairs = new Array<string>(batch.length);
    for (let i = 0; i < batch.length; i++) pairs[i] = `${pu[i]}_${dropoff[i]}`;
    return { length: batch.length, columns: { ...batch.columns, [PU_DO]: pairs } };
  },
});
