import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { loadConfig } from '../../lambda/config';
import { createHttpServer } from '../../lambda/local/server';
import { contentVersion } from '../../lambda/model-store';
import { createRuntime, type Runtime } from '../../lambda/runtime';
import { COURSE_RIDE, predictDurations, servedModel } from '../support/fixtures';
import { createModelSet } from '../../lambda/models/model-set';
import { apiGatewayEvent } from '../support/http-events';
import { recordingLogger, recordingMetrics, type LogEntry } from '../support/recorders';
import { startS3Server, type LocalS3 } from '../support/s3-server';

/**
 * MODEL_REFRESH_SECONDS: a warm process notices a changed model object, loads it into a new
 * session, smoke-tests it and swaps it in without failing a request; garbage is refused and the
 * model before it keeps serving. Model A is the shipped duration model, model B the cost model
 * (same inputs, other outputs), so each reply's value tells which model made it, and it must be
 * the one its `model_version` names.
 */

const ROOT = join(__dirname, '..', '..');
const A = new Uint8Array(readFileSync(join(ROOT, 'models', 'model.onnx')));
const B = new Uint8Array(readFileSync(join(ROOT, 'models', 'cost', 'model.onnx')));
const GARBAGE = new TextEncoder().encode('not a model: a half-finished upload');
const KEY = 'live/model.onnx';

let s3: LocalS3;
/** version → the value that model gives the course's ride */
const expected = new Map<string, number>();

beforeAll(async () => {
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' });
  s3 = await startS3Server();
  await s3.createBucket('models');
  for (const bytes of [A, B]) {
    const set = createModelSet([await servedModel('duration', bytes, contentVersion(bytes))]);
    expected.set(contentVersion(bytes), (await predictDurations(set, [COURSE_RIDE]))[0] as number);
  }
});
afterAll(() => s3.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(50);
  }
}

function runtimeOn(key: string): Runtime {
  const logger = recordingLogger();
  const runtime = createRuntime(loadConfig({ MODELS: `duration=s3://models/${key}`, MODEL_REFRESH_SECONDS: '1', AWS_ENDPOINT_URL_S3: s3.endpoint }), { logger: logger as never, metrics: recordingMetrics() });
  Object.defineProperty(runtime, 'logs', { value: logger.entries });
  return runtime;
}
const logsOf = (runtime: Runtime) => (runtime as unknown as { logs: LogEntry[] }).logs;

