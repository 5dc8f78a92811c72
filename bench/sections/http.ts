import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OnnxModel } from '../../lambda/model/runtimes/onnx/onnx-model';
import { batchOf } from '../../test/support/fixtures';
import type { Ride } from '../../lambda/rides/features';
import { localProgram } from '../build';
import { groupCpuSeconds } from '../load/process-cpu';
import { hasWrk, runAutocannon, runWrk, type LoadResult } from '../load/wrk';
import { GUNICORN, PYTHON_ENV, checkPeer, probeRides, trainPeer } from '../peers/peer';
import { COURSE_RIDE } from '../rides';
import { freePort, postJson, startServer, type RunningServer } from '../servers';
import type { BenchContext, Section, Table, TargetCheck } from '../section';
import { fmt, summarize } from '../stats';
import { RIDE_FEATURES } from '../../lambda/rides/features';

/** One server set-up under load: ours (1 process or a 2-worker cluster) or a gunicorn configuration. */
interface ServerConfig {
  id: string;
  /** reference: the bare node:http ceiling, not a contender */
  side: 'ours' | 'peer' | 'reference';
  label: string;
  keepAlive: string;
  start(): Promise<RunningServer>;
}

/** Medians over rounds for one configuration at one connection count. */
export interface HttpPoint {
  config: string;
  side: 'ours' | 'peer' | 'reference';
  label: string;
  keepAlive: string;
  connections: number;
  requestsPerSecond: number;
  rpsMin: number;
  rpsMax: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  /** server CPU (all its processes) per request, µs; undefined without /proc */
  cpuMicrosPerRequest?: number;
  rounds: number;
}

interface Measured extends LoadResult {
  cpuSeconds?: number;
}

export interface HttpData {
  tool: string;
  points: HttpPoint[];
  agreement?: { oursMatches: boolean; peerMatches: boolean; maxDifferenceMinutes: number; probes: number };
}

const HEALTH_OK = async (url: string) => (await fetch(url)).status === 200;

function ourConfigs(context: BenchContext, serverJs: string): ServerConfig[] {
  const start = (workers: number) => async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return startServer(`ours ×${workers}`, process.execPath, [serverJs], {
      cwd: context.root,
      url,
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        WEB_CONCURRENCY: String(workers),
        MODEL_LOCATION: join(context.root, 'models', 'model.onnx'),
        POWERTOOLS_LOG_LEVEL: 'WARN',
      },
      ready: () => HEALTH_OK(`${url}/health`),
    });
  };
  return [
    { id: 'ours-1', side: 'ours', label: 'ours, 1 process', keepAlive: 'yes', start: start(1) },
    { id: 'ours-2', side: 'ours', label: 'ours, cluster of 2 workers', keepAlive: 'yes', start: start(2) },
  ];
}

/** node:http doing nothing (bench/ceiling-server.ts): how fast any node:http server can be here. */
function ceilingConfig(context: BenchContext): ServerConfig {
  return {
    id: 'ceiling',
    side: 'reference',
    label: 'reference: bare node:http cluster of 2, no work (ceiling)',
    keepAlive: 'yes',
    async start() {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      return startServer('ceiling', process.execPath, ['--import', 'tsx', join(context.root, 'bench', 'ceiling-server.ts')], {
        cwd: context.root,
        url,
        env: { ...process.env, PORT: String(port), WEB_CONCURRENCY: '2' },
        ready: async () => (await postJson(`${url}/predict`, COURSE_RIDE)).status === 200,
      });
    },
  };
}

