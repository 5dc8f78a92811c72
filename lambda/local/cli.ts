/**
 * How every local program behaves on the command line: `--help` prints its usage and examples
 * and exits 0; a mistake (an unknown option, a bad setting in the environment) is one line on
 * stderr naming what is wrong and exit 2, never a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/errors';

/** Exit status of a usage or configuration mistake (as getopt-style tools use it). */
export const EXIT_MISTAKE = 2;

/** True when the arguments ask for help: `--help` or `-h` before any `--`. */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * A mistake on the command line: the program prints `<program>: <message>` and a pointer to its
 * `--help`, and exits {@link EXIT_MISTAKE}.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * node:util's parseArgs (strict: an unknown option is a mistake), its complaints as a
 * {@link UsageError}. `--help` is for {@link wantsHelp}, checked before this.
 *
 * @example const { values, positionals } = parseCommandLine({ args: argv, allowPositionals: true, options: { month: { type: 'string' } } });
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    // strict is parseArgs' own default; an unknown option then throws, as wanted here.
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** What a program's entry needs to talk to its user. */
export interface ProgramIo {
  stdout: Pick<NodeJS.WriteStream, 'write'>;
  stderr: Pick<NodeJS.WriteStream, 'write'>;
}

/**
 * The one line a program prints for a mistake it could not carry on from, and its exit status:
 * a {@link ConfigError} or {@link UsageError} is the user's to fix (exit 2); anything else failed
 * (exit 1). `help` is how the user asks for the usage, e.g. `npm run batch -- --help`.
 */
export function describeFailure(program: string, help: string, error: unknown): { line: string; status: number } {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
  if (error instanceof UsageError) return { line: `${program}: ${message} (see \`${help}\`)`, status: EXIT_MISTAKE };
  if (error instanceof ConfigError) return { line: `${program}: ${message}`, status: EXIT_MISTAKE };
  return { line: `${program}: ${message}`, status: 1 };
}

/** What {@link runProgram} runs and how it presents the program. */
export interface Program {
  /** how the user calls it, e.g. `npm run stream` */
  readonly command: string;
  /** usage and examples, printed for `--help` */
  readonly usage: string;
  /** the program; may resolve to an exit status (a server resolves once it listens and keeps running) */
  readonly main: (argv: string[]) => Promise<number | void>;
}

/**
 * Runs a local program as its entry (lambda/local/main/*.ts): `--help` prints the usage, a
 * mistake is one line (see {@link describeFailure}) and ends the process. A program that
 * resolves keeps running while it has work (a server, a poller).
 */
export async function runProgram(program: Program, argv: string[] = process.argv.slice(2), io: ProgramIo = process): Promise<void> {
  if (wantsHelp(argv)) {
    io.stdout.write(`${program.usage.trimEnd()}\n`);
    return;
  }
  try {
    const status = await program.main(argv);
    if (typeof status === 'number') process.exitCode = status;
  } catch (error) {
    const { line, status } = describeFailure(program.command, `${program.command} -- --help`, error);
    io.stderr.write(`${line}\n`);
    // Whatever the program had started (a local Kinesis, a client) must not keep it alive.
    process.exit(status);
  }
}

/** A program that takes no arguments (it is configured by the environment) refuses any. */
export function noArguments(argv: readonly string[], hint: string): void {
  if (argv.length > 0) throw new UsageError(`takes no arguments, got ${argv.map((arg) => `'${arg}'`).join(' ')}; ${hint}`);
}
