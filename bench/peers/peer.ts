import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { COURSE_RIDE, trainingRides } from '../rides';
import type { BenchContext } from '../section';
import { exportTripsCsv } from './export-trips';

const exec = promisify(execFile);

/**
 * The course's stack comes from Debian packages: their python is /usr/bin/python3 (not a
 * pyenv or venv python that may be first on PATH), gunicorn is /usr/bin/gunicorn.
 */
export const PYTHON = '/usr/bin/python3';
export const GUNICORN = 'gunicorn';
export const DEBIAN_PACKAGES = 'python3-flask gunicorn python3-sklearn python3-pandas wrk';
/**
 * The environment every peer process gets on top of its own: Python caches an imported module's
 * bytecode in __pycache__ beside it, and predict.py lives in the repository (tests run the bench).
 */
export const PYTHON_ENV = Object.freeze({ PYTHONDONTWRITEBYTECODE: '1' });

export interface PeerStatus {
  available: boolean;
  /** why not, naming the packages to install */
  reason?: string;
  versions: Record<string, string>;
}

/** Checks that python3 can import the course's libraries and that gunicorn runs. */
export async function checkPeer(): Promise<PeerStatus> {
  try {
    const { stdout } = await exec(PYTHON, [
      '-c',
      'import json, sys, flask, sklearn, pandas, numpy; print(json.dumps({"python": sys.version.split()[0], "flask": flask.__version__, "scikit-learn": sklearn.__version__, "pandas": pandas.__version__, "numpy": numpy.__version__}))',
    ]);
    const versions = JSON.parse(stdout) as Record<string, string>;
    const gunicorn = await exec(GUNICORN, ['--version']);
    versions.gunicorn = /([\d.]+)/.exec(gunicorn.stdout + gunicorn.stderr)?.[1] ?? 'unknown';
    return { available: true, versions };
  } catch (error) {
    return {
      available: false,
      reason: `the course's stack is not installed (${(error as Error).message.split('\n')[0]}); install it with \`apt-get install -y ${DEBIAN_PACKAGES}\``,
      versions: {},
    };
  }
}

export interface TrainedPeer {
  /** directory holding lin_reg.bin: gunicorn's working directory, as the course's app opens it by relative path */
  modelDir: string;
  modelFile: string;
  /** what the peer's model predicts in process for each probe ride */
  expected: number[];
  trainRows: number;
}

/** Rides sent to both services before loading them: the course's, then some from the training month. */
export function probeRides(smoke: boolean) {
  return [COURSE_RIDE, ...trainingRides(smoke ? 4 : 24, 997)];
}

let trained: Promise<TrainedPeer> | undefined;

/**
 * Exports the generated training month our model was trained on and fits the course's
 * DictVectorizer + LinearRegression on it (bench/peers/train.py). Once per process.
 */
export function trainPeer(context: BenchContext): Promise<TrainedPeer> {
  trained ??= fitPeer(context);
  return trained;
}

async function fitPeer(context: BenchContext): Promise<TrainedPeer> {
  const probes = probeRides(context.smoke);
  const modelDir = join(context.workDir, 'peer');
  mkdirSync(modelDir, { recursive: true });
  const csv = join(modelDir, 'train-2021-01.csv');
  // The same call as models/training/train.ts makes (2021-01, 200,000 rows); smoke runs use fewer.
  await exportTripsCsv({ year: 2021, month: 1, rows: context.smoke ? 20_000 : 200_000 }, csv);
  const probesFile = join(modelDir, 'probes.json');
  const expectedFile = join(modelDir, 'expected.json');
  writeFileSync(probesFile, JSON.stringify(probes));
  const modelFile = join(modelDir, 'lin_reg.bin');
  const { stdout } = await exec(
    PYTHON,
    [join(context.root, 'bench', 'peers', 'train.py'), csv, modelFile, '--probes', probesFile, '--expected', expectedFile],
    {
      maxBuffer: 1 << 20,
    },
  );
  const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as { rows: number };
  return { modelDir, modelFile, expected: JSON.parse(readFileSync(expectedFile, 'utf8')) as number[], trainRows: summary.rows };
}
