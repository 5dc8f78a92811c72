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

type ColumnModule = typeof import('hyparquet/src/column.js', { with: { 'resolution-mode': 'import' } });
type DataPageModule = typeof import('hyparquet/src/datapage.js', { with: { 'resolution-mode': 'import' } });
type ConvertModule = typeof import('hyparquet/src/convert.js', { with: { 'resolution-mode': 'import' } });
type PlainModule = typeof import('hyparquet/src/plain.js', { with: { 'resolution-mode': 'import' } });
type SchemaModule = typeof import('hyparquet/src/schema.js', { with: { 'resolution-mode': 'import' } });

/**
 * hyparquet's page-level decoders (exported by the package as `hyparquet/src/*.js`). The batch
 * reader decodes flat numeric columns page by page straight into typed arrays with them,
 * skipping `parquetRead`'s per-value list assembly (half of the read time).
 */
export interface PageDecoders {
  parquetHeader: ColumnModule['parquetHeader'];
  readDataPage: DataPageModule['readDataPage'];
  readDataPageV2: DataPageModule['readDataPageV2'];
  decompressPage: DataPageModule['decompressPage'];
  readPlain: PlainModule['readPlain'];
  convert: ConvertModule['convert'];
  getTreePath: SchemaModule['getTreePath'];
  getMaxDefinitionLevel: SchemaModule['getMaxDefinitionLevel'];
}

export async function loadPageDecoders(): Promise<PageDecoders> {
  const [column, datapage, convert, plain, schema] = await Promise.all([
    import('hyparquet/src/column.js'),
    import('hyparquet/src/datapage.js'),
    import('hyparquet/src/convert.js'),
    import('hyparquet/src/plain.js'),
    import('hyparquet/src/schema.js'),
  ]);
  return {
    parquetHeader: column.parquetHeader,
    readDataPage: datapage.readDataPage,
    readDataPageV2: datapage.readDataPageV2,
    decompressPage: datapage.decompressPage,
    readPlain: plain.readPlain,
    convert: convert.convert,
    getTreePath: schema.getTreePath,
    getMaxDefinitionLevel: schema.getMaxDefinitionLevel,
  };
}

/**
 * Loads every parquet module ahead of a run (the CLI does it while the model loads), so a
 * run's own time is reading and scoring, not module loading.
 */
export async function preloadParquetModules(): Promise<void> {
  await Promise.all([loadParquetReader(), loadParquetWriter(), loadDecompressors(), loadPageDecoders()]);
}
