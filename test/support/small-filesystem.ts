import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A filesystem mounted for a test, or why none could be (mounting needs root: CI runs as root). */
export type Mount = { readonly path: string; unmount(): void } | { readonly unavailable: string };

/**
 * A real tmpfs of `bytes` on a fresh directory: a full disk is the kernel's ENOSPC, not a
 * simulation. Undefined path (with the reason) when this process may not mount.
 */
export function mountTmpfs(bytes: number): Mount {
  const path = mkdtempSync(join(tmpdir(), 'tmpfs-'));
  return mountOn(path, ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', path]);
}

/** An empty directory mounted read-only (a read-only bind mount): writes fail with the kernel's EROFS. */
export function mountReadOnly(): Mount {
  const source = mkdtempSync(join(tmpdir(), 'read-only-source-'));
  const path = mkdtempSync(join(tmpdir(), 'read-only-'));
  const bound = mountOn(path, ['--bind', source, path]);
  if ('unavailable' in bound) {
    rmSync(source, { recursive: true, force: true });
    return bound;
  }
  const mounted = {
    path,
    unmount: () => {
      bound.unmount();
      rmSync(source, { recursive: true, force: true });
    },
  };
  try {
    execFileSync('mount', ['-o', 'remount,bind,ro', path], { stdio: 'pipe' });
  } catch (error) {
    mounted.unmount();
    return { unavailable: `cannot remount read-only: ${(error as Error).message}` };
  }
  return mounted;
}

function mountOn(path: string, args: string[]): Mount {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    return {
      unavailable: `mount ${args.join(' ')} failed (tests that need a real small or read-only filesystem run as root): ${(error as Error).message.split('\n')[0]}`,
    };
  }
  return {
    path,
    unmount: () => {
      execFileSync('umount', [path], { stdio: 'pipe' });
      rmSync(path, { recursive: true, force: true });
    },
  };
}
