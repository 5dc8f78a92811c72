import { CfnResource, type Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';

/**
 * What each kind of resource the stack creates is for, and whether it bills while nothing is
 * predicted. docs/deploy.md shows the tables built from this and a synthesized template: a kind
 * the stack starts to create without an entry here fails test/docs/deploy.test.ts.
 */
export const RESOURCE_KINDS: Readonly<Record<string, { what: string; idle: string }>> = Object.freeze({
  'AWS::Kinesis::Stream': { what: 'the ride-events and predictions streams', idle: '**yes**, by the hour: per stream on demand, per shard when provisioned' },
  'AWS::CloudWatch::Alarm': { what: 'alarms (no action attached)', idle: '**yes**, per alarm and month' },
  'AWS::S3::Bucket': { what: 'model, data and access-log buckets', idle: 'what they store' },
  'AWS::Logs::LogGroup': { what: "the functions', the API's and Firehose's logs", idle: 'what they store' },
  'AWS::Logs::LogStream': { what: "Firehose's delivery-error log stream", idle: 'no' },
  'AWS::KinesisFirehose::DeliveryStream': { what: 'prediction capture into the data bucket', idle: 'no (per GB put)' },
  'AWS::Lambda::Function': {
    what: "predict (web + stream), batch, monitor, the canary's PreTraffic check, and the CDK helper that uploads the models",
    idle: 'no (per request and GB-second)',
  },
  'AWS::Lambda::Version': { what: "the predict function's published version (kept for rollbacks)", idle: 'no' },
  'AWS::Lambda::Alias': { what: '`live`, which the API and the stream invoke', idle: 'no' },
  'AWS::Lambda::EventSourceMapping': { what: 'the ride-events stream → `live`', idle: 'no' },
  'AWS::Lambda::Permission': { what: 'API Gateway (one per route) and EventBridge may invoke the functions', idle: 'no' },
  'AWS::Lambda::LayerVersion': { what: 'the AWS CLI layer of the model upload helper', idle: 'no' },
  'AWS::ApiGatewayV2::Api': { what: 'the HTTP API', idle: 'no (per request)' },
  'AWS::ApiGatewayV2::Stage': { what: 'its throttled `$default` stage with access logs', idle: 'no' },
  'AWS::ApiGatewayV2::Route': {
    what: "the course's POST /predict and /predict/{name}; OIP v2's /v2/…; MLflow/SageMaker's POST /invocations, GET /ping and /version; GET /health, /openapi.json and /docs ([protocols.md](protocols.md))",
    idle: 'no',
  },
  'AWS::ApiGatewayV2::Integration': { what: 'routes → the `live` alias', idle: 'no' },
  'AWS::SQS::Queue': { what: "the stream's on-failure queue", idle: 'no (per request)' },
  'AWS::SQS::QueuePolicy': { what: 'TLS-only access to it', idle: 'no' },
  'AWS::S3::BucketPolicy': { what: 'TLS-only access, access-log delivery', idle: 'no' },
  'AWS::Events::Rule': { what: 'the monthly batch and the weekly monitor schedules', idle: 'no' },
  'AWS::CodeDeploy::Application': { what: 'canary rollouts of the predict function', idle: 'no' },
  'AWS::CodeDeploy::DeploymentGroup': { what: '… with the rollback alarms', idle: 'no' },
  'AWS::IAM::Role': { what: 'one role per function, Firehose and CodeDeploy', idle: 'no' },
  'AWS::IAM::Policy': { what: "the roles' least-privilege statements", idle: 'no' },
  'AWS::IAM::ManagedPolicy': { what: 'for callers to attach: put ride events; put ground truth; call the prediction routes (apiAuth=iam)', idle: 'no' },
  'Custom::CDKBucketDeployment': { what: 'uploads of the shipped models (one per model)', idle: 'no (runs at deploy)' },
});

/** How many resources of each CloudFormation type a stack defines. */
export function resourceCounts(stack: Stack): Map<string, number> {
  const counts = new Map<string, number>();
  for (const construct of stack.node.findAll()) {
    if (construct instanceof CfnResource) counts.set(construct.cfnResourceType, (counts.get(construct.cfnResourceType) ?? 0) + 1);
  }
  return counts;
}

/**
 * The Markdown table of what each variant of the stack creates: one row per resource type, a
 * column of counts per variant (`-` where it creates none), then what it is and whether it bills
 * while idle. Throws for a type {@link RESOURCE_KINDS} does not describe.
 */
export function inventoryTable(variants: ReadonlyArray<{ label: string; stack: Stack }>): string {
  const counts = variants.map(({ stack }) => resourceCounts(stack));
  const types = [...new Set(counts.flatMap((c) => [...c.keys()]))].sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  const undescribed = types.filter((type) => !(type in RESOURCE_KINDS));
  if (undescribed.length > 0) throw new Error(`describe ${undescribed.join(', ')} in RESOURCE_KINDS (test/support/stack-inventory.ts)`);
  const total = counts.map((c) => [...c.values()].reduce((sum, n) => sum + n, 0));
  const rows = types.map((type) => {
    const kind = RESOURCE_KINDS[type] as { what: string; idle: string };
    return `| \`${type}\` | ${counts.map((c) => String(c.get(type) ?? '-')).join(' | ')} | ${kind.what} | ${kind.idle} |`;
  });
  return [
    `| resource type | ${variants.map((v) => v.label).join(' | ')} | what | billed while idle |`,
    `| --- | ${variants.map(() => '---:').join(' | ')} | --- | --- |`,
    ...rows,
    `| **all** | ${total.map((n) => `**${n}**`).join(' | ')} | | |`,
  ].join('\n');
}

/** Resources that bill by the clock come first, then the rest by name. */
function order(type: string): number {
  const idle = RESOURCE_KINDS[type]?.idle ?? '';
  return idle.startsWith('**yes**') ? 0 : idle === 'what they store' ? 1 : 2;
}

/**
 * What `cdk destroy` leaves: every resource whose DeletionPolicy keeps it, as a Markdown list of
 * `type` and construct paths (`Buckets/Model`), then the log group Lambda makes by itself for any
 * function the template gives none (CloudFormation never knew it, so never deletes it).
 */
export function retainedList(stack: Stack, template: Template): string {
  const resources = template.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties?: { LoggingConfig?: unknown } }>;
  const retained = new Set(
    Object.entries(resources)
      .filter(([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate')
      .map(([id]) => id),
  );
  const lines: string[] = [];
  for (const construct of stack.node.findAll()) {
    // A retained Lambda version is kept when a deploy replaces it, but cannot outlive its function.
    if (!(construct instanceof CfnResource) || construct.cfnResourceType === 'AWS::Lambda::Version') continue;
    if (!retained.has(stack.resolve(construct.logicalId) as string)) continue;
    const path = construct.node.path
      .split('/')
      .slice(1)
      .filter((part) => part !== 'Resource')
      .join('/');
    lines.push(`- \`${construct.cfnResourceType}\` ${path}`);
  }
  for (const construct of stack.node.findAll()) {
    if (!(construct instanceof CfnResource) || construct.cfnResourceType !== 'AWS::Lambda::Function') continue;
    if (resources[stack.resolve(construct.logicalId) as string]?.Properties?.LoggingConfig !== undefined) continue;
    // A singleton's id ends in a 32-digit hash: shown as …
    const path = construct.node.path
      .split('/')
      .slice(1)
      .filter((part) => part !== 'Resource')
      .join('/')
      .replace(/[0-9A-F]{32}$/, '…');
    lines.push(`- the log group \`/aws/lambda/<name>\` Lambda creates on the first run of ${path}, which has none in the template`);
  }
  return lines.join('\n');
}
