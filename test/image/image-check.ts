/**
 * `npm run image:check`: builds the Dockerfile's image with buildah (no daemon: chroot isolation),
 * runs it as a container runtime would, and prints one line per check; exits 1 if any failed.
 *
 *   npm run image:check                              # the Dockerfile, layer cache on
 *   npm run image:check -- --no-cache                # a cold build
 *   npm run image:check -- --dockerfile other/Dockerfile
 *
 * Checks: the image builds; its layers over the base weigh at most 150 MB; its node_modules holds
 * production packages only, with one platform's onnxruntime binary; it runs as a non-root USER
 * (uid and capabilities read from /proc), with node as PID 1; it serves on the PORT it is given
 * with its own HOST; /health answers 200 and so does its HEALTHCHECK command; the course's ride
 * gets a numeric duration and a model version; SIGTERM with a request in flight answers that
 * request, publishes its metrics, writes its capture record and exits 0 within 5 s. Then, as
 * SageMaker runs a model container (`docker run <image> serve`): it listens on 8080 (or
 * SAGEMAKER_BIND_TO_PORT when 8080 is taken on this machine), /ping answers 200, /invocations
 * scores a JSON and a CSV frame with the numbers /predict gives, and SIGTERM stops it.
 *
 * Needs root, buildah and debootstrap (`apt-get install -y buildah debootstrap`). The base image
 * comes from test/image/base-image.sh (Docker Hub, or a stand-in built from Debian and npm).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { COURSE_RIDE } from '../support/fixtures';
import { startInFlightPost } from '../support/in-flight-request';
import { freePort } from '../support/loopback';
import { createServer } from 'node:net';
import { inspectImage, listedSize, procStatus, run, type ImageConfig, type ImageFacts } from './buildah';
import { imageUser, runImage, type ImageUser, type RunningImage } from './run-image';

const ROOT = resolve(__dirname, '..', '..');
const BASE = 'docker.io/library/node:22-bookworm-slim';
const IMAGE = 'localhost/ride-duration:check';
const CONTAINER = 'ride-duration-check';
const BUILD_LOG = join(ROOT, '.cache', 'image', 'build.log');
const LAYERS_GOAL_MB = 150;
const STOP_WITHIN_MS = 5_000;
const MB = 1_000_000;

let failures = 0;

/** Prints one check's line. */
function report(name: string, ok: boolean, detail: string): void {
  if (!ok) failures++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** Builds `dockerfile` into {@link IMAGE}; false (with the build log's end printed) when it fails. */
function build(dockerfile: string, noCache: boolean): boolean {
  const started = performance.now();
  const previous = imageId(IMAGE);
  mkdirSync(dirname(BUILD_LOG), { recursive: true });
  // --force-rm: a failed step's working container is removed too (buildah keeps it otherwise).
  const args = ['bud', '--isolation', 'chroot', '--pull=never', '--format', 'docker', '--layers', '--force-rm', '-f', dockerfile, '-t', IMAGE];
  if (noCache) args.push('--no-cache');
  // The build stage trusts what this machine trusts (a TLS-inspecting proxy's CA, for one).
  const caBundle = process.env.NODE_EXTRA_CA_CERTS ?? '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(caBundle)) args.push('--secret', `id=ca,src=${caBundle}`);
  const result = spawnSync('sh', ['-c', `buildah "$@" >"${BUILD_LOG}" 2>&1`, 'buildah', ...args, ROOT], { stdio: 'inherit' });
  if (result.status !== 0) {
    const log = readFileSync(BUILD_LOG, 'utf8').trim().split('\n');
    report(
      'build',
      false,
      `buildah bud failed after ${seconds(started)}; the log's end (all of it in ${relative(ROOT, BUILD_LOG)}):\n    ${log.slice(-12).join('\n    ')}`,
    );
    return false;
  }
  report(
    'build',
    true,
    `${dockerfile.startsWith(ROOT) ? relative(ROOT, dockerfile) : dockerfile} built in ${seconds(started)}${noCache ? ' (no cache)' : ' (layer cache on)'}`,
  );
  // The previous build's image, now untagged, unless a container still uses it.
  if (previous && previous !== imageId(IMAGE)) spawnSync('buildah', ['rmi', previous], { stdio: 'ignore' });
  return true;
}

function imageId(image: string): string | undefined {
  const result = spawnSync('buildah', ['images', '--quiet', '--no-trunc', image], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim().split('\n')[0] : undefined;
}

/** The layers the Dockerfile added: those not in the base image. */
function checkSize(image: ImageFacts, base: ImageFacts): void {
  const baseLayers = new Set(base.layers.map((layer) => layer.diffId));
  const added = image.layers.filter((layer) => !baseLayers.has(layer.diffId));
  const addedMb = added.reduce((sum, layer) => sum + layer.bytes, 0) / MB;
  report(
    'size',
    addedMb <= LAYERS_GOAL_MB,
    `${added.length} layer(s), ${addedMb.toFixed(1)} MB over the base (goal ≤ ${LAYERS_GOAL_MB} MB); image ${listedSize(IMAGE)}, base ${listedSize(BASE)}`,
  );
}

/** Package directories under `dir`'s node_modules, recursively, as paths relative to `appDir`. */
function installedPackages(appDir: string, dir = appDir): string[] {
  const modules = join(dir, 'node_modules');
  if (!existsSync(modules)) return [];
  const packages: string[] = [];
  for (const entry of readdirSync(modules).filter((name) => !name.startsWith('.'))) {
    const names = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`) : [entry];
    for (const name of names) {
      packages.push(relative(appDir, join(modules, name)));
      packages.push(...installedPackages(appDir, join(modules, name)));
    }
  }
  return packages;
}

/**
 * node_modules in the image (at /app and beside the bundle in /app/dist, where the build recipe
 * puts onnxruntime): only packages the lockfile marks as production, one onnxruntime platform.
 */
function checkContents(rootfs: string, config: ImageConfig): void {
  const appDir = join(rootfs, config.WorkingDir ?? '/');
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const roots = [appDir, join(appDir, 'dist')].filter((dir) => existsSync(join(dir, 'node_modules')));
  // Each path relative to its own node_modules' parent: the lockfile's key for that package.
  const packages = roots.flatMap((dir) => installedPackages(dir));
  const notProduction = packages.filter((path) => lock.packages[path]?.dev === true);
  const unknown = packages.filter((path) => lock.packages[path] === undefined);
  report(
    'no dev dependencies',
    packages.length > 0 && notProduction.length === 0 && unknown.length === 0,
    notProduction.length + unknown.length === 0
      ? `node_modules holds ${packages.length} production package(s): ${sample(packages) || 'none'}`
      : `${notProduction.length} dev-only package(s) (${sample(notProduction)}), ${unknown.length} not in the lockfile (${sample(unknown)})`,
  );
  const binaries = roots.flatMap((dir) => {
    const platforms = join(dir, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6');
    return existsSync(platforms) ? readdirSync(platforms).flatMap((os) => readdirSync(join(platforms, os)).map((arch) => `${os}/${arch}`)) : [];
  });
  report('one onnxruntime binary', binaries.length === 1, `onnxruntime-node/bin/napi-v6 holds ${binaries.join(', ') || 'nothing'}`);
}

/** Up to six package names from node_modules paths. */
const sample = (paths: string[]) =>
  paths
    .slice(0, 6)
    .map((path) => path.replace(/^.*node_modules\//, ''))
    .join(', ') + (paths.length > 6 ? ', …' : '');

/** What the configuration of the image promises: a non-root USER, HOST and PORT in its ENV. */
function checkConfig(config: ImageConfig, user: ImageUser): void {
  report('non-root user', user.uid !== 0, `USER ${config.User ?? '(none: root)'} is uid ${user.uid}`);
  const env = new Map((config.Env ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
  report('environment', env.get('HOST') === '0.0.0.0' && env.has('PORT'), `ENV HOST=${env.get('HOST') ?? '(unset)'} PORT=${env.get('PORT') ?? '(unset)'}`);
}

/** The running container: who runs it, what it answers, how it stops. A route the image must serve is one more request and report() here. */
async function checkRunning(running: RunningImage, config: ImageConfig, user: ImageUser, port: number, captureDir: string): Promise<void> {
  const status = procStatus(running.initPid);
  const uids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/) ?? [];
  const capabilities = /^CapEff:\s+(\S+)$/m.exec(status)?.[1];
  report(
    'runs as the image user',
    uids.length === 4 && uids.every((uid) => Number(uid) === user.uid) && user.uid !== 0 && /^0+$/.test(capabilities ?? ''),
    `process uid ${uids.join('/')} (${user.name}), effective capabilities ${capabilities}`,
  );
  report(
    'node is PID 1',
    /^Name:\s+node$/m.test(status),
    `PID 1 of the container's PID namespace is ${/^Name:\s+(\S+)$/m.exec(status)?.[1]} (host pid ${running.initPid})`,
  );
  const listening = running.lines.find((line) => line.message?.startsWith('listening on'));
  report('listens on PORT', listening?.port === port, `${listening?.message} (PORT=${port} given at run)`);

  const health = await fetch(`http://127.0.0.1:${port}/health`);
  report('/health', health.status === 200, `${health.status} ${await health.text()}`);
  checkHealthcheck(config, port);

  const answer = await fetch(`http://127.0.0.1:${port}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(COURSE_RIDE),
  });
  const body = (await answer.json()) as { duration?: unknown; model_version?: unknown };
  const courseOk =
    answer.status === 200 &&
    typeof body.duration === 'number' &&
    Number.isFinite(body.duration) &&
    typeof body.model_version === 'string' &&
    body.model_version.length > 0;
  report(
    'course request',
    courseOk,
    `POST /predict ${JSON.stringify(COURSE_RIDE)} → ${answer.status} duration ${String(body.duration)}, model_version ${String(body.model_version)}`,
  );

  await checkStop(running, port, captureDir);
}

/** Runs the image's HEALTHCHECK command inside the container, as Docker would (its user, its ENV). */
function checkHealthcheck(config: ImageConfig, port: number): void {
  const [kind, ...command] = config.Healthcheck?.Test ?? [];
  if (kind !== 'CMD' && kind !== 'CMD-SHELL') {
    report('HEALTHCHECK', false, 'the image has no HEALTHCHECK (or it was dropped: OCI format keeps none)');
    return;
  }
  const argv = kind === 'CMD' ? command : ['/bin/sh', '-c', command.join(' ')];
  const result = spawnSync('buildah', ['run', '--isolation', 'chroot', '-e', `PORT=${port}`, CONTAINER, '--', ...argv], { encoding: 'utf8' });
  report('HEALTHCHECK', result.status === 0, `${argv.join(' ').slice(0, 90)}… exited ${result.status}`);
}

/** SIGTERM to PID 1 with a request in flight, as `docker stop` does. */
async function checkStop(running: RunningImage, port: number, captureDir: string): Promise<void> {
  const inFlight = await startInFlightPost(port, '/predict', JSON.stringify(COURSE_RIDE));
  const signalled = performance.now();
  process.kill(running.initPid, 'SIGTERM');
  const stopping = await running
    .waitFor((line) => line.message === 'shutting down', STOP_WITHIN_MS)
    .then(
      () => true,
      () => false,
    );
  const answer = await inFlight.finish().catch((error: Error) => ({ status: 0, body: error.message, connection: undefined }));
  const answered = answer.status === 200 && Number.isFinite((JSON.parse(answer.status === 200 ? answer.body : '{}') as { duration?: number }).duration);
  report('in-flight request', stopping && answered, `sent before SIGTERM, finished after "shutting down": ${answer.status} ${answer.body.slice(0, 80)}`);

  const deadline = new Promise<'late'>((done) => setTimeout(() => done('late'), 2 * STOP_WITHIN_MS).unref());
  const code = await Promise.race([running.exited, deadline]);
  const stoppedMs = performance.now() - signalled;
  if (code === 'late') process.kill(running.initPid, 'SIGKILL');
  report(
    'SIGTERM stop',
    code === 0 && stoppedMs <= STOP_WITHIN_MS,
    code === 'late'
      ? `still running ${2 * STOP_WITHIN_MS} ms after SIGTERM (killed)`
      : `exit ${code} ${Math.round(stoppedMs)} ms after SIGTERM (goal ≤ ${STOP_WITHIN_MS} ms)`,
  );

  const predictions = running.lines
    .filter((line) => line._aws !== undefined && line.model === 'duration')
    .reduce((sum, line) => sum + (line.Predictions ?? 0), 0);
  report('metrics flushed', predictions === 2, `the EMF records printed count ${predictions} duration predictions (2 made, the in-flight one included)`);
  const captured = (readdirSync(captureDir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(join(captureDir, file), 'utf8').split('\n').filter(Boolean));
  report(
    'capture flushed',
    captured.length === 2,
    `${captured.length} capture record(s) written at exit (2 predictions made; CAPTURE_FLUSH_INTERVAL_MS=0 leaves it all to the shutdown)`,
  );
}

/** Whether nothing listens on `port` of this machine (buildah's chroot isolation shares the host's network). */
async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((done) => {
    server.once('error', () => done(false));
    server.listen(port, '0.0.0.0', () => server.close(() => done(true)));
  });
}

/** The image as SageMaker runs it: `docker run <image> serve`, then /ping and /invocations, then SIGTERM. */
async function checkSageMaker(config: ImageConfig, user: ImageUser): Promise<void> {
  const port = (await isFree(8080)) ? 8080 : await freePort();
  const env: Record<string, string> = port === 8080 ? {} : { SAGEMAKER_BIND_TO_PORT: String(port) };
  const running = await runImage(CONTAINER, config, user, env, {}, ['serve']);
  try {
    await running.waitFor((line) => line.message === 'ready' || line.level === 'ERROR', 60_000);
    const listening = running.lines.find((line) => line.message?.startsWith('listening on'));
    report(
      'serve (SageMaker)',
      listening?.port === port,
      `\`${[...(config.Entrypoint ?? []), 'serve'].join(' ')}\` ${listening?.message}${port === 8080 ? " (SageMaker's port)" : ` (SAGEMAKER_BIND_TO_PORT=${port}: 8080 is taken on this machine)`}`,
    );
    const ping = await fetch(`http://127.0.0.1:${port}/ping`);
    report('/ping', ping.status === 200, `GET /ping → ${ping.status} ${JSON.stringify(await ping.text())}`);
    const rides = [COURSE_RIDE, { PULocationID: 130, DOLocationID: 205, trip_distance: 3.66 }];
    const expected = (await (
      await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rides) })
    ).json()) as Record<string, unknown>[];
    const columns = Object.keys(COURSE_RIDE) as (keyof typeof COURSE_RIDE)[];
    const frames = {
      'application/json': JSON.stringify({ dataframe_split: { columns, data: rides.map((ride) => columns.map((column) => ride[column])) } }),
      'text/csv': `${columns.join(',')}\n${rides.map((ride) => columns.map((column) => ride[column]).join(',')).join('\n')}\n`,
    };
    for (const [contentType, body] of Object.entries(frames)) {
      const answer = await fetch(`http://127.0.0.1:${port}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body });
      const { predictions } = (await answer.json()) as { predictions?: Record<string, number>[] };
      const same =
        predictions?.every((row, i) => Object.entries(row).every(([model, value]) => expected[i]?.[model] === value) && Object.keys(row).length > 0) === true;
      report(
        `/invocations (${contentType})`,
        answer.status === 200 && same,
        `${answer.status} ${JSON.stringify(predictions)}${same ? ', as POST /predict answers' : `, but POST /predict answers ${JSON.stringify(expected)}`}`,
      );
    }
    process.kill(running.initPid, 'SIGTERM');
    const code = await Promise.race([running.exited, new Promise<'late'>((done) => setTimeout(() => done('late'), 2 * STOP_WITHIN_MS).unref())]);
    report('serve: SIGTERM stop', code === 0, code === 'late' ? 'still running after SIGTERM (killed)' : `exit ${code}`);
  } finally {
    if (running.isRunning()) process.kill(running.initPid, 'SIGKILL');
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const { values } = parseArgs({
    options: { dockerfile: { type: 'string', default: join(ROOT, 'Dockerfile') }, 'no-cache': { type: 'boolean', default: false } },
  });
  if (process.getuid?.() !== 0 || spawnSync('buildah', ['--version']).status !== 0) {
    console.error('image:check needs root and buildah (apt-get install -y buildah debootstrap)');
    process.exit(2);
  }
  const baseStarted = performance.now();
  if (spawnSync(join(__dirname, 'base-image.sh'), { stdio: 'inherit' }).status !== 0) {
    report('base image', false, `test/image/base-image.sh failed after ${seconds(baseStarted)}`);
    process.exit(1);
  }
  console.log(`     (base image ready in ${seconds(baseStarted)})`);
  if (!build(resolve(values.dockerfile), values['no-cache'])) process.exit(1);

  const image = inspectImage(IMAGE);
  checkSize(image, inspectImage(BASE));
  spawnSync('buildah', ['rm', CONTAINER], { stdio: 'ignore' }); // left by an interrupted run
  run('buildah', ['from', '--pull=never', '--name', CONTAINER, IMAGE]);
  const captureDir = mkdtempSync(join(tmpdir(), 'image-check-capture-'));
  let running: RunningImage | undefined;
  try {
    checkContents(run('buildah', ['mount', CONTAINER]).trim(), image.config);
    run('buildah', ['umount', CONTAINER]);
    const user = imageUser(CONTAINER, image.config);
    checkConfig(image.config, user);
    chownSync(captureDir, user.uid, user.gid);
    const port = await freePort();
    const runStarted = performance.now();
    running = await runImage(
      CONTAINER,
      image.config,
      user,
      { PORT: String(port), CAPTURE_LOCATION: '/capture', CAPTURE_FLUSH_INTERVAL_MS: '0' },
      { [captureDir]: '/capture' },
    );
    const ready = await running.waitFor((line) => line.message === 'ready' || line.level === 'ERROR', 60_000);
    if (ready.level === 'ERROR') throw new Error(`the server logged an error instead of ready: ${ready.message} ${ready.error?.message ?? ''}`);
    console.log(`     (container listening and models loaded ${seconds(runStarted)} after buildah run)`);
    await checkRunning(running, image.config, user, port, captureDir);
    await checkSageMaker(image.config, user);
  } catch (error) {
    report('run', false, error instanceof Error ? error.message : String(error));
  } finally {
    if (running?.isRunning()) process.kill(running.initPid, 'SIGKILL');
    spawnSync('buildah', ['rm', CONTAINER], { stdio: 'ignore' });
    rmSync(captureDir, { recursive: true, force: true });
  }
  console.log(`image:check: ${failures === 0 ? 'all checks passed' : `${failures} check(s) failed`} in ${seconds(started)}`);
  process.exit(failures === 0 ? 0 : 1);
}

void main();
