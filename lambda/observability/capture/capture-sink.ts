/**
 * Where capture lines go: a directory of JSON-lines files or a Firehose delivery stream.
 * `send` delivers what it can and resolves to the positions (in `lines`) of the lines it could not
 * deliver, to be tried again; it may also reject, which means none was delivered.
 */
export interface CaptureSink {
  /** for logs: the directory or `firehose://<stream>` */
  readonly description: string;
  /** lines longer than this can never be sent (Firehose: 1,000 KiB); they are dropped and counted */
  readonly maxLineBytes?: number;
  /** `lines` each end in a newline */
  send(lines: readonly string[]): Promise<readonly number[]>;
  /** releases files and sockets; nothing is sent after */
  close(): Promise<void>;
}
