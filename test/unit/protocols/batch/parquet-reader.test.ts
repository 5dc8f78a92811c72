import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TripFileError } from '../../../../lambda/protocols/batch/errors';
import { openTripReader } from '../../../../lambda/protocols/batch/trip-files/open-trips';
import { tripAt, type TripChunk, type TripReader } from '../../../../lambda/protocols/batch/trip-files/trip-chunk';
import type { TripFileRow } from '../../../../lambda/local/synthetic/trip-file';
import { fixtureRows, scratchDirectory, writeFixture } from '../../../support/trip-fixtures';

const dir = scratchDirectory();
afterAll(() => dir.remove());

async function open(path: string, chunkRows = 300): Promise<TripReader> {
  return openTripReader({ kind: 'file', path }, 'parquet', { chunkRows });
}

async function readAll(reader: TripReader): Promise<TripChunk[]> {
  const chunks: TripChunk[] = [];
  try {
    for await (const chunk of reader.chunks()) chunks.push(chunk);
  } finally {
    await reader.close();
  }
  return chunks;
}

/** The chunks' rows (NaN read back as null by tripAt), in the shape they were written. */
function rowsOf(chunks: TripChunk[]): TripFileRow[] {
  return chunks.flatMap((c) =>
    Array.from({ length: c.length }, (_, i) => {
      const trip = tripAt(c, i);
      const time = (t: number | Date | null) => (t === null ? null : new Date(t));
      return { ...trip, pickup: time(trip.pickup), dropoff: time(trip.dropoff) };
    }),
  );
}

/** Times in whole milliseconds, as every supported unit can hold them; the reader's columns only (no fare). */
function inMillis(rows: TripFileRow[]): TripFileRow[] {
  const ms = (d: Date | null) => (d === null ? null : new Date(Math.floor(d.getTime())));
  return rows.map(({ fare: _fare, ...r }) => ({ ...r, pickup: ms(r.pickup), dropoff: ms(r.dropoff) }));
}

describe('reading a TLC parquet file', () => {
  const rows = inMillis(fixtureRows(2_500));

  it('reads every row of a file with several row groups, in order, in chunks of at most chunkRows', async () => {
    const path = join(dir.path, 'several-groups.parquet');
    await writeFixture(path, rows, { rowGroupSize: 1_000 });

    const chunks = await readAll(await open(path, 300));

    expect(chunks.every((c) => c.length <= 300)).toBe(true);
    expect(chunks.map((c) => c.firstRow)).toEqual(chunks.map((_, i) => chunks.slice(0, i).reduce((n, c) => n + c.length, 0)));
    expect(rowsOf(chunks)).toEqual(rows);
  });

  it.each([
    { codec: 'GZIP' as const },
    { codec: 'BROTLI' as const },
    { codec: 'UNCOMPRESSED' as const },
    { timestampUnit: 'MILLIS' as const },
    { timestampUnit: 'NANOS' as const },
    { zoneType: 'INT32' as const },
    { zoneType: 'DOUBLE' as const },
  ])('reads the same rows when the file is written with %o', async (variant) => {
    const path = join(dir.path, `variant-${Object.values(variant)[0]}.parquet`);
    await writeFixture(path, rows, { rowGroupSize: 700, ...variant });

    const chunks = await readAll(await open(path, 1_000));

    expect(rowsOf(chunks)).toEqual(rows);
  });

  it('reports the row count from the footer and tells a yellow file by its tpep_ columns', async () => {
    const path = join(dir.path, 'yellow.parquet');
    await writeFixture(path, rows.slice(0, 50), { taxiType: 'yellow' });

    const reader = await open(path);
    await reader.close();

    expect(reader).toMatchObject({ taxiType: 'yellow', pickupColumn: 'tpep_pickup_datetime', totalRows: 50 });
  });
});

describe('reading a bad parquet file', () => {
  async function writeColumns(path: string, columnData: { name: string; data: unknown[]; type: string }[]): Promise<void> {
    const { parquetWriteFile } = await import('hyparquet-writer');
    parquetWriteFile({ filename: path, columnData: columnData as Parameters<typeof parquetWriteFile>[0]['columnData'] });
  }
  const when = [new Date('2021-02-01T10:00:00Z'), new Date('2021-02-01T10:20:00Z')];

  async function openError(path: string): Promise<TripFileError> {
    const error = await open(path).then(
      () => new Error('expected the file to be rejected'),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TripFileError);
    return error as TripFileError;
  }

  it('names the missing column', async () => {
    const path = join(dir.path, 'no-distance.parquet');
    await writeColumns(path, [
      { name: 'lpep_pickup_datetime', data: [when[0]], type: 'TIMESTAMP' },
      { name: 'lpep_dropoff_datetime', data: [when[1]], type: 'TIMESTAMP' },
      { name: 'PULocationID', data: [1], type: 'INT32' },
      { name: 'DOLocationID', data: [2], type: 'INT32' },
    ]);

    const error = await openError(path);

    expect(error.code).toBe('INVALID_TRIP_FILE');
    expect(error.message).toContain('missing column trip_distance');
  });

  it('names a column of the wrong type and the type it has', async () => {
    const path = join(dir.path, 'text-distance.parquet');
    await writeColumns(path, [
      { name: 'lpep_pickup_datetime', data: [when[0]], type: 'TIMESTAMP' },
      { name: 'lpep_dropoff_datetime', data: [when[1]], type: 'TIMESTAMP' },
      { name: 'PULocationID', data: [1], type: 'INT32' },
      { name: 'DOLocationID', data: [2], type: 'INT32' },
      { name: 'trip_distance', data: ['4.2'], type: 'STRING' },
    ]);

    const error = await openError(path);

    expect(error.message).toMatch(/column trip_distance must be a number .* got BYTE_ARRAY \(UTF8\)/);
  });

  it('rejects a datetime column that holds plain integers', async () => {
    const path = join(dir.path, 'int-datetime.parquet');
    await writeColumns(path, [
      { name: 'lpep_pickup_datetime', data: [1n], type: 'INT64' },
      { name: 'lpep_dropoff_datetime', data: [2n], type: 'INT64' },
      { name: 'PULocationID', data: [1], type: 'INT32' },
      { name: 'DOLocationID', data: [2], type: 'INT32' },
      { name: 'trip_distance', data: [4.2], type: 'DOUBLE' },
    ]);

    const error = await openError(path);

    expect(error.message).toContain('column lpep_pickup_datetime must be a timestamp');
  });

  it('says a file of zero bytes is empty', async () => {
    const path = join(dir.path, 'empty.parquet');
    writeFileSync(path, '');

    expect((await openError(path)).message).toContain('the file is empty');
  });

  it('says a file that is not parquet is not readable parquet', async () => {
    const path = join(dir.path, 'not-parquet.parquet');
    writeFileSync(path, 'VendorID,lpep_pickup_datetime\n1,2021-02-01 00:00:00\n'.repeat(20));

    expect((await openError(path)).message).toContain('not a readable parquet file');
  });

  it('fails with the row group when a column chunk is corrupt', async () => {
    const path = join(dir.path, 'corrupt-pages.parquet');
    await writeFixture(path, fixtureRows(500), { codec: 'SNAPPY', rowGroupSize: 200 });
    const bytes = readFileSync(path);
    bytes.fill(0xff, 4, Math.floor(bytes.length / 2)); // footer intact, data pages garbage
    writeFileSync(path, bytes);

    const error = await readAll(await open(path)).then(
      () => new Error('expected a decode error'),
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(TripFileError);
    expect((error as TripFileError).message).toMatch(/cannot decode row group \d+/);
  });
});
