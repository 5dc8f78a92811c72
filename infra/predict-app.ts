import { Validations, type App, type Environment } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './context';
import { PredictStack } from './stack';

/** The stack's name in CloudFormation (and in `cdk deploy`'s output). */
export const STACK_NAME = 'RideDurationPrediction';

/**
 * Adds the one PredictStack to `app`, configured from the app's context, and runs cdk-nag's
 * AwsSolutions checks over it (findings are synth errors). Shared by infra/app.ts and the tests.
 */
export function addPredictStack(app: App, env?: Environment): PredictStack {
  const stack = new PredictStack(app, STACK_NAME, {
    env,
    description: 'NYC taxi ride duration prediction: HTTP API, Kinesis streaming and monthly batch scoring on one Lambda asset',
    settings: settingsFromContext(app.node),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return stack;
}
