/**
 * Writes generated TLC trip rows as CSV, for the course's Python stack to read: the training
 * month our model was trained on (`models/training/train.ts`: 2021-01, 200,000 rows) and the
 * batch inputs. Same generator, same seed, same rows as ours.
 *
 *   tsx bench/peers/export-trips.ts --year 2021 --month 1 --rows 200000 --out trips.csv
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { generateTrips, type TripGeneratorOptions } from '../../lambda/local/synthetic/synthetic-trips';

/** The green-taxi column names the course's scripts read. */
export const CSV_HEADER = 'lpep_pickup_datetime,lpep_dropoff_datetime,PULocationID,DOLocationID,trip_distance\n';

/** Streams the rows to `path` as CSV (nulls as empty cells); resolves with the row count. */
export async function exportTripsCsv(options: TripGeneratorOptions, path: string): Promise<number> {
  const out = createWriteStream(path);
  out.write(CSV_HEADER);
  let lines: string[] = [];
  let count = 0;
  for (const row of generateTrips(options)) {
    lines.push(
      `${row.pickup_datetime.toISOString()},${row.dropoff_datetime.toISOString()},${row.PULocationID ?? ''},${row.DOLocationID ?? ''},${row.trip_distance ?? ''}`,
    );
    count++;
    if (lines.length === 10_000) {
      // Respect back-pressure so a 3M-row export stays within a few MB of memory.
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines = [];
    }
  }
  if (lines.length > 0) out.write(`${lines.join('\n')}\n`);
  out.end();
  await once(out, 'finish');
  return count;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      year: { type: 'string', default: '2021' },
      month: { type: 'string', default: '1' },
      rows: { type: 'string', default: '200000' },
      'null-rate': { type: 'string', default: '0' },
      out: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('--out <file.csv> is required');
  const rows = await exportTripsCsv(
    { year: Number(values.year), month: Number(values.month), rows: Number(values.rows), nullRate: Number(values['null-rate']) },
    values.out,
  );
  console.log(`${rows} rows → ${values.out}`);
}

if (require.main === module) void main();