function peerConfigs(context: BenchContext, modelDir: string): ServerConfig[] {
  const start = (name: string, extra: string[]) => async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    return startServer(
      name,
      GUNICORN,
      [
        '--bind',
        `127.0.0.1:${port}`,
        '--chdir',
        modelDir,
        '--pythonpath',
        join(context.root, 'bench', 'peers'),
        '--log-level',
        'warning',
        ...extra,
        'predict:app',
      ],
      {
        cwd: modelDir,
        url,
        env: { ...process.env, ...PYTHON_ENV },
        ready: async () => (await postJson(`${url}/predict`, COURSE_RIDE)).status === 200,
      },
    );
  };
  // Sync workers answer one request per connection and close it (gunicorn's sync worker has
  // no keep-alive); gthread keeps connections open, the peer's best case on this machine. The
  // first row is the course's own command, `gunicorn --bind=0.0.0.0:9696 predict:app`: gunicorn's
  // defaults, one sync worker (bound to loopback here, on a free port).
  return [
    {
      id: 'peer-1',
      side: 'peer',
      label: 'course, as it runs: `gunicorn --bind=0.0.0.0:9696 predict:app` (1 sync worker, the default)',
      keepAlive: 'no (sync worker closes)',
      start: start('gunicorn (course)', []),
    },
    {
      id: 'peer-2',
      side: 'peer',
      label: 'course: gunicorn, 2 sync workers',
      keepAlive: 'no (sync worker closes)',
      start: start('gunicorn 2', ['--workers', '2']),
    },
    {
      id: 'peer-2t',
      side: 'peer',
      label: 'course: gunicorn, 2 gthread workers × 4 threads',
      keepAlive: 'yes (5 s)',
      start: start('gunicorn 2 gthread', ['--workers', '2', '--worker-class', 'gthread', '--threads', '4', '--keep-alive', '5']),
    },
  ];
}

/** Every probe through HTTP must equal what the same model predicts in process. */
async function checkAgreement(servers: Map<string, RunningServer>, configs: ServerConfig[], probes: Ride[], ours: number[], peer: number[] | undefined) {
  let oursMatches = true;
  let peerMatches = true;
  let maxDifference = 0;
  for (const config of configs) {
    if (config.side === 'reference') continue;
    const server = servers.get(config.id) as RunningServer;
    const expected = config.side === 'ours' ? ours : (peer as number[]);
    for (const [i, ride] of probes.entries()) {
      const { status, body } = await postJson(`${server.url}/predict`, ride);
      const got = (body as { duration?: unknown } | undefined)?.duration;
      const want = expected[i] as number;
      const ok = status === 200 && typeof got === 'number' && Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want));
      if (!ok && config.side === 'ours') oursMatches = false;
      if (!ok && config.side === 'peer') peerMatches = false;
    }
  }
  if (peer) for (const [i, want] of ours.entries()) maxDifference = Math.max(maxDifference, Math.abs(want - (peer[i] as number)));
  return { oursMatches, peerMatches, maxDifferenceMinutes: maxDifference, probes: probes.length };
}

