import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundlePredictAsset } from '../../infra/bundling';
import { hostArchitecture } from '../support/bundled-asset';
import { COST_MODEL_PATH, DEFAULT_MODEL_PATH } from '../support/fixtures';
import { scratchDirectory } from '../support/trip-fixtures';

const exec = promisify(execFile);

/**
 * The asset's entry (lambda/entry.mts) awaits the models at the top level, so Lambda's init
 * phase ends only once they are loaded: importing index.mjs must not resolve before both "model
 * loaded" lines, and the first invocation then answers without loading anything.
 */
describe('the Lambda asset loads its models during init', () => {
  const dir = scratchDirectory();
  afterAll(() => dir.remove());

  it('resolves the import of index.mjs only after every model has loaded; the first request loads nothing more', async () => {
    const asset = join(dir.path, 'asset');
    bundlePredictAsset(asset, hostArchitecture());
    const script = `
      import(${JSON.stringify(pathToFileURL(join(asset, 'index.mjs')).href)}).then(async ({ handler }) => {
        console.log('IMPORTED');
        const event = { version: '2.0', rawPath: '/predict', rawQueryString: '', headers: { 'content-type': 'application/json' },
          requestContext: { http: { method: 'POST', path: '/predict' }, requestId: 'r' }, isBase64Encoded: false,
          body: JSON.stringify({ PULocationID: 10, DOLocationID: 50, trip_distance: 40 }) };
        const reply = await handler(event);
        console.log('REPLIED ' + reply.statusCode);
      });`;
    const env = {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      MODELS: `duration=${DEFAULT_MODEL_PATH},cost=${COST_MODEL_PATH}`,
    };
    const { stdout } = await exec(process.execPath, ['-e', script], { cwd: asset, env, timeout: 60_000 });
    const lines = stdout.split('\n');
    const at = (predicate: (line: string) => boolean): number[] => lines.flatMap((line, i) => (predicate(line) ? [i] : []));
    const loaded = at((line) => line.includes('"model loaded"'));
    const [imported] = at((line) => line === 'IMPORTED');

    expect(loaded).toHaveLength(2);
    expect(imported).toBeDefined();
    expect(Math.max(...loaded)).toBeLessThan(imported as number);
    expect(lines).toContain('REPLIED 200');
  }, 60_000);
});
