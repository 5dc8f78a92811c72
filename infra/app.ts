import { App } from 'aws-cdk-lib';
import { ContextError } from './errors';
import { addPredictStack } from './predict-app';

// The app's only contact with the environment: the account/region the CLI resolved, when it
// did (`cdk deploy` with credentials). Without them the stack synthesizes environment-agnostic.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

const app = new App();
try {
  addPredictStack(app, account && region ? { account, region } : undefined);
} catch (error) {
  // A wrong -c value is the user's to fix: one line naming the key, no stack trace (cdk then
  // reports that the app exited with 1).
  if (!(error instanceof ContextError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
