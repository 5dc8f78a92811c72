/** A --reference/--current that cannot be read as any monitor source; `code` is stable. */
export class MonitorSourceError extends Error {
  readonly code = 'INVALID_MONITOR_SOURCE' as const;

  constructor(
    message: string,
    readonly source: string,
    options?: ErrorOptions,
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'MonitorSourceError';
  }
}
