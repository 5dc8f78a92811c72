import type { Location } from '../../storage/location';

/** The scheduled monitor's settings (Config.monitor), from MONITOR_* variables. */
export interface MonitorSettings {
  /** MONITOR_CAPTURE_LOCATION: s3://bucket/capture/ or a capture directory */
  readonly captureLocation: Location;
  /** MONITOR_REFERENCE_LOCATION: the training data's reference profile */
  readonly referenceLocation: Location;
  /** MONITOR_OUTPUT_LOCATION: s3://bucket/monitoring/ or a directory */
  readonly outputLocation: Location;
  /** MONITOR_PERIOD_DAYS: how far back a run reads */
  readonly periodDays: number;
  /** MONITOR_MAX_RECORDS: most capture records one run reads */
  readonly maxRecords: number;
}
