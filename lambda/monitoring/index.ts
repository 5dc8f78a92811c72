/**
 * Drift and quality monitoring (issue 12 reports): profiles, Evidently's default drift tests,
 * quality per period and the HTML report. No AWS imports: callers read files or S3 and hand in
 * observations or profiles.
 */
export { buildProfile, ProfileBuilder, type ProfileOptions } from './build-profile';
export { observationsFromCapture } from './capture-observations';
export { columnDrift, selectDriftMethod, DRIFT_METHODS, type ColumnDrift, type DriftMethod } from './column-drift';
export { datasetDrift, DATASET_DRIFT_SHARE, type DatasetDrift } from './dataset-drift';
export type { MonitorSummary, MissingShares } from './monitor-summary';
export type { ObservationChunk, ObservationColumn, Observations } from './observations';
export { ReferenceProfileSchema, parseReferenceProfile, type ReferenceProfile, type ColumnProfile } from './profile-schema';
export {
  modelQuality,
  figuresByDayAndVersion,
  trainingRmse,
  UNKNOWN_VERSION,
  type ModelQuality,
  type QualityFigures,
  type UnmatchedCounts,
  type VersionQuality,
} from './quality';
export {
  ActualsJoin,
  ActualsTableBuilder,
  joinActuals,
  joinedStream,
  rideOfRecord,
  modelOfColumn,
  RIDE_ID_COLUMN,
  ACTUAL_PREFIX,
  MAX_ACTUAL_RIDES,
  type ActualsTable,
  type GroundTruthCounts,
  type JoinedCapture,
} from './ground-truth';
export { mergeProfiles } from './merge-profiles';
export { runMonitor, runMonitorOnCapture, type MonitorInput, type MonitorOutcome, type MonitorSide } from './run-monitor';