export async function run(context: BenchContext): Promise<Section> {
  const notes: string[] = [];
  const peer = await checkPeer();
  if (!peer.available) notes.push(`Peer not measured: ${peer.reason}. Ours is measured alone.`);
  const useWrk = await hasWrk();
  if (!useWrk) notes.push('wrk is not installed; autocannon (in the benchmark process, sharing the CPU) generated the load. Install wrk for fair figures.');
  const load = useWrk ? runWrk : runAutocannon;

  const probes = probeRides(context.smoke);
  const model = await OnnxModel.fromBytes(new Uint8Array(readFileSync(join(context.root, 'models', 'model.onnx'))));
  const oursExpected = Array.from(await model.run([RIDE_FEATURES.apply(batchOf(probes), model.inputs)]));
  context.log('http: bundling the server');
  const serverJs = localProgram('server');
  let configs = ourConfigs(context, serverJs);
  let peerExpected: number[] | undefined;
  if (peer.available) {
    context.log('http: training the course model on the same generated rows');
    const trained = await trainPeer(context);
    peerExpected = trained.expected;
    configs = interleave(configs, peerConfigs(context, trained.modelDir));
  }
  configs.push(ceilingConfig(context));
  if (context.smoke) configs = configs.filter((c) => c.id === 'ours-1' || c.id === 'peer-1');

  const servers = new Map<string, RunningServer>();
  try {
    for (const config of configs) servers.set(config.id, await config.start());
    const agreement = await checkAgreement(servers, configs, probes, oursExpected, peerExpected);
    const connections = context.smoke ? [1, 16] : [1, 16, 64];
    const rounds = context.smoke ? 1 : 3;
    const seconds = context.smoke ? 1 : 5;
    const results = new Map<string, Measured[]>();
    for (const config of configs) {
      // Warm-up: JIT, every gunicorn/cluster worker up, connection pools.
      const server = servers.get(config.id) as RunningServer;
      await load({
        url: `${server.url}/predict`,
        body: JSON.stringify(COURSE_RIDE),
        connections: 16,
        seconds: context.smoke ? 1 : 2,
        workDir: context.workDir,
      });
    }
    const body = JSON.stringify(COURSE_RIDE);
    for (let round = 0; round < rounds; round++) {
      for (const c of connections) {
        for (const config of configs) {
          const server = servers.get(config.id) as RunningServer;
          context.log(`http: round ${round + 1}/${rounds}, ${c} connections, ${config.label}`);
          const group = server.process.pid as number;
          const cpuBefore = groupCpuSeconds(group);
          const loaded = await load({ url: `${server.url}/predict`, body, connections: c, seconds, workDir: context.workDir });
          const cpuAfter = groupCpuSeconds(group);
          const result: Measured = { ...loaded, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
          const key = `${config.id}@${c}`;
          results.set(key, [...(results.get(key) ?? []), result]);
          await sleep(context.smoke ? 100 : 1000); // let closed connections drain before the next side
        }
      }
    }
    const points = aggregate(configs, connections, results);
    const data: HttpData = { tool: useWrk ? 'wrk' : 'autocannon', points, agreement };
    return {
      id: 'http',
      title: "HTTP: ours vs the course's Flask + gunicorn",
      method: httpMethod(useWrk, rounds, seconds, connections),
      tables: httpTables(points, connections),
      notes: [...notes, ...agreementNotes(agreement, peer.available)],
      targets: httpTargets(points),
      commands: [
        'npm run bench -- --only http',
        `wrk -t1 -c<connections> -d${seconds}s --timeout 5s --latency -s post.lua http://127.0.0.1:<port>/predict   # post.lua POSTs ${body}`,
        'node bench/results/work/server.js   # with WEB_CONCURRENCY=1|2, MODEL_LOCATION=models/model.onnx',
        "gunicorn --bind 127.0.0.1:<port> [--workers 2 [--worker-class gthread --threads 4 --keep-alive 5]] --chdir bench/results/work/peer --pythonpath bench/peers predict:app   # no options: the course's own command, 1 sync worker",
      ],
      data,
    };
  } finally {
    for (const server of servers.values()) await server.stop();
  }
}

function interleave<T>(a: T[], b: T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i < a.length) out.push(a[i] as T);
    if (i < b.length) out.push(b[i] as T);
  }
  return out;
}

function aggregate(configs: ServerConfig[], connections: number[], results: Map<string, Measured[]>): HttpPoint[] {
  const points: HttpPoint[] = [];
  for (const config of configs) {
    for (const c of connections) {
      const runs = results.get(`${config.id}@${c}`) ?? [];
      if (runs.length === 0) continue;
      const rps = summarize(runs.map((r) => r.requestsPerSecond));
      points.push({
        config: config.id,
        side: config.side,
        label: config.label,
        keepAlive: config.keepAlive,
        connections: c,
        requestsPerSecond: rps.median,
        rpsMin: rps.min,
        rpsMax: rps.max,
        p50Ms: summarize(runs.map((r) => r.p50Ms)).median,
        p99Ms: summarize(runs.map((r) => r.p99Ms)).median,
        errors: runs.reduce((sum, r) => sum + r.errors, 0),
        cpuMicrosPerRequest: runs.every((r) => r.cpuSeconds !== undefined)
          ? summarize(runs.map((r) => ((r.cpuSeconds as number) * 1e6) / Math.max(1, r.requests))).median
          : undefined,
        rounds: runs.length,
      });
    }
  }
  return points;
}

