/** Which path made the prediction. */
export type CaptureSource = 'http' | 'stream' | 'batch';

/** One model's answer for one row, with the version that gave it. */
export interface CapturedOutput {
  readonly output: number;
  readonly version: string;
}

/**
 * One prediction as captured: one JSON line in a capture file (locally) or in the data bucket's
 * `capture/` prefix (AWS). Field names are snake_case like the rest of the wire formats.
 */
export interface CaptureRecord {
  /** when the prediction was made, ISO 8601 UTC */
  readonly time: string;
  readonly source: CaptureSource;
  /** the HTTP request id, the stream's ride id, or the batch row's ride id (`YYYY/MM_<row>`) */
  readonly id: string;
  /** position within the request when one request held several rides */
  readonly index?: number;
  /**
   * The ride's own id when the client sent one with an HTTP ride (issue 25's second round); the
   * monitor joins ground truth by it, else by `id` for stream and batch records (their `id` is
   * the ride id). Kept as sent: a string or an integer, like the stream's `ride_id`.
   */
  readonly ride_id?: string | number;
  /** the W3C trace id of the request or invocation that made the prediction (issue 25's second round) */
  readonly trace_id?: string;
  /** the request fields the models were given, by name */
  readonly inputs: Readonly<Record<string, number | string>>;
  /** each model that answered, by model name */
  readonly outputs: Readonly<Record<string, CapturedOutput>>;
  /** shadow models' answers for the same row, where shadows run (never part of the reply) */
  readonly shadows?: Readonly<Record<string, CapturedOutput>>;
  /** known truth for the row (batch files carry it), by model name, e.g. `{"duration": 14.2}` */
  readonly actuals?: Readonly<Record<string, number>>;
}

/**
 * The record as one JSON line (with its newline). Non-finite numbers cannot be JSON; they are
 * written as null so one bad output never makes a whole line unreadable.
 *
 * @example toCaptureLine({ time, source: 'http', id: 'r1', inputs: {}, outputs: {} }) // '{"time":...}\n'
 */
export function toCaptureLine(record: CaptureRecord): string {
  return `${JSON.stringify(record)}\n`;
}
