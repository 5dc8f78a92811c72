import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trackStagingFile } from '../../../../lambda/protocols/batch/output/interrupt';
import { clearStaleStaging } from '../../../../lambda/protocols/batch/output/staged-output';
import { stagingFileName } from '../../../../lambda/protocols/batch/output/staging-names';
import { scratchDirectory } from '../../../support/trip-fixtures';

const dir = scratchDirectory();
afterAll(() => dir.remove());

/** The pid of a process that has run and ended. */
function endedPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  if (child.pid === undefined) throw new Error('could not start a process');
  return child.pid;
}

/** The same name as made on another machine: the 8-hex host part differs. */
function onAnotherHost(name: string): string {
  return name.replace(/\.([0-9a-f]{8})\.(\d+)\./u, (_, host: string, pid: string) => `.${host === 'ffffffff' ? '00000000' : 'ffffffff'}.${pid}.`);
}

describe('clearing the staging files a stopped run left at a destination', () => {
  const destination = join(dir.path, 'out');
  const output = { kind: 'file', path: join(destination, 'scored.parquet') } as const;
  mkdirSync(destination);

  it('removes only what its name proves is a staging file of this output from an ended process on this machine, and returns it', async () => {
    const dead = endedPid();
    const stale = stagingFileName('scored.parquet', dead);
    const others = {
      output: 'scored.parquet',
      userFile: 'notes.txt',
      otherOutput: stagingFileName('other.parquet', dead),
      liveProcess: stagingFileName('scored.parquet', process.ppid),
      otherHost: onAnotherHost(stagingFileName('scored.parquet', dead)),
      legacyName: `.scored.parquet.${randomUUID()}.partial`,
      userPartial: '.scored.parquet.mine.partial',
    };
    writeFileSync(join(destination, stale), 'half an output from a SIGKILLed run');
    for (const name of Object.values(others)) writeFileSync(join(destination, name), `kept: ${name}`);
    const linkTarget = join(dir.path, 'elsewhere.txt');
    writeFileSync(linkTarget, 'not at the destination');
    const link = stagingFileName('scored.parquet', dead);
    symlinkSync(linkTarget, join(destination, link));
    const directory = stagingFileName('scored.parquet', dead);
    mkdirSync(join(destination, directory));

    const removed = await clearStaleStaging(output);

    expect(removed).toEqual([join(destination, stale)]);
    expect(readdirSync(destination).sort()).toEqual([...Object.values(others), link, directory].sort());
    for (const name of Object.values(others)) expect(readFileSync(join(destination, name), 'utf8')).toBe(`kept: ${name}`);
    expect(readFileSync(linkTarget, 'utf8')).toBe('not at the destination');
  });

  it("removes this process's own staging file for the output once no run of it is writing it (a restarted Lambda runtime can reuse a pid)", async () => {
    const live = join(destination, stagingFileName('scored.parquet'));
    const left = join(destination, stagingFileName('scored.parquet'));
    writeFileSync(live, 'being written');
    writeFileSync(left, 'left by an earlier life of this pid');
    const forget = trackStagingFile(live);

    const removed = await clearStaleStaging(output);
    forget();

    expect(removed).toEqual([left]);
    expect(existsSync(live)).toBe(true);
  });

  it('finds nothing to do where the destination directory does not exist yet', async () => {
    await expect(clearStaleStaging({ kind: 'file', path: join(dir.path, 'new', 'scored.parquet') })).resolves.toEqual([]);
  });
});
