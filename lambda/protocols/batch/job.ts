import * as z from 'zod';
import { BatchJobError } from './errors';
import { formatOf, type TripFileFormat } from './locations';
import { type Location, baseName, describeLocation, parseLocation } from '../../storage/location';
import { TAXI_TYPES, type TaxiType } from './trip-files/trip-chunk';

/** One scoring run: which file, where to, and the names that go into the output. */
export interface BatchJob {
  readonly input: Location;
  readonly output: Location;
  readonly inputFormat: TripFileFormat;
  readonly outputFormat: TripFileFormat;
  /** checked against the file's columns; told by them when absent */
  readonly taxiType?: TaxiType;
  /** the month the file covers, for ride ids `YYYY/MM_<row>` */
  readonly year: number;
  readonly month: number;
  readonly runId: string;
}

/** URI templates with `{taxi_type}`, `{year}`, `{month}` (two digits) and `{run_id}` placeholders. */
export interface BatchTemplates {
  readonly input: string;
  readonly output: string;
}

// run_id goes into output paths through the templates: a safe name, never `.`/`..` or a separator.
const RunId = z
  .string()
  .regex(/^[A-Za-z0-9._=-]{1,128}$/, 'run_id may hold letters, digits and . _ = - (at most 128)')
  .refine((id) => !id.includes('..') && id !== '.', 'run_id must not be . or contain ..');
const Year = z.number().int().min(2009).max(2100);
const Month = z.number().int().min(1).max(12);

/** `{"taxi_type": "green", "year": 2021, "month": 2}`: the templates give input and output. */
const MonthRequest = z.strictObject({ taxi_type: z.enum(TAXI_TYPES), year: Year, month: Month, run_id: RunId.optional() });

/** Explicit URIs; the month (for ride ids) comes from the event or the input's name. */
const LocationRequest = z.strictObject({
  input: z.string().min(1),
  output: z.string().min(1),
  taxi_type: z.enum(TAXI_TYPES).optional(),
  year: Year.optional(),
  month: Month.optional(),
  run_id: RunId.optional(),
});

/** EventBridge's scheduled event: score the month before `time`. */
const ScheduledEvent = z.object({ 'detail-type': z.literal('Scheduled Event'), source: z.literal('aws.events'), time: z.iso.datetime() });

export type BatchRequest = z.infer<typeof MonthRequest> | z.infer<typeof LocationRequest> | z.infer<typeof ScheduledEvent>;

export function parseBatchRequest(event: unknown): BatchRequest {
  const e = event as Record<string, unknown>;
  const schema = e['detail-type'] === 'Scheduled Event' ? ScheduledEvent : 'input' in e ? LocationRequest : MonthRequest;
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new BatchJobError(`invalid batch request: ${issue?.path.join('.') || 'event'}: ${issue?.message}`);
}

export interface JobDefaults {
  templates: BatchTemplates;
  /** the taxi type a scheduled run scores */
  scheduledTaxiType: TaxiType;
  /** used when the request names no run_id: the model version, as the course's RUN_ID */
  runId: string;
}

/** Turns a request into a job: fills the templates, picks the month, checks the locations. */
export function resolveBatchJob(request: BatchRequest, defaults: JobDefaults): BatchJob {
  if ('detail-type' in request) {
    const { year, month } = checkMonth(previousMonth(new Date(request.time)), `the scheduled event's time ${request.time}`);
    return monthJob({ taxi_type: defaults.scheduledTaxiType, year, month }, defaults);
  }
  if ('input' in request) return locationJob(request, defaults);
  return monthJob(request, defaults);
}

function monthJob(request: { taxi_type: TaxiType; year: number; month: number; run_id?: string }, defaults: JobDefaults): BatchJob {
  const values = { taxi_type: request.taxi_type, year: String(request.year), month: pad2(request.month), run_id: request.run_id ?? defaults.runId };
  return buildJob({
    input: fillTemplate(defaults.templates.input, values),
    output: fillTemplate(defaults.templates.output, values),
    taxiType: request.taxi_type,
    year: request.year,
    month: request.month,
    runId: values.run_id,
  });
}

function locationJob(request: z.infer<typeof LocationRequest>, defaults: JobDefaults): BatchJob {
  const runId = request.run_id ?? defaults.runId;
  const input = request.input;
  const named = monthInName(input);
  const fromName = named && checkMonth(named, `the month in the name ${input}`);
  const year = request.year ?? fromName?.year;
  const month = request.month ?? fromName?.month;
  if (year === undefined || month === undefined) {
    throw new BatchJobError(
      `cannot tell which month ${input} covers (ride ids are YYYY/MM_<row>): give year and month, or name the file like green_tripdata_2021-02.parquet`,
    );
  }
  return buildJob({ input, output: request.output, taxiType: request.taxi_type, year, month, runId });
}

function buildJob(spec: { input: string; output: string; taxiType?: TaxiType; year: number; month: number; runId: string }): BatchJob {
  const input = parseJobLocation(spec.input, 'input');
  const output = parseJobLocation(spec.output, 'output');
  if (describeLocation(input) === describeLocation(output)) throw new BatchJobError(`input and output are the same location (${spec.input})`);
  // S3 would store a key ending in '/' as a "folder" object; locally that is a directory.
  if (output.kind === 's3' && output.key.endsWith('/')) throw new BatchJobError(`output ${spec.output} names a folder (the key ends in /), not an object`);
  if (output.kind === 'file' && /[/\\]$/.test(output.path)) throw new BatchJobError(`output ${spec.output} names a directory (it ends in /), not a file`);
  return { ...spec, input, output, inputFormat: formatOf(input), outputFormat: formatOf(output) };
}

function parseJobLocation(text: string, what: string): Location {
  try {
    return parseLocation(text, { what });
  } catch (error) {
    throw new BatchJobError(`${what}: ${(error as Error).message}`);
  }
}

/** Replaces `{name}` placeholders; an unknown placeholder is an error, not left in a key. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new BatchJobError(`template ${template} has an unknown placeholder {${name}}`);
    return value;
  });
}

/** The same range `--month` and the month events are held to: 2009 (TLC's first files) to 2100. */
function checkMonth(value: { year: number; month: number }, what: string): { year: number; month: number } {
  const parsed = z.object({ year: Year, month: Month }).safeParse(value);
  if (parsed.success) return parsed.data;
  throw new BatchJobError(`${what} gives ${String(value.year).padStart(4, '0')}-${pad2(value.month)}, outside 2009-01 … 2100-12`);
}

/** The calendar month before the one `time` falls in (UTC): a run on 2021-03-02 scores 2021-02. */
export function previousMonth(time: Date): { year: number; month: number } {
  const year = time.getUTCFullYear();
  const month = time.getUTCMonth(); // 0-based: this is already last month's 1-based number
  return month === 0 ? { year: year - 1, month: 12 } : { year, month };
}

/** `…_2021-02.parquet` → 2021, 2 (the TLC naming); undefined when the name has no month. */
export function monthInName(uri: string): { year: number; month: number } | undefined {
  const match = /(\d{4})-(\d{2})(?!.*\d{4}-\d{2})/.exec(baseName(parseJobLocation(uri, 'input')));
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? { year, month } : undefined;
}

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
