import { App } from 'aws-cdk-lib';
import { addPredictStack } from './predict-app';

// The app's only contact with the environment: the account/region the CLI resolved, when it
// did (`cdk deploy` with credentials). Without them the stack synthesizes environment-agnostic.
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

const app = new App();
addPredictStack(app, account && region ? { account, region } : undefined);
