import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { ChatPaymentsStack } from './chat-payments-stack';
import { readDeploymentContext } from './deployment-context';
import { STAGE_NAMES, STAGES, type StageName } from './stages';

/**
 * Adds one stack per stage to the app and registers the cdk-nag AWS
 * Solutions checks, so synthesis fails on any finding not acknowledged
 * with a reason.
 */
export function addStages(app: App): Record<StageName, ChatPaymentsStack> {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const stacks = {} as Record<StageName, ChatPaymentsStack>;
  for (const name of STAGE_NAMES) {
    const stage = STAGES[name];
    const deployment = readDeploymentContext(app.node, stage);
    const stack = new ChatPaymentsStack(app, stage.stackName, {
      stackName: stage.stackName,
      description:
        `chat-payments ${stage.name}: ` +
        'Stripe payments for Brain Studio merchants',
      env: {
        account: deployment.account ?? process.env.CDK_DEFAULT_ACCOUNT,
        region: deployment.region ?? process.env.CDK_DEFAULT_REGION,
      },
      // Payments in progress depend on the live stack: no accidental delete.
      terminationProtection: stage.retainData,
      stage,
      deployment,
    });
    Tags.of(stack).add('service', 'chat-payments');
    Tags.of(stack).add('stage', stage.name);
    stacks[name] = stack;
  }
  return stacks;
}
