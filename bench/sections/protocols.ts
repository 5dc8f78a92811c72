import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { handleHttpRequest, type HttpDeps, type HttpRequest } from '../../lambda/protocols/http/http-handler';
import { createHttpServer } from '../../lambda/local/server';
import { createModelSet } from '../../lambda/model/model-set';
import { shippedModels } from '../../test/support/fixtures';
import { rideNumber } from '../../test/support/events';
import { testDataplane } from '../../test/support/dataplane';
import type { BenchContext, Section } from '../section';
import { cpuMicros, fmt, median } from '../stats';

type Ride = ReturnType<typeof rideNumber>;
const COLUMNS = ['PULocationID', 'DOLocationID', 'trip_distance'] as const;

/** One protocol's request for some rides: path, content type, body. */
interface Protocol {
  name: string;
  path: string;
  contentType: string;
  body(rides: readonly Ride[]): string;
}

/** Each protocol as its clients write it, scoring the same rides with the same model (`duration`). */
const PROTOCOLS: readonly Protocol[] = [
  { name: 'course: POST /predict', path: '/predict', contentType: 'application/json', body: (rides) => JSON.stringify(rides.length === 1 ? rides[0] : rides) },
  {
    name: 'OIP v2: POST /v2/models/duration/infer',
    path: '/v2/models/duration/infer',
    contentType: 'application/json',
    body: (rides) =>
      JSON.stringify({
        inputs: COLUMNS.map((name) => ({
          name,
          shape: [rides.length],
          datatype: name === 'trip_distance' ? 'FP32' : 'INT64',
          data: rides.map((ride) => ride[name]),
        })),
      }),
  },
  {
    name: 'MLflow: /invocations dataframe_split',
    path: '/invocations',
    contentType: 'application/json',
    body: (rides) => JSON.stringify({ dataframe_split: { columns: COLUMNS, data: rides.map((ride) => COLUMNS.map((c) => ride[c])) } }),
  },
  {
    name: 'MLflow: /invocations dataframe_records',
    path: '/invocations',
    contentType: 'application/json',
    body: (rides) => JSON.stringify({ dataframe_records: rides }),
  },
  {
    name: 'MLflow/SageMaker: /invocations text/csv',
    path: '/invocations',
    contentType: 'text/csv',
    body: (rides) => `${COLUMNS.join(',')}\n${rides.map((ride) => COLUMNS.map((c) => ride[c]).join(',')).join('\n')}\n`,
  },
];

/** A way to send `requests` requests of one protocol: in process, or over loopback HTTP. */
type Runner = (protocol: Protocol, bodies: readonly string[]) => Promise<void>;

/** The transport-neutral handler, sequentially: what a warm Lambda invocation costs in our code. */
function handlerRunner(deps: HttpDeps): Runner {
  return async (protocol, bodies) => {
    for (const body of bodies) {
      const request: HttpRequest = { method: 'POST', path: protocol.path, headers: { 'content-type': protocol.contentType }, body: Buffer.from(body) };
      const response = await handleHttpRequest(request, deps);
      if (response.statusCode !== 200) throw new Error(`${protocol.name} answered ${response.statusCode}: ${response.body}`);
    }
  };
}

/** A client in a child process, so its CPU is not the server's: posts the bodies (one JSON array in a file) over keep-alive. */
const CLIENT = `
const http = require('node:http');
const [url, contentType, file] = process.argv.slice(1);
const bodies = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function send(body) {
  return new Promise((done, fail) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? done() : fail(new Error('status ' + res.statusCode))));
    });
    req.on('error', fail);
    req.end(body);
  });
}
(async () => { for (const body of bodies) await send(body); agent.destroy(); })().catch((e) => { console.error(e.message); process.exit(1); });
`;

/** npm start's node:http server on loopback, one request at a time from a child client. */
async function serverRunner(deps: HttpDeps, scratch: string): Promise<{ run: Runner; close(): Promise<void> }> {
  const server = createHttpServer(deps);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let n = 0;
  return {
    run: async (protocol, bodies) => {
      const file = join(scratch, `bodies-${n++}.json`);
      writeFileSync(file, JSON.stringify(bodies));
      await promisify(execFile)(process.execPath, ['-e', CLIENT, `${base}${protocol.path}`, protocol.contentType, file]);
    },
    close: () => new Promise((closed) => server.close(() => closed())),
  };
}

