import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import cdkJson from '../../cdk.json';
import { addStages } from '../../lib/app';
import type { ChatPaymentsStack } from '../../lib/chat-payments-stack';
import type { StageName } from '../../lib/stages';

export const TEST_ACCOUNT = '111111111111';
export const TEST_REGION = 'us-east-1';

export interface SynthOptions {
  /** Context values added to those of cdk.json and the test account. */
  readonly context?: Record<string, unknown>;
  /**
   * Whether esbuild bundles the functions. Tests that only read the
   * template skip it, because bundling four functions takes seconds.
   * @default true
   */
  readonly bundle?: boolean;
}

export interface SynthesizedStage {
  readonly stack: ChatPaymentsStack;
  readonly template: Template;
}

/**
 * Builds both stages the way bin/chat-payments.ts does, with the feature
 * flags of cdk.json and a fixed test account and region per stage.
 */
export function buildStages(
  options: SynthOptions = {},
): Record<StageName, ChatPaymentsStack> {
  const app = new App({
    context: {
      ...cdkJson.context,
      'test.account': TEST_ACCOUNT,
      'test.region': TEST_REGION,
      'live.account': TEST_ACCOUNT,
      'live.region': TEST_REGION,
      ...(options.bundle === false && { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
  return addStages(app);
}

/** Builds both stages and returns each stack with its template. */
export function synthesizeStages(
  options: SynthOptions = {},
): Record<StageName, SynthesizedStage> {
  const stacks = buildStages(options);
  return {
    test: { stack: stacks.test, template: Template.fromStack(stacks.test) },
    live: { stack: stacks.live, template: Template.fromStack(stacks.live) },
  };
}

type Resources = Record<string, { Properties?: Record<string, unknown> }>;

/** An IAM policy statement as it appears in the template. */
export interface TemplateStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Statements of every AWS::IAM::Policy, keyed by the policy's role. */
export function policyStatementsByRole(
  template: Template,
): Map<string, TemplateStatement[]> {
  const policies = template.findResources('AWS::IAM::Policy') as Resources;
  const byRole = new Map<string, TemplateStatement[]>();
  for (const policy of Object.values(policies)) {
    const properties = policy.Properties as {
      Roles: { Ref: string }[];
      PolicyDocument: { Statement: TemplateStatement[] };
    };
    for (const role of properties.Roles) {
      const statements = byRole.get(role.Ref) ?? [];
      statements.push(...properties.PolicyDocument.Statement);
      byRole.set(role.Ref, statements);
    }
  }
  return byRole;
}

/** Lists a statement's actions, which a template may give as one string. */
export function actionsOf(statement: TemplateStatement): string[] {
  return Array.isArray(statement.Action)
    ? statement.Action
    : [statement.Action];
}

/** Lists a statement's resources, which may be a single value. */
export function resourcesOf(statement: TemplateStatement): unknown[] {
  return Array.isArray(statement.Resource)
    ? statement.Resource
    : [statement.Resource];
}
