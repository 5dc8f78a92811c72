import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startS3Server } from '../../test/support/s3-server';
import { COURSE_RIDE } from '../rides';
import { freePort, postJson, stopProcess } from '../servers';
import type { BenchContext, Section } from '../section';
import { fmt, fmtSummary, summarize } from '../stats';

interface ColdStart {
  totalMs: number;
  listeningMs: number;
  modelLoadMs?: number;
}

/** Issue 23's target (c) (issue 13's was 250 ms): `npm start` → first prediction. */
const TARGET_MS = 200;
/** One cold start: spawn the server, wait for its "listening" log line, POST /predict, stop it. */
async function coldStart(serverJs: string, env: NodeJS.ProcessEnv): Promise<ColdStart> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [serverJs], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    let output = '';
    let modelLoadMs: number | undefined;
    const listening = new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        for (const line of output.split('\n')) {
          if (line.includes('"model loaded"')) modelLoadMs = (JSON.parse(line) as { loadMs?: number }).loadMs;
          if (line.includes('listening on')) resolve(performance.now() - started);
        }
      });
      child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
    });
    const listeningMs = await listening;
    const reply = await postJson(`http://127.0.0.1:${port}/predict`, COURSE_RIDE);
    const totalMs = performance.now() - started;
    if (reply.status !== 200) throw new Error(`first prediction answered ${reply.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the "model loaded" line arrive
    return { totalMs, listeningMs, modelLoadMs };
  } finally {
    await stopProcess(child);
  }
}

/** Process start → first prediction, the model fetched from a local S3 server (s3rver). */
export async function run(context: BenchContext): Promise<Section> {
  // What `npm start` runs (package.json): the launcher that reuses or rebuilds .build/local/server.mjs.
  const serverJs = join(context.root, 'lambda', 'local', 'launch.cjs');
  const s3 = await startS3Server();
  try {
    await s3.createBucket('models');
    await s3.put('models', 'ride-duration/model.onnx', new Uint8Array(readFileSync(join(context.root, 'models', 'model.onnx'))));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOST: '127.0.0.1',
      MODEL_LOCATION: 's3://models/ride-duration/model.onnx',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    const runs = context.smoke ? 1 : 10;
    await coldStart(serverJs, env); // warms the OS file cache, as a reused Lambda host would have it
    const results: ColdStart[] = [];
    for (let i = 0; i < runs; i++) results.push(await coldStart(serverJs, env));
    const total = summarize(results.map((r) => r.totalMs));
    const listening = summarize(results.map((r) => r.listeningMs));
    const loads = results.flatMap((r) => (r.modelLoadMs === undefined ? [] : [r.modelLoadMs]));
    const load = loads.length > 0 ? summarize(loads) : undefined;
    return {
      id: 'cold-start',
      title: 'Cold start: process start → first prediction (model from local S3)',
      method:
        "Spawns `node lambda/local/launch.cjs server` (what `npm start` runs: it reuses .build/local/server.mjs, the build recipe's bundle, rebuilding it only when a source changed; the warm-up run builds it) with MODEL_LOCATION=s3://… on an in-process s3rver, " +
        'waits for its "listening" log line, then POSTs the course\'s ride; the clock runs from spawn to the 200 reply. The model fetch starts at ' +
        `process start (createRuntime warms the cache), so it overlaps module loading. ${runs} runs after one warm-up run; median (min–max).`,
      tables: [
        {
          columns: ['phase', 'ms'],
          rows: [
            ['spawn → listening', fmtSummary(listening)],
            ["model fetch + session (server's own log)", load ? fmtSummary(load) : 'n/a'],
            ['spawn → first prediction', fmtSummary(total)],
          ],
        },
      ],
      notes: [],
      targets: [
        {
          name: 'npm start → first prediction (model from local S3), target (c)',
          target: `≤ ${TARGET_MS} ms`,
          measured: `${fmt(total.median)} ms`,
          met: total.median <= TARGET_MS,
          note:
            total.median > TARGET_MS
              ? `${fmt(listening.median)} ms until listening (node start + loading the bundle: zod, the S3 client, Powertools, onnxruntime)` +
                (load ? `, ${fmt(load.median)} ms fetching the model and creating the ONNX session, on the same thread` : '')
              : undefined,
        },
      ],
      commands: ['npm run bench -- --only cold-start', 'npm start   # node lambda/local/launch.cjs server'],
      data: { total, listening, load },
    };
  } finally {
    await s3.close();
  }
}