/** The peer's best configuration: its highest req/s at any connection count. */
export function peerBest(points: HttpPoint[]): HttpPoint | undefined {
  return points.filter((p) => p.side === 'peer').sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
}

function httpTables(points: HttpPoint[], connections: number[]): Table[] {
  const best = peerBest(points);
  return connections.map((c) => {
    const atC = points.filter((p) => p.connections === c);
    const peerAtC = atC.filter((p) => p.side === 'peer').sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
    return {
      caption: `${c} connection${c === 1 ? '' : 's'}`,
      columns: [
        'server',
        'keep-alive',
        'req/s median (min–max)',
        'p50 ms',
        'p99 ms',
        'errors',
        'server CPU µs/req',
        '× best peer here',
        "× peer's best overall",
      ],
      rows: atC.map((p) => [
        p.label,
        p.keepAlive,
        `${fmt(p.requestsPerSecond)} (${fmt(p.rpsMin)}–${fmt(p.rpsMax)})`,
        fmt(p.p50Ms),
        fmt(p.p99Ms),
        p.errors,
        p.cpuMicrosPerRequest === undefined ? 'n/a' : fmt(p.cpuMicrosPerRequest),
        peerAtC ? `${fmt(p.requestsPerSecond / peerAtC.requestsPerSecond)}×` : '—',
        best ? `${fmt(p.requestsPerSecond / best.requestsPerSecond)}×` : '—',
      ]),
    };
  });
}

function bestOurs(points: HttpPoint[], connections: number, by: 'rps' | 'p50'): HttpPoint | undefined {
  const ours = points.filter((p) => p.side === 'ours' && p.connections === connections);
  return ours.sort((a, b) => (by === 'rps' ? b.requestsPerSecond - a.requestsPerSecond : a.p50Ms - b.p50Ms))[0];
}

/** Issue 23's web-path target: server CPU per request at 16 connections, in this harness. */
const CPU_TARGET_MICROS = 40;

/** …and at least this many times less CPU per request than the course's app run as the course runs it. */
const LESS_CPU_THAN_COURSE = 12;