describe('hot swap', () => {
  it('under load (16 connections): 0 failed requests, each value from the version it names, B served soon after its upload, garbage refused', async () => {
    await s3.put('models', KEY, A);
    const runtime = runtimeOn(KEY);
    await runtime.models.get();
    const server = createHttpServer(runtime.http, runtime.config.http);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/predict`;
    const replies: { at: number; status: number; version?: string; value?: number }[] = [];
    let running = true;
    const client = async () => {
      while (running) {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(COURSE_RIDE) });
        const body = (await response.json()) as { duration?: number; model_version?: string };
        replies.push({ at: Date.now(), status: response.status, version: body.model_version, value: body.duration });
      }
    };
    const clients = Array.from({ length: 16 }, client);
    const [versionA, versionB] = [contentVersion(A), contentVersion(B)];

    try {
      await sleep(1_500);
      const uploaded = Date.now();
      await s3.put('models', KEY, B);
      await until(() => replies.some((r) => r.version === versionB), 20_000);
      const firstB = (replies.find((r) => r.version === versionB) as { at: number }).at;
      await s3.put('models', KEY, GARBAGE);
      await until(() => (runtime.refresher?.counts.refusals ?? 0) >= 1, 20_000);
      const refusedAt = Date.now();
      await sleep(2_500); // two more intervals: the garbage is not tried again, B keeps serving
      running = false;
      await Promise.all(clients);

      const failures = replies.filter((r) => r.status !== 200);
      const mismatched = replies.filter((r) => r.value !== expected.get(r.version as string));
      console.info(
        `hot swap under load: ${replies.length} requests over 16 connections, ${failures.length} failed, ${mismatched.length} with a value not from the version named; ` +
          `B first served ${firstB - uploaded} ms after its upload (interval 1 s); garbage refused (${runtime.refresher?.counts.refusals} refusal, ${runtime.refresher?.counts.checks} checks); ` +
          `${replies.filter((r) => r.at > refusedAt).length} requests after the refusal, all B`,
      );
      expect(failures).toEqual([]);
      expect(mismatched).toEqual([]);
      expect(new Set(replies.map((r) => r.version))).toEqual(new Set([versionA, versionB]));
      expect(replies.filter((r) => r.at > refusedAt).every((r) => r.version === versionB)).toBe(true);
      expect(replies.filter((r) => r.at > refusedAt).length).toBeGreaterThan(100);
      expect(runtime.refresher?.counts).toMatchObject({ swaps: 1, refusals: 1 });
      expect(logsOf(runtime).filter((e) => e.message === 'model swapped').map((e) => [e.extra.fromVersion, e.extra.modelVersion])).toEqual([[versionA, versionB]]);
      expect(logsOf(runtime).filter((e) => e.message.startsWith('changed model refused'))).toHaveLength(1);
    } finally {
      running = false;
      await Promise.all(clients);
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it('an unchanged object is never reloaded; a refused one is tried again only once it changes', async () => {
    await s3.put('models', 'steady/model.onnx', A);
    const runtime = runtimeOn('steady/model.onnx');
    await runtime.models.get();
    for (let i = 0; i < 3; i++) {
      await sleep(1_050);
      await runtime.http.getModels(); // a request arrives: the check starts in the background
      await runtime.refresher?.settled();
    }
    expect(runtime.refresher?.counts).toMatchObject({ checks: 3, swaps: 0, refusals: 0 });

    await s3.put('models', 'steady/model.onnx', GARBAGE);
    for (let i = 0; i < 3; i++) {
      await sleep(1_050);
      await runtime.http.getModels();
      await runtime.refresher?.settled();
    }
    expect(runtime.refresher?.counts).toMatchObject({ checks: 6, swaps: 0, refusals: 1 });
    expect((await runtime.models.get()).require('duration').version).toBe(contentVersion(A));

    await s3.put('models', 'steady/model.onnx', B);
    await sleep(1_050);
    await runtime.http.getModels();
    await runtime.refresher?.settled();
    expect(runtime.refresher?.counts).toMatchObject({ swaps: 1, refusals: 1 });
    expect((await runtime.models.get()).require('duration').version).toBe(contentVersion(B));
  }, 30_000);

  it('a file location: touching it is no change, new content is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hot-swap-file-'));
    try {
      const path = join(dir, 'model.onnx');
      writeFileSync(path, A);
      const logger = recordingLogger();
      const runtime = createRuntime(loadConfig({ MODELS: `duration=${path}`, MODEL_REFRESH_SECONDS: '1' }), { logger: logger as never });
      await runtime.models.get();
      await runtime.refresher?.settled();
      utimesSync(path, new Date(), new Date(Date.now() + 5_000));
      await sleep(1_050);
      await runtime.http.getModels();
      await runtime.refresher?.settled();
      expect(runtime.refresher?.counts).toMatchObject({ checks: 1, swaps: 0 });

      writeFileSync(path, B);
      await sleep(1_050);
      await runtime.http.getModels();
      await runtime.refresher?.settled();
      expect(runtime.refresher?.counts).toMatchObject({ checks: 2, swaps: 1 });
      expect((await runtime.models.get()).require('duration').version).toBe(contentVersion(B));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('the Lambda handler, across invocations of one warm process', async () => {
    await s3.put('models', 'lambda/model.onnx', A);
    const saved = { ...process.env };
    Object.assign(process.env, { MODELS: 'duration=s3://models/lambda/model.onnx', MODEL_REFRESH_SECONDS: '1', AWS_ENDPOINT_URL_S3: s3.endpoint, POWERTOOLS_LOG_LEVEL: 'SILENT' });
    let handler: typeof import('../../lambda/index').handler | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      handler = (require('../../lambda/index') as typeof import('../../lambda/index')).handler;
    });
    process.env = saved;
    const invoke = async () => {
      const reply = (await (handler as NonNullable<typeof handler>)(apiGatewayEvent({ body: JSON.stringify(COURSE_RIDE) }))) as APIGatewayProxyStructuredResultV2;
      expect(reply.statusCode).toBe(200);
      const body = JSON.parse(reply.body as string) as { duration: number; model_version: string };
      expect(body.duration).toBe(expected.get(body.model_version));
      return body.model_version;
    };
    const versions: string[] = [await invoke()];

    await s3.put('models', 'lambda/model.onnx', B);
    const deadline = Date.now() + 15_000;
    while (versions[versions.length - 1] !== contentVersion(B) && Date.now() < deadline) {
      await sleep(250);
      versions.push(await invoke());
    }
    await s3.put('models', 'lambda/model.onnx', GARBAGE);
    for (let i = 0; i < 12; i++) {
      await sleep(250);
      versions.push(await invoke());
    }

    expect(versions[0]).toBe(contentVersion(A));
    const firstB = versions.indexOf(contentVersion(B));
    expect(firstB).toBeGreaterThan(0);
    expect(versions.slice(firstB).every((v) => v === contentVersion(B))).toBe(true);
  }, 40_000);
});
