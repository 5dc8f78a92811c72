import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The files below `directory` whose name `accept` takes (paths relative to it, sorted), walking
 * real directories only: a symbolic link is never followed (a link to a folder counted it twice; a
 * link to `..` was walked without end), only counted through `onLink`.
 *
 * @example await filesUnder('capture', (name) => name.endsWith('.jsonl'))
 */
export async function filesUnder(directory: string, accept: (name: string) => boolean, onLink: () => void = () => undefined): Promise<string[]> {
  const found: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(directory, relative), { withFileTypes: true });
    for (const entry of entries) {
      const name = relative === '' ? entry.name : join(relative, entry.name);
      if (entry.isSymbolicLink()) onLink();
      else if (entry.isDirectory()) await walk(name);
      else if (entry.isFile() && accept(entry.name)) found.push(name);
    }
  };
  await walk('');
  return found.sort();
}