function httpTargets(points: HttpPoint[]): TargetCheck[] {
  const targets: TargetCheck[] = [];
  const at16 = points.find((p) => p.side === 'ours' && p.connections === 16 && p.label.includes('cluster of 2'));
  const single16 = points.find((p) => p.side === 'ours' && p.connections === 16 && p.label.includes('1 process'));
  const ceiling = points.find((p) => p.side === 'reference' && p.connections === 16);
  const course16 = points.find((p) => p.config === 'peer-1' && p.connections === 16);
  if (at16?.cpuMicrosPerRequest !== undefined) {
    const ours = at16.cpuMicrosPerRequest;
    const floor = ceiling?.cpuMicrosPerRequest;
    const share = ceiling
      ? ` (req/s ${fmt(at16.requestsPerSecond)}, ${fmt((100 * at16.requestsPerSecond) / ceiling.requestsPerSecond)} % of the bare node:http cluster's ${fmt(ceiling.requestsPerSecond)})`
      : '';
    targets.push({
      name: 'HTTP, 16 connections, WEB_CONCURRENCY=2: server CPU per request (all server processes, from /proc)',
      target: `≤ ${CPU_TARGET_MICROS} µs`,
      measured: `${fmt(ours)} µs${share}${single16?.cpuMicrosPerRequest === undefined ? '' : `; 1 process: ${fmt(single16.cpuMicrosPerRequest)} µs`}`,
      met: ours <= CPU_TARGET_MICROS,
      note:
        ours > CPU_TARGET_MICROS && floor !== undefined
          ? `bounded by node:http itself: a cluster of 2 answering a fixed JSON with no work spends ${fmt(floor)} µs per request in the same run (parsing, the socket writes), leaving ${fmt(Math.max(0, CPU_TARGET_MICROS - floor))} µs for reading the body, validation, the ONNX run, the reply and its GC; ours spends ${fmt(ours - floor)} µs on them`
          : undefined,
    });
  }
  if (at16?.cpuMicrosPerRequest !== undefined && course16?.cpuMicrosPerRequest !== undefined) {
    const less = course16.cpuMicrosPerRequest / at16.cpuMicrosPerRequest;
    targets.push({
      name: "HTTP, 16 connections: server CPU per request vs the course's app as it runs (`gunicorn --bind=0.0.0.0:9696 predict:app`, 1 sync worker)",
      target: `≥ ${LESS_CPU_THAN_COURSE}× less`,
      measured: `${fmt(at16.cpuMicrosPerRequest)} vs ${fmt(course16.cpuMicrosPerRequest)} µs (${fmt(less)}× less); req/s ${fmt(at16.requestsPerSecond)} vs ${fmt(course16.requestsPerSecond)}`,
      met: less >= LESS_CPU_THAN_COURSE,
      note:
        less < LESS_CPU_THAN_COURSE
          ? `${LESS_CPU_THAN_COURSE}× less needs ≤ ${fmt(course16.cpuMicrosPerRequest / LESS_CPU_THAN_COURSE)} µs per request here`
          : undefined,
    });
  }
  if (at16) {
    targets.push({
      name: 'HTTP, 16 connections: p99',
      target: '≤ 5 ms',
      measured: `${fmt(at16.p99Ms)} ms (${at16.label}; p50 ${fmt(at16.p50Ms)} ms)`,
      met: at16.p99Ms <= 5,
      note: at16.p99Ms > 5 ? 'the tail is set by scheduling: 16 connections, two server processes and wrk on 2 cores' : undefined,
    });
  }
  const at1 = bestOurs(points, 1, 'p50');
  if (at1) {
    targets.push({
      name: 'HTTP, 1 connection: p50',
      target: '≤ 0.2 ms',
      measured: `${fmt(at1.p50Ms)} ms (${at1.label})`,
      met: at1.p50Ms <= 0.2,
      note: at1.cpuMicrosPerRequest === undefined ? undefined : `server CPU per request at 1 connection: ${fmt(at1.cpuMicrosPerRequest)} µs`,
    });
  }
  return targets;
}

function httpMethod(useWrk: boolean, rounds: number, seconds: number, connections: number[]): string {
  return (
    `${useWrk ? 'wrk (one thread)' : 'autocannon'} POSTs the course's ride \`${JSON.stringify(COURSE_RIDE)}\` to \`/predict\` for ${seconds} s per run, ` +
    `at ${connections.join(', ')} connections, against each server in turn (ours and the course's alternate within every round), ${rounds} round${rounds === 1 ? '' : 's'}; ` +
    'figures are the median over rounds (req/s also min–max), errors are summed (socket errors, timeouts, non-2xx). ' +
    "Server CPU per request is the user + system time of all the server's processes during the run (from /proc) over the requests served: " +
    'steadier than req/s when other work shares the machine. ' +
    "Load generator and servers share the machine's 2 cores. Ours is `lambda/local/server.ts` bundled by esbuild and run by node; " +
    "the course's is bench/peers/predict.py under gunicorn, its model trained by bench/peers/train.py on the same generated rows as ours."
  );
}

function agreementNotes(agreement: HttpData['agreement'], peerAvailable: boolean): string[] {
  if (!agreement) return [];
  const notes = [
    `Before loading, ${agreement.probes} rides (the course's and ${agreement.probes - 1} from the training month) were sent to every server: ` +
      `ours ${agreement.oursMatches ? 'returned' : 'did NOT return'} exactly what its model predicts in process (float32 tolerance)` +
      (peerAvailable ? `; the course's ${agreement.peerMatches ? 'returned' : 'did NOT return'} what its pickled model predicts in process.` : '.'),
  ];
  if (peerAvailable) {
    notes.push(
      `The two models are fitted on the same rows by different solvers (ours: ridge 1e-6 + conjugate gradient, exported as float32; ` +
        `scikit-learn: LinearRegression's sparse lsqr), so they agree closely but not bit for bit: largest difference on these rides ${fmt(agreement.maxDifferenceMinutes)} min.`,
    );
  }
  return notes;
}
