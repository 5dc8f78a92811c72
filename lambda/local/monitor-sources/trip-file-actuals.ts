import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { classifyTrip } from '../../rides/trips';
import { monthInName, pad2 } from '../../protocols/batch/job';
import { formatOf } from '../../protocols/batch/locations';
import { parseLocation } from '../../storage/location';
import { DEFAULT_READ_LIMITS, openTripReader } from '../../protocols/batch/trip-files/open-trips';
import { tripAt } from '../../protocols/batch/trip-files/trip-chunk';
import { rideIdOf } from '../../protocols/batch/ride-ids';
import { actualsFormatOf } from '../../protocols/monitor/actuals-source';
import { MonitorUsageError } from './monitor-usage-error';

/** The trip-file column the cost model predicts (its sidecar's `target`). */
const TOTAL_AMOUNT = 'total_amount';

/**
 * `npm run monitor -- actuals <trip file> <out>`: the ground truth of a month's rides as a
 * ride-completion feed would deliver it — `ride_id` (`YYYY/MM_<row>`, the ids `npm run batch`
 * gives the same rows), `actual_duration` (minutes) and `actual_cost` (`total_amount`, when the file
 * has it) for each ride the 1–60 minute filter keeps. Written as CSV or JSON lines.
 */
export async function writeActualsFile(tripPath: string, outPath: string, month?: string): Promise<{ rows: number; columns: string[]; prefix: string }> {
  const format = actualsFormatOf(outPath);
  if (format === 'parquet') throw new MonitorUsageError(`actuals are written as CSV (.csv) or JSON lines (.jsonl); ${outPath} is neither`);
  const covered = month !== undefined ? parseMonth(month) : monthInName(tripPath);
  if (!covered) throw new MonitorUsageError(`${tripPath} names no month (YYYY-MM); give --month YYYY-MM for its ride ids`);
  const prefix = `${covered.year}/${pad2(covered.month)}_`;
  const location = parseLocation(tripPath, { what: 'the file' });
  const reader = await openTripReader(location, formatOf(location), { chunkRows: 131_072, ...DEFAULT_READ_LIMITS });
  const withCost = reader.columns.includes(TOTAL_AMOUNT);
  const columns = ['ride_id', 'actual_duration', ...(withCost ? ['actual_cost'] : [])];
  const out = createWriteStream(outPath);
  let rows = 0;
  try {
    if (format === 'csv') await write(out, `${columns.join(',')}\n`);
    for await (const chunk of reader.chunks(withCost ? [TOTAL_AMOUNT] : [])) {
      const lines: string[] = [];
      for (let i = 0; i < chunk.length; i++) {
        const trip = classifyTrip(tripAt(chunk, i));
        if (trip.kind !== 'kept') continue;
        const rideId = rideIdOf(prefix, chunk.firstRow + i);
        const cost = chunk.extra?.[TOTAL_AMOUNT]?.[i];
        const values = [trip.duration, ...(withCost ? [cost !== undefined && Number.isFinite(cost) ? cost : null] : [])];
        lines.push(
          format === 'csv'
            ? `${rideId},${values.map((v) => (v === null ? '' : String(v))).join(',')}\n`
            : `${JSON.stringify(Object.fromEntries([['ride_id', rideId], ...columns.slice(1).map((c, k) => [c, values[k]])]))}\n`,
        );
        rows++;
      }
      await write(out, lines.join(''));
    }
  } finally {
    await reader.close();
    out.end();
    await once(out, 'close');
  }
  return { rows, columns, prefix };
}

function parseMonth(text: string): { year: number; month: number } | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  const month = Number(match?.[2]);
  return match && month >= 1 && month <= 12 ? { year: Number(match[1]), month } : undefined;
}

async function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}
