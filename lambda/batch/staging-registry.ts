import { rmSync } from 'node:fs';

/**
 * The staging files of the runs in progress, so an interrupted process (SIGINT, SIGTERM) can
 * remove them before it exits instead of leaving hidden `.partial` files at the destination.
 * Removal is synchronous: it runs in a signal handler, just before `process.exit`.
 */
export class StagingRegistry {
  private readonly paths = new Set<string>();

  add(path: string): void {
    this.paths.add(path);
  }

  delete(path: string): void {
    this.paths.delete(path);
  }

  /** Removes every staging file still registered; resolves to how many there were. */
  removeAllSync(): number {
    const count = this.paths.size;
    for (const path of this.paths) rmSync(path, { force: true });
    this.paths.clear();
    return count;
  }
}
