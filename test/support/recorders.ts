import type { KinesisDeps } from '../../lambda/protocols/kinesis/stream-handler';

export interface LogEntry {
  level: 'info' | 'warn' | 'error';
  message: string;
  extra: Record<string, unknown>;
}

/** A logger that keeps what it is told, so tests can read the summary line. */
export function recordingLogger(): KinesisDeps['logger'] & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: unknown, ...extra: unknown[]) => {
      entries.push({ level, message: String(message), extra: (extra[0] ?? {}) as Record<string, unknown> });
    };
  return { entries, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface MetricEntry {
  name: string;
  unit: string;
  value: number;
}

/** Keeps metrics per publish, in the order Powertools' Metrics would emit them. */
export function recordingMetrics(): KinesisDeps['metrics'] & { published: MetricEntry[][] } {
  const published: MetricEntry[][] = [];
  let pending: MetricEntry[] = [];
  return {
    published,
    addMetric(name: string, unit: string, value: number) {
      pending.push({ name, unit, value });
    },
    publishStoredMetrics() {
      published.push(pending);
      pending = [];
    },
  } as KinesisDeps['metrics'] & { published: MetricEntry[][] };
}
