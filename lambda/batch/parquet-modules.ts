/**
 * The parquet libraries (hyparquet, hyparquet-writer, hyparquet-compressors) ship as ES modules
 * only, and this project compiles to CommonJS. A dynamic `import()` is the one way a CommonJS
 * module loads them on Node 20; esbuild still bundles them into the Lambda asset.
 */
export type ParquetReaderModule = typeof import('hyparquet', { with: { 'resolution-mode': 'import' } });
export type ParquetWriterModule = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
export type DecompressorsModule = typeof import('hyparquet-compressors', { with: { 'resolution-mode': 'import' } });

type WriterOptions = ConstructorParameters<ParquetWriterModule['ParquetWriter']>[0];
/** A schema element as hyparquet-writer takes it (its own copy of hyparquet's type). */
export type WriterSchemaElement = WriterOptions['schema'][number];
/** One column's values as hyparquet-writer takes them. */
export type WriterColumnData = Parameters<InstanceType<ParquetWriterModule['ParquetWriter']>['write']>[0]['columnData'][number]['data'];

export function loadParquetReader(): Promise<ParquetReaderModule> {
  return import('hyparquet');
}

export function loadParquetWriter(): Promise<ParquetWriterModule> {
  return import('hyparquet-writer');
}

/** Snappy, gzip, brotli, zstd, lz4 decompressors: real TLC files use compressed column chunks. */
export async function loadDecompressors(): Promise<DecompressorsModule['compressors']> {
  return (await import('hyparquet-compressors')).compressors;
}
