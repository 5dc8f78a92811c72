import type { ColumnChunk, FileMetaData } from 'hyparquet' with { 'resolution-mode': 'import' };
import type { PageDecoders } from './parquet-modules';

type ColumnDecoder = Parameters<PageDecoders['convert']>[1];
type DecodedArray = Parameters<PageDecoders['convert']>[0];

/**
 * Reads one flat numeric column chunk (a row group's column) front to back, page by page,
 * into Float64Arrays: NaN where the file has a null, times as epoch milliseconds. Each page
 * is decoded once, straight into a typed array; memory holds one decoded page per column.
 */
export class ColumnCursor {
  private readonly reader: { view: DataView; offset: number };
  private readonly maxDefinitionLevel: number;
  private readonly toNumbers: (values: DecodedArray) => Float64Array;
  private dictionary: Float64Array | undefined;
  private page: Float64Array = new Float64Array(0);
  private pageAt = 0;

  constructor(
    private readonly decoders: PageDecoders,
    private readonly decoder: ColumnDecoder,
    bytes: ArrayBuffer,
    /** most values (and 16 bytes a value) one page may decode to: a page is decoded whole */
    private readonly maxPageValues = Number.MAX_SAFE_INTEGER,
  ) {
    this.reader = { view: new DataView(bytes), offset: 0 };
    this.maxDefinitionLevel = decoders.getMaxDefinitionLevel(decoder.schemaPath);
    this.toNumbers = numberConverter(decoders, decoder);
  }

  /** Fills `target` with the column's next `target.length` values. */
  read(target: Float64Array): void {
    let filled = 0;
    while (filled < target.length) {
      if (this.pageAt === this.page.length) this.nextPage();
      const take = Math.min(target.length - filled, this.page.length - this.pageAt);
      target.set(this.page.subarray(this.pageAt, this.pageAt + take), filled);
      this.pageAt += take;
      filled += take;
    }
  }

  private nextPage(): void {
    const { reader, decoders, decoder } = this;
    for (;;) {
      if (reader.offset >= reader.view.byteLength) throw new Error(`column ${decoder.pathInSchema.join('.')} has fewer values than its row group's rows`);
      const header = decoders.parquetHeader(reader);
      const size = header.compressed_page_size;
      if (!Number.isInteger(size) || size < 0 || reader.offset + size > reader.view.byteLength)
        throw new Error(`column ${decoder.pathInSchema.join('.')} has a page header out of bounds`);
      this.checkPageSize(header);
      const compressed = new Uint8Array(reader.view.buffer, reader.view.byteOffset + reader.offset, size);
      reader.offset += size;
      if (header.type === 'DICTIONARY_PAGE') {
        const page = decoders.decompressPage(compressed, Number(header.uncompressed_page_size), decoder.codec, decoder.compressors ?? {});
        const count = header.dictionary_page_header?.num_values ?? 0;
        this.dictionary = this.toNumbers(
          decoders.readPlain(
            { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 },
            decoder.type,
            count,
            decoder.element.type_length,
          ),
        );
        continue;
      }
      if (header.type === 'DATA_PAGE' && header.data_page_header) {
        const page = decoders.decompressPage(compressed, Number(header.uncompressed_page_size), decoder.codec, decoder.compressors ?? {});
        const { definitionLevels, dataPage } = decoders.readDataPage(page, header.data_page_header, decoder);
        this.setPage(header.data_page_header.num_values, header.data_page_header.encoding, definitionLevels, dataPage);
        return;
      }
      if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
        const { definitionLevels, dataPage } = decoders.readDataPageV2(compressed, header, decoder);
        this.setPage(header.data_page_header_v2.num_rows, header.data_page_header_v2.encoding, definitionLevels, dataPage);
        return;
      }
      // Index pages and the like carry no values.
    }
  }

  /**
   * A page is decoded whole, so its size is checked first: a few hundred KB of run-length
   * encoded indexes can claim ten million values (~1 GB while decoding). Pages of real files
   * hold up to a row group's rows (pyarrow: 1,048,576), well inside the default bound.
   */
  private checkPageSize(header: ReturnType<PageDecoders['parquetHeader']>): void {
    const values = header.data_page_header?.num_values ?? header.data_page_header_v2?.num_values ?? header.dictionary_page_header?.num_values ?? 0;
    const bytes = Number(header.uncompressed_page_size);
    if (values > this.maxPageValues || bytes > this.maxPageValues * 16) {
      const what = values > this.maxPageValues ? `${values.toLocaleString('en-US')} values` : `${bytes.toLocaleString('en-US')} bytes`;
      throw new Error(
        `column ${this.decoder.pathInSchema.join('.')} has a page of ${what}, more than BATCH_MAX_PAGE_VALUES (${this.maxPageValues.toLocaleString('en-US')} values) allows`,
      );
    }
  }

  private setPage(rows: number, encoding: string, definitionLevels: ArrayLike<number> | undefined, data: DecodedArray): void {
    const values = encoding.endsWith('_DICTIONARY') ? this.lookUp(data as ArrayLike<number>) : this.toNumbers(data);
    if (!definitionLevels?.length) {
      this.page = values;
    } else {
      const page = new Float64Array(rows);
      for (let i = 0, j = 0; i < rows; i++) page[i] = definitionLevels[i] === this.maxDefinitionLevel ? (values[j++] as number) : Number.NaN;
      this.page = page;
    }
    this.pageAt = 0;
  }

  private lookUp(indexes: ArrayLike<number>): Float64Array {
    const { dictionary } = this;
    if (!dictionary) throw new Error(`column ${this.decoder.pathInSchema.join('.')} uses a dictionary it does not have`);
    const values = new Float64Array(indexes.length);
    for (let i = 0; i < indexes.length; i++) values[i] = dictionary[indexes[i] as number] as number;
    return values;
  }
}

