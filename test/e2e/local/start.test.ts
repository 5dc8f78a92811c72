import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { COURSE_RIDE } from '../../support/fixtures';
import { LAUNCHER } from '../../support/local-programs';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * `npm start` runs lambda/local/launch.cjs: the server as the build recipe's bundle (rebuilt when a source
 * changed), not through tsx. This checks the launcher starts the real server from it.
 */
describe('npm start (lambda/local/launch.cjs server)', () => {
  it("runs the bundled server, which answers the course's ride with the default model and refuses a zone beyond 265", async () => {
    const child = spawn(process.execPath, [LAUNCHER, 'server'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', POWERTOOLS_LOG_LEVEL: 'INFO', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const port = await new Promise<number>((done, fail) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (match) done(Number(match[1]));
        });
        child.once('exit', (code) => fail(new Error(`npm start exited with ${code}: ${output}`)));
      });

      const response = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        body: JSON.stringify(COURSE_RIDE),
        headers: { 'content-type': 'application/json' },
      });
      const body = (await response.json()) as { duration: number };

      expect(response.status).toBe(200);
      expect(Number.isFinite(body.duration)).toBe(true);
      expect(child.spawnargs.slice(1, 3)).toEqual([LAUNCHER, 'server']);
      // TLC zones are 1–265: the shipped sidecars bound both ids, so a zone no map has is refused, by name.
      const nowhere = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        body: JSON.stringify({ ...COURSE_RIDE, PULocationID: 99999 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(nowhere.status).toBe(400);
      expect(((await nowhere.json()) as { error: string }).error).toMatch(/PULocationID must be ≤ 265/);
      // One trace id per request: the caller's comes back in traceparent; a ride_id rides along, and one of the wrong type is a 400 naming it.
      const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
      const traced = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        body: JSON.stringify({ ...COURSE_RIDE, ride_id: 42 }),
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-00` },
      });
      expect(traced.status).toBe(200);
      expect(traced.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
      const badId = await fetch(`http://127.0.0.1:${port}/predict`, {
        method: 'POST',
        body: JSON.stringify({ ...COURSE_RIDE, ride_id: { nested: true } }),
        headers: { 'content-type': 'application/json' },
      });
      expect(badId.status).toBe(400);
      expect(badId.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(await badId.json()).toMatchObject({ code: 'INVALID_RIDE', field: 'ride_id' });
      // The bundle serves the API description too (zod-to-openapi's zod extension must be in it).
      const openapi = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      expect(openapi.status).toBe(200);
      expect(((await openapi.json()) as { openapi: string }).openapi).toBe('3.1.0');
    } finally {
      child.kill('SIGTERM');
    }
  }, 60_000);
});
