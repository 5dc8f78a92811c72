import type { OutputLayout, ScoredSink } from './scored-chunk';

/**
 * The batch's parquet output: parquet-writer.ts's writer, run in a thread of its own
 * (parquet-writer-thread.ts). Imported when first used: the bundler makes that module a chunk of
 * its own, which is what the thread loads (never a program's entry, which would run the program).
 */
export async function createParquetSink(path: string, layout: OutputLayout): Promise<ScoredSink> {
  return (await import('./parquet-writer-thread.js')).createParquetSink(path, layout);
}
