/**
 * The PreTraffic hook's Lambda entry: the second entry of the one asset (infra/bundling.ts builds
 * it as pretraffic.mjs; handler `pretraffic.handler`). It loads no model and reads no S3: its
 * whole job is to invoke the new predict version and tell CodeDeploy (pretraffic-hook.ts).
 */
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { createServiceLogger } from '../observability/service-logger';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SERVICE_NAME } from '../contract';
import { handlePreTrafficHook, type HookReport } from './pretraffic-hook';
import { preTrafficSettings } from './settings';

const settings = preTrafficSettings(process.env);
const deps = {
  target: settings.target,
  // A cold start of the new version (its models fetched and checked) takes seconds; one retry.
  lambda: new LambdaClient({
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 60_000, throwOnRequestTimeout: true }),
  }),
  codedeploy: new CodeDeployClient({ maxAttempts: 3 }),
  logger: createServiceLogger({ serviceName: SERVICE_NAME }),
};

export function handler(event: unknown): Promise<HookReport> {
  return handlePreTrafficHook(event, deps);
}
