/** A usage mistake on the monitor's command line; `code` is stable. */
export class MonitorUsageError extends Error {
  readonly code = 'INVALID_MONITOR_ARGS' as const;
  override readonly name = 'MonitorUsageError';
}
