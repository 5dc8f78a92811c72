import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { ShutdownPlan } from './lambda-runtime-api';

/**
 * The runtime interface client Lambda's own Node.js images run (its `aws-lambda-ric` bin). It is a
 * package of its own, lambda-runtime-client/, that the project's postinstall installs with the
 * project-local Node 22 (aws-lambda-ric requires Node 22; npm may itself run on an older Node).
 */
export const RUNTIME_CLIENT = resolve(__dirname, 'lambda-runtime-client', 'node_modules', 'aws-lambda-ric', 'index.mjs');

const MODULE_TRACE = resolve(__dirname, 'module-trace', 'register.mjs');

export interface LambdaProcessOptions {
  /** the unzipped asset: Lambda's /var/task */
  assetDir: string;
  /** `file.export`, as in the function's Handler property */
  handler: string;
  /** host:port of the Runtime API */
  runtimeApi: string;
  /** the function's own environment (from the template, with local endpoints) */
  environment: Record<string, string>;
  functionName?: string;
  memoryMb?: number;
  /** the Node binary (default: this process's) */
  nodeBinary?: string;
  /** a file to record every ES module the process loads in (test/support/module-trace) */
  moduleTraceFile?: string;
}

/** A function container: the runtime client running the asset, with its output kept for failures. */
export interface LambdaProcess {
  readonly child: ChildProcess;
  /** performance.now() when the process was spawned */
  readonly startedAt: number;
  /** everything it printed so far (stdout and stderr) */
  output(): string;
  stop(): Promise<void>;
  /**
   * Ends the process as Lambda ends an environment: `SIGKILL` at once, or `SIGTERM` and, if the
   * process has not exited within `limitMs`, `SIGKILL`. Resolves with how it ended.
   */
  shutDown(plan: ShutdownPlan): Promise<ShutdownOutcome>;
}

/** How a process ended: its exit code or signal, and whether the shutdown limit ran out (SIGKILL). */
export interface ShutdownOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly killedAtLimit: boolean;
}

/**
 * Starts the asset under aws-lambda-ric with the variables Lambda sets, and nothing from the
 * test's own environment: no node_modules above the asset, no credentials but dummy ones.
 */
export function startLambdaProcess(options: LambdaProcessOptions): LambdaProcess {
  const functionName = options.functionName ?? 'local-function';
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: options.assetDir,
    LAMBDA_RUNTIME_DIR: options.assetDir,
    _HANDLER: options.handler,
    AWS_LAMBDA_RUNTIME_API: options.runtimeApi,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb ?? 1024),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]local',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_SESSION_TOKEN: 'local',
    ...options.environment,
    ...(options.moduleTraceFile ? { MODULE_TRACE_FILE: options.moduleTraceFile, NODE_OPTIONS: `--import=${MODULE_TRACE}` } : {}),
  };
  const startedAt = performance.now();
  const child = spawn(options.nodeBinary ?? process.execPath, [RUNTIME_CLIENT], { cwd: options.assetDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return {
    child,
    startedAt,
    output: () => output,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        child.once('exit', () => resolveStop());
        child.kill('SIGTERM');
      }),
    shutDown: (plan) =>
      new Promise<ShutdownOutcome>((resolveShutdown) => {
        if (child.exitCode !== null || child.signalCode !== null)
          return resolveShutdown({ code: child.exitCode, signal: child.signalCode, killedAtLimit: false });
        let killedAtLimit = false;
        const limit = plan.signal === 'SIGTERM' ? setTimeout(() => ((killedAtLimit = true), child.kill('SIGKILL')), plan.limitMs) : undefined;
        child.once('exit', (code, signal) => {
          clearTimeout(limit);
          resolveShutdown({ code, signal, killedAtLimit });
        });
        child.kill(plan.signal);
      }),
  };
}