interface Result {
  transport: string;
  rows: number;
  protocol: string;
  micros: number;
  /** median of per-round ratios to the course's /predict (rounds interleave the protocols, so load drifts cancel) */
  ratio: number;
}

/** Rounds that run every protocol once each on the same rides; CPU per request per protocol, and its ratio to /predict's. */
async function measure(
  transport: string,
  run: Runner,
  rows: number,
  requests: number,
  rounds: number,
  cpuOf: (work: () => Promise<void>) => Promise<number>,
): Promise<Result[]> {
  const rides = Array.from({ length: requests }, (_, r) => Array.from({ length: rows }, (_, i) => rideNumber(r * rows + i)));
  const bodies = PROTOCOLS.map((protocol) => rides.map((batch) => protocol.body(batch)));
  for (const [i, protocol] of PROTOCOLS.entries()) await run(protocol, (bodies[i] as string[]).slice(0, Math.max(1, requests >> 2))); // warm-up
  const samples = PROTOCOLS.map(() => [] as number[]);
  const ratios = PROTOCOLS.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    const micros: number[] = [];
    for (const [i, protocol] of PROTOCOLS.entries()) micros.push((await cpuOf(() => run(protocol, bodies[i] as string[]))) / requests);
    micros.forEach((value, i) => {
      samples[i]?.push(value);
      ratios[i]?.push(value / (micros[0] as number));
    });
  }
  return PROTOCOLS.map((protocol, i) => ({
    transport,
    rows,
    protocol: protocol.name,
    micros: median(samples[i] as number[]),
    ratio: median(ratios[i] as number[]),
  }));
}

/** Server CPU per request of each protocol, relative to the course's /predict, for 1 and 100 rides per request. */
export async function run(context: BenchContext): Promise<Section> {
  const set = createModelSet([(await shippedModels()).require('duration')]);
  const deps: HttpDeps = {
    getModels: () => Promise.resolve(set),
    dataplane: testDataplane(),
    maxBodyBytes: 1024 * 1024,
    maxRidesPerRequest: 10_000,
    onUnexpectedError: (error) => {
      throw error;
    },
  };
  const rounds = context.smoke ? 2 : 9;
  const sizes = context.smoke
    ? [
        { rows: 1, requests: 20 },
        { rows: 100, requests: 4 },
      ]
    : [
        { rows: 1, requests: 2_000 },
        { rows: 100, requests: 300 },
      ];
  const scratch = mkdtempSync(join(tmpdir(), 'bench-protocols-'));
  const server = await serverRunner(deps, scratch);
  const results: Result[] = [];
  try {
    for (const { rows, requests } of sizes) {
      context.log(`protocols: handler, ${rows} ride(s) per request`);
      results.push(...(await measure('handler in process', handlerRunner(deps), rows, requests, rounds, cpuMicros)));
      context.log(`protocols: node:http server, ${rows} ride(s) per request`);
      results.push(...(await measure('node:http server (npm start)', server.run, rows, requests, rounds, cpuMicros)));
    }
  } finally {
    await server.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  return {
    id: 'protocols',
    title: 'Protocols: CPU per request relative to /predict',
    method:
      "Process CPU time (`process.cpuUsage`, user + system, onnxruntime's threads included) per request, for the same rides scored by the same " +
      "model (`duration`, MODELS=duration) through each protocol's codec: the course's `POST /predict`, OIP v2 `infer` (one tensor per column), " +
      "MLflow's `/invocations` as `dataframe_split`, `dataframe_records` and CSV. Two transports: the transport-neutral handler in process " +
      "(`handleHttpRequest`: what a warm Lambda invocation runs), and npm start's node:http server on loopback with a client in a child " +
      `process (one request at a time, keep-alive; only the server's process is measured). Distinct rides per request, 1 and 100 rides per ` +
      `request. ${rounds} rounds each run every protocol once; figures are medians over rounds, the ratio the median of per-round ratios to /predict.`,
    tables: [
      {
        columns: ['transport', 'rides per request', 'protocol', 'CPU µs per request', 'relative to /predict'],
        rows: results.map((r) => [r.transport, r.rows, r.protocol, fmt(r.micros), `${fmt(r.ratio, 3)}×`]),
      },
    ],
    notes: [],
    targets: [],
    commands: ['npm run bench -- --only protocols'],
    data: { results },
  };
}
