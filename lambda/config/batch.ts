import * as z from 'zod';
import { ENV, TAXI_TYPES } from '../contract';
import { envVar, optionalText, positiveInt, readEnv } from './env';

/** BATCH_CHUNK_ROWS' ceiling: a chunk's columns, filter and output arrays are ~200 bytes a row. */
export const MAX_CHUNK_ROWS = 4_194_304;

/** Local defaults: the course's layout under ./data and ./output. */
export const DEFAULT_BATCH_INPUT_TEMPLATE = 'data/{taxi_type}_tripdata_{year}-{month}.parquet';
export const DEFAULT_BATCH_OUTPUT_TEMPLATE = 'output/taxi_type={taxi_type}/year={year}/month={month}/{run_id}.parquet';

/** The batch job's variables. Upper bounds: each is memory allocated at once (a chunk's columns, a line, a decoded page). */
export const BATCH_ENV = {
  inputTemplate: envVar(
    ENV.batchInputTemplate,
    optionalText.transform((v) => v ?? DEFAULT_BATCH_INPUT_TEMPLATE),
    {
      type: 'path or s3:// URI with {taxi_type} {year} {month}',
      doc: 'Where a job given a month reads its trip file.',
    },
  ),
  outputTemplate: envVar(
    ENV.batchOutputTemplate,
    optionalText.transform((v) => v ?? DEFAULT_BATCH_OUTPUT_TEMPLATE),
    {
      type: 'path or s3:// URI with {taxi_type} {year} {month} {run_id}',
      doc: 'Where it writes the predictions; {run_id} defaults to the model version.',
    },
  ),
  scheduledTaxiType: envVar(ENV.batchTaxiType, z.enum(TAXI_TYPES).default('green'), { type: TAXI_TYPES.join(' or '), doc: 'What a scheduled run scores.' }),
  chunkRows: envVar('BATCH_CHUNK_ROWS', positiveInt(131_072, MAX_CHUNK_ROWS), {
    type: `integer 1–${MAX_CHUNK_ROWS.toLocaleString('en-US')}`,
    doc: 'Rows per chunk, i.e. per model run; bounds memory.',
  }),
  maxLineChars: envVar('BATCH_MAX_LINE_CHARS', positiveInt(65_536, 16 * 1024 * 1024), {
    type: 'integer 1–16,777,216',
    doc: 'Longest CSV line read (a TLC line is ~200 characters); a longer one fails the run.',
  }),
  maxPageValues: envVar('BATCH_MAX_PAGE_VALUES', positiveInt(1_048_576, 16 * 1024 * 1024), {
    type: 'integer 1–16,777,216',
    doc: 'Most values one parquet page may decode to; a larger page fails the run.',
  }),
} as const;

export type BatchSettings = ReturnType<typeof batchSettings>;

export function batchSettings(env: NodeJS.ProcessEnv) {
  return Object.freeze(readEnv(BATCH_ENV, env));
}
