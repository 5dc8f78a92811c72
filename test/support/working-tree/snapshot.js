// What git would see of the working tree: every path `git status` lists (changed tracked files,
// untracked files that are not ignored) with a hash of its content. Tests must leave it as they
// found it: a test that writes into the repository (a rewritten tracked file, a new file outside
// the ignored directories) is a test that would change what a user owns.
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..', '..');

const git = (args, input) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'ignore'] });

/** Path → `<status> <content hash>` (or `<status> absent`); undefined outside a git checkout. */
function snapshot() {
  let listed;
  try {
    listed = git(['status', '--porcelain=v1', '-z', '--no-renames', '--untracked-files=all']);
  } catch {
    return undefined; // not a git checkout (an unpacked tarball): nothing to compare
  }
  const entries = listed
    .split('\0')
    .filter(Boolean)
    .map((line) => ({ status: line.slice(0, 2), path: line.slice(3) }));
  const present = entries.filter(({ path }) => existsSync(join(ROOT, path)));
  // Hashed without writing objects into the repository (no -w).
  const hashes =
    present.length === 0
      ? []
      : git(['hash-object', '--stdin-paths'], present.map(({ path }) => path).join('\n'))
          .trim()
          .split('\n');
  const hashOf = new Map(present.map(({ path }, i) => [path, hashes[i]]));
  return new Map(entries.map(({ status, path }) => [path, `${status} ${hashOf.get(path) ?? 'absent'}`]));
}

/** The paths whose state differs between two snapshots, each with what it was and is. */
function changesBetween(before, after) {
  const paths = new Set([...before.keys(), ...after.keys()]);
  return [...paths]
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => `${path} (${before.get(path) ?? 'clean'} → ${after.get(path) ?? 'clean'})`);
}

module.exports = { snapshot, changesBetween };
