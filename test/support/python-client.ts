import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Debian's python (the apt packages' home; a pyenv python3 on PATH would not see them). */
export const PYTHON = process.env.PROTOCOL_CLIENT_PYTHON ?? '/usr/bin/python3';

/** The client written from the three specifications (test/e2e/protocols/spec_client.py). */
const CLIENT = join(__dirname, '..', 'e2e', 'protocols', 'spec_client.py');

/**
 * Why the Python client cannot run here (no python3-requests or python3-pandas), or undefined
 * when it can. .ci/run installs them, so under CI (`CI` set) their absence throws: a skipped
 * client there would pass unnoticed.
 */
export function pythonClientMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import pandas, requests'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  const why = `${PYTHON} cannot import pandas and requests (apt-get install -y python3-requests python3-pandas): ${(probe.stderr ?? probe.error?.message ?? '').trim().split('\n').pop()}`;
  if (process.env.CI) throw new Error(`CI runs the Python protocol client: ${why}`);
  return why;
}

/** What the client printed: each protocol's replies, as it read them. */
export interface ClientResults {
  predict: Record<string, number[]>;
  oip: {
    server: { name: string; version: string; extensions: string[] };
    live: number;
    ready: number;
    models: Record<
      string,
      {
        metadata: { name: string; versions: string[]; platform: string };
        ready: number;
        request: unknown;
        response: unknown;
        data: number[];
        data_n1: number[];
      }
    >;
  };
  mlflow: Record<'dataframe_split' | 'dataframe_records' | 'inputs' | 'instances' | 'csv', (number | Record<string, number>)[]> & {
    ping: number;
    version: { status: number; text: string };
  };
}

/** Runs the Python client against `baseUrl` for `models`, with `rides` as its data frame. */
export async function runSpecClient(
  baseUrl: string,
  models: readonly string[],
  rides: readonly Record<string, number>[],
  token?: string,
): Promise<ClientResults> {
  const dir = mkdtempSync(join(tmpdir(), 'spec-client-'));
  try {
    const file = join(dir, 'rides.json');
    writeFileSync(file, JSON.stringify(rides));
    const { stdout } = await exec(PYTHON, [CLIENT, baseUrl, models.join(','), file, ...(token ? [token] : [])], { timeout: 60_000, maxBuffer: 16 << 20 });
    return JSON.parse(stdout) as ClientResults;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Every protocol's numbers, laid out as `/predict/<name>` answered them (per model, one per
 * row): OIP v2's output tensors, and each MLflow format's predictions (bare numbers when one
 * model is served, one object per row otherwise).
 */
export function protocolNumbers(results: ClientResults, models: readonly string[]): Record<string, Record<string, number[]>> {
  const perModel = (predictions: (number | Record<string, number>)[]) =>
    Object.fromEntries(
      models.map((name) => [
        name,
        predictions.map((p) => (typeof p === 'number' && models.length === 1 ? p : ((p as Record<string, number>)[name] as number))),
      ]),
    );
  return {
    'OIP v2 infer (versioned path, [n] tensors)': Object.fromEntries(models.map((name) => [name, results.oip.models[name]?.data ?? []])),
    'OIP v2 infer ([n, 1] tensors, nested data)': Object.fromEntries(models.map((name) => [name, results.oip.models[name]?.data_n1 ?? []])),
    ...Object.fromEntries(
      (['dataframe_split', 'dataframe_records', 'inputs', 'instances', 'csv'] as const).map((format) => [
        `MLflow /invocations ${format}`,
        perModel(results.mlflow[format]),
      ]),
    ),
  };
}
