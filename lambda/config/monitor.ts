import { ENV } from '../contract';
import { parseLocation, type Location } from '../storage/location';
import { ConfigError, envVar, parsedText, positiveInt, readEnv } from './env';

const location = (what: string, options: { emptyKey?: boolean }) => parsedText((text) => parseLocation(text, { what, absolutePath: true, ...options }));

/** The scheduled monitor's variables (the stack sets them on the monitor function only). */
export const MONITOR_ENV = {
  captureLocation: envVar(ENV.monitorCaptureLocation, location(ENV.monitorCaptureLocation, { emptyKey: true }), {
    type: 's3://bucket/prefix/ or a capture directory',
    doc: 'Turns the monitor on: where the capture it reads lands.',
  }),
  referenceLocations: envVar(
    ENV.monitorReferenceLocation,
    parsedText((text) =>
      text
        .split(',')
        .filter((part) => part.trim() !== '')
        .map((part) => parseLocation(part.trim(), { what: ENV.monitorReferenceLocation, absolutePath: true })),
    ),
    {
      type: 's3:// objects or paths, comma-separated',
      doc: "The training data's reference profiles, one per model, merged (needed with MONITOR_CAPTURE_LOCATION).",
    },
  ),
  actualsLocation: envVar(ENV.monitorActualsLocation, location(ENV.monitorActualsLocation, { emptyKey: true }), {
    type: 's3://bucket/prefix/ or a directory',
    doc: 'Where ground truth arrives (`dt=YYYY-MM-DD/` partitions of files with ride_id and actual_<model>); unset: no quality figures.',
  }),
  outputLocation: envVar(ENV.monitorOutputLocation, location(ENV.monitorOutputLocation, { emptyKey: true }), {
    type: 's3://bucket/prefix/ or a directory',
    doc: 'Where each run writes <date>/summary.json and report.html (needed with MONITOR_CAPTURE_LOCATION).',
  }),
  periodDays: envVar(ENV.monitorPeriodDays, positiveInt(7), { type: 'integer ≥ 1 (days)', doc: 'How far back a run reads.' }),
  maxRecords: envVar('MONITOR_MAX_RECORDS', positiveInt(500_000), { type: 'integer ≥ 1', doc: 'Most capture records one run reads.' }),
} as const;

/** The monitor's settings, or undefined when MONITOR_CAPTURE_LOCATION is unset. */
export interface MonitorSettings {
  readonly captureLocation: Location;
  /** one reference profile per model, merged */
  readonly referenceLocations: readonly Location[];
  /** unset: no ground truth */
  readonly actualsLocation?: Location;
  readonly outputLocation: Location;
  readonly periodDays: number;
  readonly maxRecords: number;
}

export function monitorSettings(env: NodeJS.ProcessEnv): MonitorSettings | undefined {
  const { captureLocation, referenceLocations, actualsLocation, outputLocation, ...rest } = readEnv(MONITOR_ENV, env);
  if (captureLocation === undefined) return undefined;
  if (referenceLocations === undefined || referenceLocations.length === 0 || outputLocation === undefined) {
    throw new ConfigError(
      outputLocation === undefined ? 'MONITOR_OUTPUT_LOCATION' : 'MONITOR_REFERENCE_LOCATION',
      'MONITOR_REFERENCE_LOCATION and MONITOR_OUTPUT_LOCATION must be set with MONITOR_CAPTURE_LOCATION',
    );
  }
  return Object.freeze({ captureLocation, referenceLocations, ...(actualsLocation === undefined ? {} : { actualsLocation }), outputLocation, ...rest });
}
