import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActualsFileError, actualsFormatOf, readActualsFile, readActualsFromS3 } from '../../../../lambda/protocols/monitor/actuals-source';
import { loadParquetWriter } from '../../../../lambda/protocols/batch/trip-files/parquet-modules';
import { scratchDirectory } from '../../../support/trip-fixtures';
import { startS3Server, type LocalS3 } from '../../../support/s3-server';

const dir = scratchDirectory();
afterAll(() => dir.remove());
const file = (name: string, text: string) => {
  const path = join(dir.path, name);
  writeFileSync(path, text);
  return { kind: 'file' as const, path };
};

/** An actuals parquet file as a warehouse export writes it: INT64 ride ids, a nullable DOUBLE actual. */
async function writeParquet(path: string, rides: bigint[], durations: (number | null)[]): Promise<void> {
  const { ParquetWriter, fileWriter } = await loadParquetWriter();
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'ride_id', type: 'INT64', repetition_type: 'REQUIRED' },
      { name: 'actual_duration', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ],
  });
  await writer.write({
    columnData: [
      { name: 'ride_id', data: BigInt64Array.from(rides) },
      { name: 'actual_duration', data: durations },
    ],
    rowGroupSize: 2,
  });
  await writer.finish();
}

describe('an actuals file', () => {
  it('is read by its extension: CSV, JSON lines, else parquet', () => {
    expect(['a.csv', 'a.CSV', 'a.jsonl', 'a.ndjson', 'a.json', 'a.parquet', 'a'].map(actualsFormatOf)).toEqual([
      'csv',
      'csv',
      'jsonl',
      'jsonl',
      'jsonl',
      'parquet',
      'parquet',
    ]);
  });

  it('as CSV: a ride_id column and actual_<model> columns, other columns ignored, an empty cell no actual', async () => {
    const table = await readActualsFile(
      file('truth.csv', 'ride_id,actual_duration,note,actual_cost\n747624005,14.5,"late, rainy",20.5\n"2021/02_3",7,,\nr-9,,x,\n'),
    );

    expect(Object.fromEntries(table.byRide)).toEqual({ '747624005': { duration: 14.5, cost: 20.5 }, '2021/02_3': { duration: 7 } });
    expect(table).toMatchObject({ rows: 3, unusable: 1 });
  });

  it('as JSON lines: one object per line; a line that is not one is counted, never fatal', async () => {
    const table = await readActualsFile(
      file('truth.jsonl', '{"ride_id": 256, "actual_duration": 12.25}\n\nnot json\n[1,2]\n{"ride_id": "r-1", "actual_cost": 8}\n'),
    );

    expect(Object.fromEntries(table.byRide)).toEqual({ '256': { duration: 12.25 }, 'r-1': { cost: 8 } });
    expect(table).toMatchObject({ rows: 4, unusable: 2 });
  });

  it('as parquet: integer ride ids read as the stream writes them, a null actual counted', async () => {
    const path = join(dir.path, 'truth.parquet');
    await writeParquet(path, [747624005n, 747624006n, 747624007n], [14.5, null, 3]);

    const table = await readActualsFile({ kind: 'file', path });

    expect(Object.fromEntries(table.byRide)).toEqual({ '747624005': { duration: 14.5 }, '747624007': { duration: 3 } });
    expect(table).toMatchObject({ rows: 3, unusable: 1 });
  });

  it('without a ride_id or an actual_<model> column is refused in one line naming what it has', async () => {
    const refused = readActualsFile(file('bad.csv', 'id,duration\n1,2\n'));
    await expect(refused).rejects.toBeInstanceOf(ActualsFileError);
    await expect(refused).rejects.toThrow(
      /bad\.csv: an actuals file needs a ride_id column and at least one actual_<model> column \(e\.g\. actual_duration\); it has id, duration$/,
    );
    await expect(readActualsFile(file('bad.parquet', 'not parquet'))).rejects.toThrow(/bad\.parquet: cannot read as parquet \(/);
  });
});

describe("a period's actuals on S3", () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startS3Server();
    await s3.createBucket('data');
  });
  afterAll(() => s3.close());

  it("are the objects of the period's dt= partitions; an object that is not an actuals file is noted and the rest read", async () => {
    await s3.put('data', 'actuals/dt=2026-11-23/a.csv', Buffer.from('ride_id,actual_duration\n1,10\n2,11\n'));
    await s3.put('data', 'actuals/dt=2026-11-24/b.jsonl', Buffer.from('{"ride_id":3,"actual_duration":12}\n'));
    await s3.put('data', 'actuals/dt=2026-11-24/c.csv', Buffer.from('no,columns\n'));
    await s3.put('data', 'actuals/dt=2026-11-30/d.csv', Buffer.from('ride_id,actual_duration\n4,13\n'));
    const parquet = join(dir.path, 's3.parquet');
    await writeParquet(parquet, [5n], [14]);
    await s3.put('data', 'actuals/dt=2026-11-24/e.parquet', readFileSync(parquet));

    const read = await readActualsFromS3(s3.client, { bucket: 'data', prefix: 'actuals/' }, ['2026-11-23', '2026-11-24']);

    expect([...read.table.byRide.keys()].sort()).toEqual(['1', '2', '3', '5']);
    expect(read.files).toBe(4);
    expect(read.unreadable).toEqual([expect.stringMatching(/^s3:\/\/data\/actuals\/dt=2026-11-24\/c\.csv: an actuals file needs a ride_id column/)]);
  });
});
