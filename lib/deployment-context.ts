import type { Node } from 'constructs';

import type { StageName, StageSettings } from './stages';

/** Custom domain of the public API, from an ACM certificate. */
export interface CustomDomainContext {
  /** ACM certificate for the stage's domain, in the stack's region. */
  readonly certificateArn: string;
  /**
   * Route 53 zone that receives the alias record.
   * @default - no record; the `CustomDomainTarget` output names the target
   */
  readonly hostedZone?: { readonly id: string; readonly name: string };
}

/** Per-deployment settings of one stage, read from CDK context. */
export interface DeploymentContext {
  /** @default - CDK_DEFAULT_ACCOUNT, the account of the current credentials */
  readonly account?: string;
  /** @default - CDK_DEFAULT_REGION, the region of the current profile */
  readonly region?: string;
  /** @default - no custom domain; the default API URL is public */
  readonly customDomain?: CustomDomainContext;
  /** IAM principal ARNs or account IDs allowed to call the api function. */
  readonly invokePrincipals: string[];
  /** Hosts that flow callback URLs may point to; `*.` allows subdomains. */
  readonly callbackAllowedHosts: string[];
  /** @default - alarms notify the topic without a subscription */
  readonly alarmEmail?: string;
}

/** Names of the context keys, each prefixed with the stage: `test.account`. */
export const CONTEXT_KEYS = [
  'account',
  'region',
  'certificateArn',
  'hostedZoneId',
  'hostedZoneName',
  'invokePrincipalArns',
  'callbackAllowedHosts',
  'alarmEmail',
] as const;

type ContextKey = (typeof CONTEXT_KEYS)[number];

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const CERTIFICATE_ARN =
  /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
const PRINCIPAL_ARN =
  /^arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+)$/;
/** A DNS name, optionally behind `*.`, which allows its subdomains. */
const ALLOWED_HOST =
  /^(\*\.)?(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Thrown when a context value is malformed or inconsistent. */
export class DeploymentContextError extends Error {
  override name = 'DeploymentContextError';
}

/**
 * Reads and validates the context values of one stage. Keys carry the
 * stage as a prefix (`live.certificateArn`), so settings of one stage never
 * leak into the other stack when the app synthesizes both.
 */
export function readDeploymentContext(
  node: Node,
  stage: StageSettings,
): DeploymentContext {
  const read = (key: ContextKey) => readList(node, stage.name, key);
  const single = (key: ContextKey) => readSingle(node, stage.name, key);

  const account = single('account');
  if (account !== undefined && !ACCOUNT_ID.test(account)) {
    throw invalid(stage.name, 'account', account, 'a 12-digit account ID');
  }
  const region = single('region');
  if (region !== undefined && !REGION.test(region)) {
    throw invalid(stage.name, 'region', region, 'a region such as us-east-1');
  }

  const invokePrincipals = read('invokePrincipalArns');
  for (const principal of invokePrincipals) {
    if (!PRINCIPAL_ARN.test(principal) && !ACCOUNT_ID.test(principal)) {
      throw invalid(
        stage.name,
        'invokePrincipalArns',
        principal,
        'an IAM role, user or account root ARN, or a 12-digit account ID',
      );
    }
  }

  const callbackAllowedHosts = read('callbackAllowedHosts').map((host) =>
    host.toLowerCase(),
  );
  for (const host of callbackAllowedHosts) {
    if (!ALLOWED_HOST.test(host)) {
      throw invalid(
        stage.name,
        'callbackAllowedHosts',
        host,
        'a host name without scheme, port or path, such as ' +
          'hooks.example.com or *.example.com',
      );
    }
  }

  const alarmEmail = single('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw invalid(stage.name, 'alarmEmail', alarmEmail, 'an email address');
  }

  return {
    account,
    region,
    customDomain: readCustomDomain(node, stage),
    invokePrincipals,
    callbackAllowedHosts,
    alarmEmail,
  };
}

function readCustomDomain(
  node: Node,
  stage: StageSettings,
): CustomDomainContext | undefined {
  const certificateArn = readSingle(node, stage.name, 'certificateArn');
  const zoneId = readSingle(node, stage.name, 'hostedZoneId');
  const zoneName = readSingle(node, stage.name, 'hostedZoneName');

  if (certificateArn === undefined) {
    if (zoneId !== undefined || zoneName !== undefined) {
      throw new DeploymentContextError(
        `${stage.name}.hostedZoneId and ${stage.name}.hostedZoneName ` +
          `need ${stage.name}.certificateArn: set the ARN of the ACM ` +
          `certificate for ${stage.domainName}, or remove the zone.`,
      );
    }
    return undefined;
  }
  if (!CERTIFICATE_ARN.test(certificateArn)) {
    throw invalid(
      stage.name,
      'certificateArn',
      certificateArn,
      'an ACM certificate ARN',
    );
  }
  if ((zoneId === undefined) !== (zoneName === undefined)) {
    throw new DeploymentContextError(
      `${stage.name}.hostedZoneId and ${stage.name}.hostedZoneName go ` +
        'together: set both to create the DNS record, or neither.',
    );
  }
  if (zoneId === undefined || zoneName === undefined) {
    return { certificateArn };
  }

  if (!HOSTED_ZONE_ID.test(zoneId)) {
    throw invalid(stage.name, 'hostedZoneId', zoneId, 'a Route 53 zone ID');
  }
  const name = zoneName.toLowerCase().replace(/\.$/, '');
  if (stage.domainName !== name && !stage.domainName.endsWith(`.${name}`)) {
    throw new DeploymentContextError(
      `${stage.name}.hostedZoneName is "${zoneName}", which cannot hold ` +
        `${stage.domainName}: use the zone of ${stage.domainName}.`,
    );
  }
  return { certificateArn, hostedZone: { id: zoneId, name } };
}

/** Reads a string value; blank strings count as absent. */
function readSingle(
  node: Node,
  stage: StageName,
  key: ContextKey,
): string | undefined {
  const value: unknown = node.tryGetContext(`${stage}.${key}`);
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new DeploymentContextError(
      `${stage}.${key} must be a string, got ${JSON.stringify(value)}.`,
    );
  }
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads a list given as a comma-separated string (the only form `-c`
 * accepts) or as a JSON array of strings in cdk.json.
 */
function readList(node: Node, stage: StageName, key: ContextKey): string[] {
  const value: unknown = node.tryGetContext(`${stage}.${key}`);
  if (value === undefined || value === null) {
    return [];
  }
  let items: unknown[];
  if (typeof value === 'string') {
    items = value.split(',');
  } else if (Array.isArray(value)) {
    items = value;
  } else {
    throw new DeploymentContextError(
      `${stage}.${key} must be a comma-separated string or a list of ` +
        `strings, got ${JSON.stringify(value)}.`,
    );
  }
  return items.map((item) => {
    if (typeof item !== 'string') {
      throw new DeploymentContextError(
        `${stage}.${key} must contain strings only, got ` +
          `${JSON.stringify(item)}.`,
      );
    }
    return item.trim();
  }).filter((item) => item !== '');
}

function invalid(
  stage: StageName,
  key: ContextKey,
  value: string,
  expected: string,
): DeploymentContextError {
  return new DeploymentContextError(
    `${stage}.${key} is "${value}", which is not ${expected}.`,
  );
}
