/**
 * Drives a hot swap under load: `connections` loops send requests without pause while the model
 * object is replaced by a second valid model and then by garbage. Used by the local-server and
 * the Lambda-handler swap tests; the figures are printed and returned for the test to assert on.
 */

import { contentVersion } from '../../lambda/repository';
import { createModelSet } from '../../lambda/model/model-set';
import { predictDurations, servedModel } from './fixtures';

/**
 * What each model answers `ride`, by the version the runtime gives its bytes (a content hash),
 * computed from each model's own session: the value a reply naming that version must carry.
 */
export async function expectedValues(models: readonly Uint8Array[], ride: Record<string, number>): Promise<Map<string, number>> {
  const pairs = await Promise.all(
    models.map(async (bytes) => {
      const version = contentVersion(bytes);
      const [value] = await predictDurations(createModelSet([await servedModel('duration', bytes, version)]), [ride]);
      return [version, value as number] as const;
    }),
  );
  return new Map(pairs);
}

/** What one reply said: the model version it names and the value it gave. */
export interface SwapReply {
  readonly version: string;
  readonly value: number;
}

export interface SwapScenario {
  readonly connections: number;
  /** one request; throws (or returns an Error) when it failed */
  send(): Promise<SwapReply | Error>;
  /** puts bytes at the served model's location */
  upload(bytes: Uint8Array | string): Promise<void>;
  readonly second: Uint8Array;
  readonly secondVersion: string;
  readonly firstVersion: string;
  /** has the runtime refused the garbage yet (its counter, or its log line)? */
  refused(): boolean;
  /** how long load continues after the refusal (a few check intervals), to see the second model keep serving */
  readonly afterRefusalMs: number;
  /** most time any one phase may take before the run gives up (a wait timeout, not a speed claim) */
  readonly phaseTimeoutMs?: number;
}

export interface SwapFigures {
  requests: number;
  failures: number;
  failureSamples: string[];
  /** replies whose value is not what the model of the version they name gives */
  mismatches: number;
  repliesByVersion: Record<string, number>;
  /** from the second model's upload completing to the first reply naming it */
  msUploadToNewVersion: number;
  /** replies received after the garbage was refused, and the versions they named */
  repliesAfterRefusal: number;
  versionsAfterRefusal: string[];
}

/** Runs the scenario; `expected` maps each valid version to the value its model gives the ride. */
export async function swapUnderLoad(scenario: SwapScenario, expected: ReadonlyMap<string, number>): Promise<SwapFigures> {
  const replies: { version: string; value: number; at: number }[] = [];
  const failures: string[] = [];
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        const reply = await scenario.send();
        if (reply instanceof Error) failures.push(reply.message);
        else replies.push({ ...reply, at: performance.now() });
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const loops = Array.from({ length: scenario.connections }, loop);
  const timeout = scenario.phaseTimeoutMs ?? 30_000;
  try {
    await waitFor(() => replies.some((r) => r.version === scenario.firstVersion), 'a reply from the first model', timeout);

    await scenario.upload(scenario.second);
    const uploadedAt = performance.now();
    await waitFor(() => replies.some((r) => r.version === scenario.secondVersion), 'a reply from the second model', timeout);
    const firstNew = replies.find((r) => r.version === scenario.secondVersion) as { at: number };

    await scenario.upload('this is not an ONNX model');
    await waitFor(() => scenario.refused(), 'the garbage to be refused', timeout);
    const refusedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, scenario.afterRefusalMs));
    stopped = true;
    await Promise.all(loops);

    const after = replies.filter((r) => r.at > refusedAt);
    const byVersion: Record<string, number> = {};
    for (const r of replies) byVersion[r.version] = (byVersion[r.version] ?? 0) + 1;
    return {
      requests: replies.length + failures.length,
      failures: failures.length,
      failureSamples: failures.slice(0, 5),
      mismatches: replies.filter((r) => expected.get(r.version) !== r.value).length,
      repliesByVersion: byVersion,
      msUploadToNewVersion: Math.round(firstNew.at - uploadedAt),
      repliesAfterRefusal: after.length,
      versionsAfterRefusal: [...new Set(after.map((r) => r.version))],
    };
  } finally {
    stopped = true;
    await Promise.all(loops);
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
