import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Node.js binary Lambda's runtime would run the asset with: the npm package
 * node-linux-<arch> (an optional dependency pinned to the stack's nodejs22.x major), not the
 * machine's own Node, which may be older.
 */
export function lambdaNodeBinary(): string {
  const binary = join(__dirname, '..', '..', 'node_modules', `node-linux-${process.arch}`, 'bin', 'node');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: npm ci installs node-linux-${process.arch} (an optional dependency) on Linux`);
  return binary;
}

/** The major version of a Node binary (22 for v22.23.5). */
export function nodeMajor(binary: string): number {
  return Number(/^v(\d+)\./.exec(execFileSync(binary, ['--version'], { encoding: 'utf8' }))?.[1]);
}
