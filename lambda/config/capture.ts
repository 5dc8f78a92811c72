import * as z from 'zod';
import { ENV } from '../contract';
import { parseCaptureLocation } from '../observability/capture/location';
import { envVar, optionalText, parsedText, positiveInt, readEnv } from './env';

/**
 * Prediction capture's variables (off unless CAPTURE_LOCATION is set). The limits have upper
 * bounds (issue 28): what capture holds in memory, and files the monitor can read.
 */
export const CAPTURE_ENV = {
  location: envVar(ENV.captureLocation, parsedText(parseCaptureLocation), {
    type: 'a directory, or firehose://<delivery stream>',
    doc: 'Turns prediction capture on: one JSON line per sampled prediction, to local files or a Firehose stream.',
  }),
  sampleRate: envVar(ENV.captureSampleRate, z.coerce.number().min(0).max(1).default(1), {
    type: 'number 0–1',
    doc: 'Share of predictions captured (by id, so a ride is captured on every path or none).',
  }),
  maxHeldRecords: envVar('CAPTURE_MAX_HELD_RECORDS', positiveInt(10_000, 1_000_000), {
    type: 'integer 1–1,000,000',
    doc: 'Most records held while the destination is slow or down; past it the oldest are dropped and counted.',
  }),
  maxHeldBytes: envVar('CAPTURE_MAX_HELD_BYTES', positiveInt(8 * 1024 * 1024, 256 * 1024 * 1024), {
    type: 'integer 1–268,435,456 (bytes, 256 MiB)',
    doc: 'The same bound in bytes.',
  }),
  flushIntervalMs: envVar('CAPTURE_FLUSH_INTERVAL_MS', z.coerce.number().int().min(0).max(3_600_000).default(1000), {
    type: 'integer 0–3,600,000 (ms)',
    doc: 'How often held records are sent in the background (0: only when flushed or closed); in Lambda, the longest a record waits for the send after a reply.',
  }),
  flushTimeoutMs: envVar('CAPTURE_FLUSH_TIMEOUT_MS', positiveInt(100, 60_000), {
    type: 'integer 1–60,000 (ms)',
    doc: 'Longest the work after a Lambda reply waits for a send (billed; the caller already has its reply); the rest are sent later.',
  }),
  maxBatchRecordsPerChunk: envVar('CAPTURE_BATCH_ROWS_PER_CHUNK', positiveInt(1000, 100_000), {
    type: 'integer 1–100,000',
    doc: 'Most rows captured per batch chunk (the lowest sample keys win).',
  }),
  maxFileBytes: envVar('CAPTURE_FILE_MAX_BYTES', positiveInt(64 * 1024 * 1024, 256 * 1024 * 1024), {
    type: 'integer 1–268,435,456 (bytes, 256 MiB)',
    doc: 'A capture file is closed at this size (directory capture); the cap keeps every file one the monitor reads line by line.',
  }),
  maxFileSeconds: envVar('CAPTURE_FILE_MAX_SECONDS', positiveInt(600, 86_400), {
    type: 'integer 1–86,400 (s)',
    doc: 'A capture file is closed at this age (directory capture).',
  }),
  endpointFirehose: envVar('AWS_ENDPOINT_URL_FIREHOSE', optionalText, { type: 'URL', doc: "The SDK's Firehose endpoint override (a local Firehose peer)." }),
  endpoint: envVar('AWS_ENDPOINT_URL', optionalText, { type: 'URL', doc: "The SDK's endpoint override for every service." }),
} as const;

export type CaptureSettings = ReturnType<typeof captureSettings>;

export function captureSettings(env: NodeJS.ProcessEnv) {
  const { endpointFirehose, endpoint, ...rest } = readEnv(CAPTURE_ENV, env);
  const firehoseEndpoint = endpointFirehose ?? endpoint;
  return Object.freeze({ ...rest, ...(firehoseEndpoint === undefined ? {} : { firehoseEndpoint }) });
}
