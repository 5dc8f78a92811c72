import { ENV } from '../contract';
import { parseLocation, type Location } from '../storage/location';
import { ConfigError, envVar, parsedText, positiveInt, readEnv } from './env';

const location = (what: string, options: { emptyKey?: boolean }) => parsedText((text) => parseLocation(text, { what, absolutePath: true, ...options }));

/** The scheduled monitor's variables (the stack sets them on the monitor function only). */
export const MONITOR_ENV = {
  captureLocation: envVar(ENV.monitorCaptureLocation, location(ENV.monitorCaptureLocation, { emptyKey: true }), { type: 's3://bucket/prefix/ or a capture directory', doc: 'Turns the monitor on: where the capture it reads lands.' }),
  referenceLocation: envVar(ENV.monitorReferenceLocation, location(ENV.monitorReferenceLocation, {}), { type: 's3:// object or a path', doc: "The training data's reference profile (needed with MONITOR_CAPTURE_LOCATION)." }),
  outputLocation: envVar(ENV.monitorOutputLocation, location(ENV.monitorOutputLocation, { emptyKey: true }), { type: 's3://bucket/prefix/ or a directory', doc: 'Where each run writes <date>/summary.json and report.html (needed with MONITOR_CAPTURE_LOCATION).' }),
  periodDays: envVar(ENV.monitorPeriodDays, positiveInt(7), { type: 'integer ≥ 1 (days)', doc: 'How far back a run reads.' }),
  maxRecords: envVar('MONITOR_MAX_RECORDS', positiveInt(500_000), { type: 'integer ≥ 1', doc: 'Most capture records one run reads.' }),
} as const;

/** The monitor's settings, or undefined when MONITOR_CAPTURE_LOCATION is unset. */
export interface MonitorSettings {
  readonly captureLocation: Location;
  readonly referenceLocation: Location;
  readonly outputLocation: Location;
  readonly periodDays: number;
  readonly maxRecords: number;
}

export function monitorSettings(env: NodeJS.ProcessEnv): MonitorSettings | undefined {
  const { captureLocation, referenceLocation, outputLocation, ...rest } = readEnv(MONITOR_ENV, env);
  if (captureLocation === undefined) return undefined;
  if (referenceLocation === undefined || outputLocation === undefined) {
    throw new ConfigError(referenceLocation === undefined ? 'MONITOR_REFERENCE_LOCATION' : 'MONITOR_OUTPUT_LOCATION', 'MONITOR_REFERENCE_LOCATION and MONITOR_OUTPUT_LOCATION must be set with MONITOR_CAPTURE_LOCATION');
  }
  return Object.freeze({ captureLocation, referenceLocation, outputLocation, ...rest });
}