/** The decoder hyparquet's page functions take for one column chunk. */
export function columnDecoder(
  decoders: PageDecoders,
  metadata: FileMetaData,
  schemaTree: Parameters<PageDecoders['getTreePath']>[0],
  chunk: ColumnChunk,
  parsers: ColumnDecoder['parsers'],
  compressors: ColumnDecoder['compressors'],
): ColumnDecoder {
  const meta = chunk.meta_data;
  if (!meta) throw new Error('parquet column metadata is undefined');
  const schemaPath = decoders.getTreePath(schemaTree, meta.path_in_schema);
  const element = schemaPath[schemaPath.length - 1]?.element;
  if (!element) throw new Error(`column ${meta.path_in_schema.join('.')} is not in the schema of ${metadata.num_rows} rows`);
  return { pathInSchema: meta.path_in_schema, type: meta.type, element, schemaPath, codec: meta.codec, parsers, compressors };
}

/** Where a column chunk's bytes are in the file. */
export function columnByteRange(chunk: ColumnChunk): { start: number; end: number } {
  const meta = chunk.meta_data;
  if (!meta) throw new Error('parquet column metadata is undefined');
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  return { start, end: start + Number(meta.total_compressed_size) };
}

/**
 * Raw physical values → numbers. Plain numbers and INT64 in milliseconds or microseconds take
 * a typed-array path (an INT64 read as two 32-bit words: exact below 2^53, no BigInt per value);
 * anything else (INT96, nanoseconds, unsigned) goes through hyparquet's own conversion.
 */
function numberConverter(decoders: PageDecoders, decoder: ColumnDecoder): (values: DecodedArray) => Float64Array {
  const { type, element } = decoder;
  const annotation = element.logical_type?.type ?? element.converted_type;
  const unsigned = element.converted_type?.startsWith('UINT') || (element.logical_type?.type === 'INTEGER' && !element.logical_type.isSigned);
  const unit =
    element.logical_type?.type === 'TIMESTAMP'
      ? element.logical_type.unit
      : element.converted_type === 'TIMESTAMP_MILLIS'
        ? 'MILLIS'
        : element.converted_type === 'TIMESTAMP_MICROS'
          ? 'MICROS'
          : undefined;
  if (
    type === 'INT64' &&
    !unsigned &&
    (annotation === undefined || annotation === 'INTEGER' || annotation === 'INT_64' || unit === 'MILLIS' || unit === 'MICROS')
  ) {
    const divisor = unit === 'MICROS' ? 1_000 : 1;
    return (values) => (values instanceof BigInt64Array ? int64ToNumbers(values, divisor) : generic(decoders, decoder, values));
  }
  if ((type === 'INT32' || type === 'FLOAT' || type === 'DOUBLE') && !unsigned) return (values) => Float64Array.from(values as ArrayLike<number>);
  return (values) => generic(decoders, decoder, values);
}

function int64ToNumbers(values: BigInt64Array, divisor: number): Float64Array {
  // Little-endian words (x86-64 and arm64, Lambda's architectures): low word first.
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = ((words[2 * i + 1] as number) * 4294967296 + ((words[2 * i] as number) >>> 0)) / divisor;
  return out;
}

function generic(decoders: PageDecoders, decoder: ColumnDecoder, values: DecodedArray): Float64Array {
  const converted = decoders.convert(values, decoder) as ArrayLike<unknown>;
  const out = new Float64Array(converted.length);
  for (let i = 0; i < converted.length; i++) out[i] = Number(converted[i]);
  return out;
}
