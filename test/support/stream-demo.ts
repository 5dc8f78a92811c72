import { readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { freePort } from './loopback';
import { runNpm, spawnProgram, type ProgramResult } from './local-programs';

/** What `npm run stream` + `npm run stream:demo` did: the demo's output, the runner's log lines and its dead letters. */
export interface StreamDemoRun {
  readonly demo: ProgramResult;
  readonly runnerLines: string[];
  readonly deadLetters: Record<string, unknown>[];
}

/**
 * Runs the README's two terminals: `npm run stream` (the shipped runner, its own local Kinesis on
 * a free port, dead letters under `scratch`) and then `npm run stream:demo` against it, waits for
 * the runner to have dead-lettered the demo's bad record, and stops the runner.
 */
export async function runStreamDemo(scratch: string): Promise<StreamDemoRun> {
  const port = String(await freePort());
  const deadLetterDirectory = join(scratch, 'dead-letters');
  const runner = spawnProgram('stream', [], { LOCAL_KINESIS_PORT: port, DEAD_LETTER_LOCATION: deadLetterDirectory, POWERTOOLS_METRICS_DISABLED: 'true' });
  const runnerLines: string[] = [];
  const seen = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => runnerLines.some((line) => line.includes(text)) && resolve();
      runner.stdout?.on('data', check);
      runner.stderr?.on('data', check);
      runner.once('exit', (code) => reject(new Error(`npm run stream exited (${code}) before logging '${text}':\n${runnerLines.join('\n')}`)));
      check();
    });
  // Log lines of level WARN and above go to stderr (Powertools writes them with console.warn).
  for (const output of [runner.stdout, runner.stderr]) {
    let buffered = '';
    output?.on('data', (chunk: Buffer) => {
      const parts = (buffered + chunk.toString('utf8')).split('\n');
      buffered = parts.pop() ?? '';
      runnerLines.push(...parts.filter(Boolean));
    });
  }
  try {
    await seen('local Kinesis on');
    const demo = await runNpm('stream:demo', [], { LOCAL_KINESIS_PORT: port });
    await seen('poison records dead-lettered');
    const files = readdirSync(deadLetterDirectory, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.jsonl'));
    const deadLetters = files.flatMap((name) =>
      readFileSync(join(deadLetterDirectory, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );
    return { demo, runnerLines, deadLetters };
  } finally {
    if (runner.exitCode === null && runner.signalCode === null) {
      const exited = once(runner, 'exit');
      runner.kill('SIGTERM');
      await exited;
    }
  }
}
