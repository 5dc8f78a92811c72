import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';

const CDK_JSON = resolve(__dirname, '..', '..', 'cdk.json');

export interface TestApp {
  readonly app: App;
  readonly outdir: string;
  /** removes the cloud assembly the app wrote */
  cleanup(): void;
}

/**
 * An App as `cdk synth` builds it (cdk.json's context, plus `context`), writing into a temp
 * outdir the caller cleans. Without `bundling`, NodejsFunction assets are not built (CDK's own
 * `aws:cdk:bundling-stacks` switch): template tests then take a second, not half a minute.
 */
export function createTestApp(options: { bundling?: boolean; context?: Record<string, unknown> } = {}): TestApp {
  const outdir = mkdtempSync(join(tmpdir(), 'cdk-test-'));
  const cdkJson = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({
    outdir,
    context: {
      ...cdkJson.context,
      ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }),
      'aws:cdk:enable-asset-metadata': true,
      ...options.context,
    },
  });
  return { app, outdir, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}
