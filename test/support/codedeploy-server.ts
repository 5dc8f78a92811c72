import { startLoopbackPeer } from './loopback-peer';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One PutLifecycleEventHookExecutionStatus call as CodeDeploy received it. */
export interface HookStatusReport {
  readonly deploymentId: string;
  readonly lifecycleEventHookExecutionId: string;
  readonly status: string;
}

export interface LocalCodeDeploy {
  /** for AWS_ENDPOINT_URL_CODEDEPLOY */
  readonly endpoint: string;
  readonly reports: HookStatusReport[];
  close(): Promise<void>;
}

const TARGET = 'CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus';

/**
 * CodeDeploy's JSON 1.1 protocol on 127.0.0.1, for the one call a Lambda hook makes:
 * `X-Amz-Target: CodeDeploy_20141006.PutLifecycleEventHookExecutionStatus` with
 * `{deploymentId, lifecycleEventHookExecutionId, status}`, answered with
 * `{lifecycleEventHookExecutionId}`. Like the service it refuses unsigned calls, other
 * operations, and a status other than Succeeded or Failed (the only two a hook may pass).
 */
export async function startCodeDeployServer(): Promise<LocalCodeDeploy> {
  const reports: HookStatusReport[] = [];
  function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'))
      return error(res, 400, 'MissingAuthenticationTokenException', 'request is not signed');
    if (req.headers['x-amz-target'] !== TARGET)
      return error(res, 400, 'UnknownOperationException', `unsupported operation ${String(req.headers['x-amz-target'])}`);
    if (!String(req.headers['content-type']).startsWith('application/x-amz-json-1.1'))
      return error(res, 400, 'SerializationException', 'expected application/x-amz-json-1.1');
    const input = JSON.parse(body.toString('utf8')) as Partial<HookStatusReport>;
    if (input.status !== 'Succeeded' && input.status !== 'Failed')
      return error(res, 400, 'InvalidLifecycleEventHookExecutionStatusException', `status ${String(input.status)} cannot be put`);
    if (!input.deploymentId || !input.lifecycleEventHookExecutionId)
      return error(res, 400, 'InvalidDeploymentIdException', 'deploymentId and lifecycleEventHookExecutionId are required');
    reports.push({ deploymentId: input.deploymentId, lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId, status: input.status });
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify({ lifecycleEventHookExecutionId: input.lifecycleEventHookExecutionId }));
  }

  const peer = await startLoopbackPeer(answer);
  return { endpoint: peer.endpoint, reports, close: () => peer.close() };
}

function error(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
  res.end(JSON.stringify({ __type: type, message }));
}
