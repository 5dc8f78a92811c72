import type { TargetCheck } from './section';
import { fmt } from './stats';

/**
 * Target checks read from the printed output of the standalone bench scripts. When a line is
 * not found (the script's format changed) no check is made, and the report shows the output
 * without a verdict rather than a guessed one.
 */

const number = (text: string) => Number(text.replace(/,/g, ''));

/** "1000 records, written to kinesalite: 12.3 ms/event, 81,300 records/s, …" → ≥ 50,000 records/s. */
export function kinesisScriptTargets(output: string): TargetCheck[] {
  const match = /^\s*1000 records, written to kinesalite:.*?([\d,]+) records\/s/m.exec(output);
  if (!match) return [];
  const rate = number(match[1] as string);
  // The same events under TEST_RUN (no PutRecords): what the handler itself sustains, the bound's other side.
  const alone = /^\s*1000 records, TEST_RUN, no writes\s*:.*?([\d,]+) records\/s/m.exec(output);
  const aloneRate = alone ? number(alone[1] as string) : undefined;
  const note =
    rate < 50_000 && aloneRate !== undefined
      ? `bounded by the loopback Kinesis peer: the same events without the PutRecords calls (TEST_RUN) run at ${fmt(aloneRate)} records/s, so writing to kinesalite (a JavaScript emulator on the same 2 cores) is ${fmt(100 * (1 - rate / aloneRate))} % of the time; Kinesis itself takes 500 records per PutRecords call and 1,000 records/s per shard`
      : undefined;
  return [
    {
      name: 'Kinesis handler, 1,000-record events, output on loopback',
      target: '≥ 50,000 records/s',
      measured: `${fmt(rate)} records/s`,
      met: rate >= 50_000,
      ...(note ? { note } : {}),
    },
  ];
}

/**
 * Rows of bench/batch.ts's table, `| runner | rows | seconds | rows/s | peak RSS (MB) |`:
 * ours on parquet vs pandas, per size → ≥ 5× rows/s at no more peak RSS.
 */
export function batchScriptTargets(output: string): TargetCheck[] {
  const rows = [...output.matchAll(/^\|\s*([^|]+?)\s*\|\s*([\d,]+)\s*\|\s*[\d.]+\s*\|\s*([\d,]+)\s*\|\s*([\d.,]+)\s*\|/gm)].map((m) => ({
    runner: m[1] as string,
    rows: number(m[2] as string),
    rate: number(m[3] as string),
    rss: number(m[4] as string),
  }));
  const checks: TargetCheck[] = [];
  for (const size of [...new Set(rows.map((r) => r.rows))]) {
    const ours = rows.find((r) => r.rows === size && /parquet/.test(r.runner) && !/pandas/.test(r.runner));
    const pandas = rows.find((r) => r.rows === size && /pandas/.test(r.runner));
    if (!ours || !pandas) continue;
    const ratio = ours.rate / pandas.rate;
    checks.push({
      name: `batch, ${fmt(size)} rows: rows/s vs pandas, at no more peak RSS`,
      target: '≥ 5×, RSS ≤ pandas',
      measured: `${fmt(ratio)}× (${fmt(ours.rate)} vs ${fmt(pandas.rate)} rows/s), RSS ${fmt(ours.rss)} vs ${fmt(pandas.rss)} MB`,
      met: ratio >= 5 && ours.rss <= pandas.rss,
    });
  }
  return checks;
}
