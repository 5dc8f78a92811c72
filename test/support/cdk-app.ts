import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

const CDK_JSON = resolve(__dirname, '..', '..', 'cdk.json');

export interface TestApp {
  readonly app: App;
  readonly outdir: string;
  /** removes the cloud assembly the app wrote */
  cleanup(): void;
}

/**
 * An App as `cdk synth` builds it (cdk.json's context, plus `context`), writing into a temp
 * outdir the caller cleans. Without `bundling`, the Lambda asset is not built (CDK's own
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

/** The logical id CloudFormation knows a construct's resource by. */
export function idOf(construct: IConstruct): string {
  const element = construct instanceof CfnElement ? construct : construct.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
  return Stack.of(element).resolve(Stack.of(element).getLogicalId(element)) as string;
}
