import { type App, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

import { STAGE_NAMES } from '../../lib/stages';
import { buildStages } from './synth';

// cdk-nag reads the construct tree, not the bundles, so esbuild is skipped.
const stacks = buildStages({ bundle: false });

/** Collects the acknowledged rules below the scope, by `path rule`. */
function acknowledgments(scope: IConstruct): Map<string, string> {
  const found = new Map<string, string>();
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) {
        continue;
      }
      const rules = entry.data as Record<string, string>;
      for (const [rule, reason] of Object.entries(rules)) {
        const relativePath = construct.node.path.slice(
          scope.node.path.length + 1,
        );
        found.set(
          `${relativePath} ${rule.replace(/^annotation::/i, '')}`,
          reason,
        );
      }
    }
  }
  return found;
}

describe.each(STAGE_NAMES)('cdk-nag AwsSolutions on %s', (name) => {
  const stack = stacks[name];
  const secretPattern =
    'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:' +
    `secret:chat-payments/${name}/merchants/*`;

  it('finds nothing unacknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);

    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName}: ` +
        violation.violatingResources
          .map((resource) => resource.constructPath)
          .join(', '),
    );
    expect(findings).toEqual([]);
  });

  it('acknowledges only reviewed findings', () => {
    const acknowledged = [...acknowledgments(stack).keys()].sort();

    expect(acknowledged).toEqual(
      [
        'Api/Function AwsSolutions-L1',
        `Api/Role AwsSolutions-IAM5[Resource::${secretPattern}]`,
        'CallbackDeadLetterQueue AwsSolutions-SQS3',
        'Notify/Function AwsSolutions-L1',
        'Notify/Role AwsSolutions-IAM5[Resource::*]',
        'NotifyFailureQueue AwsSolutions-SQS3',
        'PublicApi/HttpApi/GET--checkout--return AwsSolutions-APIG4',
        'PublicApi/HttpApi/POST--link-webhook AwsSolutions-APIG4',
        'Reconcile/Function AwsSolutions-L1',
        `Reconcile/Role AwsSolutions-IAM5[Resource::${secretPattern}]`,
        'Secrets/CallbackSigningSecret AwsSolutions-SMG4',
        'Webhook/Function AwsSolutions-L1',
        `Webhook/Role AwsSolutions-IAM5[Resource::${secretPattern}]`,
      ].sort(),
    );
  });

  it('gives every acknowledgment a reason', () => {
    const unexplained = [...acknowledgments(stack)]
      .filter(([, reason]) => reason.trim().length < 60)
      .map(([rule]) => rule);

    expect(unexplained).toEqual([]);
  });
});

describe('cdk-nag in the app', () => {
  it('fails synthesis on a new finding', () => {
    const fresh = buildStages({ bundle: false });
    new Queue(fresh.test, 'UnencryptedQueue', {
      encryption: QueueEncryption.UNENCRYPTED,
    });
    const app = fresh.test.node.root as App;

    expect(() => app.synth()).toThrow(/AwsSolutions-SQS2/);
  });
});
