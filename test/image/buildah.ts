import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** A buildah (or other) command that did not succeed: its exit status and what it printed last. */
export class CommandError extends Error {
  constructor(command: readonly string[], status: number | null, output: string) {
    super(`${command.join(' ')} exited with ${status}: ${output.trim().split('\n').slice(-15).join('\n')}`);
    this.name = 'CommandError';
  }
}

/** Runs a command to completion; returns its stdout, throws {@link CommandError} unless it exits 0. */
export function run(command: string, args: readonly string[], options: { cwd?: string } = {}): string {
  const result = spawnSync(command, args, { cwd: options.cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new CommandError([command, ...args], result.status, `${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** What an image says about how it runs (Docker's config: it keeps HEALTHCHECK, OCI's does not). */
export interface ImageConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  ExposedPorts?: Record<string, unknown>;
  Healthcheck?: { Test?: string[] };
}

/** An image in buildah's store: its run configuration and its layers, oldest first. */
export interface ImageFacts {
  config: ImageConfig;
  /** one entry per layer: its digest (diff id) and its size as stored, uncompressed, in bytes */
  layers: Array<{ diffId: string; bytes: number }>;
}

interface InspectedImage {
  Docker?: { config?: ImageConfig };
  OCIv1: { config?: ImageConfig; rootfs: { diff_ids: string[] } };
  Manifest: string;
}

/** `buildah inspect --type image`, reduced to the run configuration and the layers. */
export function inspectImage(image: string): ImageFacts {
  const inspected = JSON.parse(run('buildah', ['inspect', '--type', 'image', image])) as InspectedImage;
  const manifest = JSON.parse(inspected.Manifest) as { layers: Array<{ size: number }> };
  return {
    config: inspected.Docker?.config ?? inspected.OCIv1.config ?? {},
    layers: inspected.OCIv1.rootfs.diff_ids.map((diffId, i) => ({ diffId, bytes: manifest.layers[i]?.size ?? Number.NaN })),
  };
}

/** The image's size as buildah lists it (for instance "277 MB"). */
export function listedSize(image: string): string {
  return run('buildah', ['images', '--format', '{{.Size}}', image]).trim().split('\n')[0] ?? '?';
}

/** Host pids of every process descending from `root`, found through /proc. */
export function descendantsOf(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = /^PPid:\s+(\d+)/m.exec(procStatus(Number(entry)))?.[1];
    if (ppid !== undefined) parentOf.set(Number(entry), Number(ppid));
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    for (const [child, parent] of parentOf)
      if (parent === pid) {
        found.push(child);
        queue.push(child);
      }
  }
  return found;
}

/** /proc/<pid>/status, or '' once the process is gone. */
export function procStatus(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return '';
  }
}
