import { resolve } from 'node:path';
import type { FileLocation } from '../../storage/location';

/** CAPTURE_LOCATION: a local directory, or a Firehose delivery stream (`firehose://<name>`). */
export type CaptureLocation = FileLocation | { kind: 'firehose'; streamName: string };

// Firehose's own rule for delivery stream names.
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;

/**
 * Parses CAPTURE_LOCATION; throws naming the variable when a firehose:// name is not valid.
 *
 * @example parseCaptureLocation('firehose://ride-capture') // { kind: 'firehose', streamName: 'ride-capture' }
 */
export function parseCaptureLocation(text: string): CaptureLocation {
  if (text.startsWith('firehose://')) {
    const streamName = text.slice('firehose://'.length);
    if (!STREAM_NAME.test(streamName)) throw new Error(`CAPTURE_LOCATION '${text}' must be firehose://<delivery stream name> (1–64 of a-z A-Z 0-9 _ . -)`);
    return { kind: 'firehose', streamName };
  }
  return { kind: 'file', path: resolve(text) };
}

export function describeCaptureLocation(location: CaptureLocation): string {
  return location.kind === 'firehose' ? `firehose://${location.streamName}` : location.path;
}
