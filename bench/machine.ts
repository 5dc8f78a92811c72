import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from './stats';

/** What the figures were measured on; printed at the top of BENCHMARKS.md. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  kernel: string;
  node: string;
  onnxruntime: string;
  loadBefore: number[];
  loadAfter?: number[];
  /** 1-minute load average sampled every 5 s during the run */
  loadDuring?: Summary;
  wrk?: string;
}

export function describeMachine(root: string): MachineInfo {
  const ort = JSON.parse(readFileSync(join(root, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string };
  let wrk: string | undefined;
  try {
    execFileSync('wrk', ['-v'], { stdio: 'pipe' });
  } catch (error) {
    const out = String((error as { stdout?: Buffer }).stdout ?? '');
    wrk = /wrk (\S+)/.exec(out)?.[1];
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    onnxruntime: ort.version,
    loadBefore: loadavg(),
    wrk,
  };
}
