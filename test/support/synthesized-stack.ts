import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { addPredictStack } from '../../infra/predict-app';
import type { PredictStack } from '../../infra/stack';
import { createTestApp, idOf, type TestApp } from './cdk-app';

export interface SynthesizedStack {
  stack: PredictStack;
  template: Template;
  testApp: TestApp;
}

/**
 * Synthesizes stacks as `cdk synth` would (cdk-nag included), without building the asset; every
 * cloud assembly is removed by `cleanup()` (call it in afterAll).
 */
export function stackSynthesizer(): { synthesize(context?: Record<string, unknown>): SynthesizedStack; cleanup(): void } {
  const apps: TestApp[] = [];
  return {
    synthesize(context = {}) {
      const testApp = createTestApp({ context });
      apps.push(testApp);
      const stack = addPredictStack(testApp.app);
      return { stack, template: Template.fromStack(stack), testApp };
    },
    cleanup: () => {
      for (const app of apps.splice(0)) app.cleanup();
    },
  };
}

/** `Fn::GetAtt [id, Arn]`, as the template writes a resource's ARN. */
export const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** The ARN pattern of objects under a bucket defined in the stack. */
export const objectsOf = (bucketId: string, suffix: string) => ({ 'Fn::Join': ['', [arnOf(bucketId), suffix]] });

/** The ARN of an object in a bucket the stack does not own. */
export const foreignObject = (bucketAndKey: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucketAndKey}`]] });

/** The statements of the one inline policy attached to a role. */
export function statementsOf(template: Template, roleId: string): unknown[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
  if (policies.length !== 1) throw new Error(`role ${roleId} has ${policies.length} inline policies, expected 1`);
  return (policies[0] as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement;
}

/** The statements of `role`'s policy that grant s3:GetObject. */
export function readStatementsOf(template: Template, role: Parameters<typeof idOf>[0]): unknown[] {
  return statementsOf(template, idOf(role)).filter((s) => (s as { Action: unknown }).Action === 's3:GetObject');
}

/** The AwsSolutions report cdk-nag wrote for a synthesized app. */
export function nagReportOf(
  outdir: string,
): Array<{ pluginName: string; conclusion: string; violations: unknown[]; suppressedViolations?: Array<{ ruleName: string; reason: string }> }> {
  return JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')).pluginReports;
}
