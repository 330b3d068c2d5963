import { Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

import type { ServiceFunction } from './service-function';
import type { StageSettings } from './stages';

/** Secrets Manager actions the api function needs to install merchants. */
export const MERCHANT_SECRET_MANAGE_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  // CreateSecret with tags is also authorized as TagResource.
  'secretsmanager:TagResource',
];

/** Secrets Manager actions that read a secret's value and metadata. */
export const SECRET_READ_ACTIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:DescribeSecret',
];

export interface ServiceSecretsProps {
  readonly stage: StageSettings;
}

/**
 * The KMS key that encrypts merchants' Stripe keys and the callback signing
 * secret, the signing secret itself, and the grants that give each function
 * only the secret access it needs.
 *
 * Merchant secrets are created at runtime by the api function, one per
 * merchant, so their permissions name a prefix instead of single secrets.
 */
export class ServiceSecrets extends Construct {
  readonly key: Key;
  readonly callbackSigningSecret: Secret;
  /**
   * ARN pattern of the stage's merchant secrets. Secrets Manager appends a
   * random suffix to every secret ARN, so the pattern ends in `*`.
   */
  readonly merchantSecretArnPattern: string;
  private readonly stage: StageSettings;

  constructor(scope: Construct, id: string, props: ServiceSecretsProps) {
    super(scope, id);
    this.stage = props.stage;
    const removalPolicy = props.stage.retainData
      ? RemovalPolicy.RETAIN
      : RemovalPolicy.DESTROY;

    this.key = new Key(this, 'Key', {
      alias: `chat-payments/${props.stage.name}/secrets`,
      description:
        "Encrypts merchants' Stripe keys and the callback signing secret " +
        `of chat-payments ${props.stage.name}`,
      enableKeyRotation: true,
      removalPolicy,
    });

    this.merchantSecretArnPattern = Fn.sub(
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:' +
        '${AWS::AccountId}:secret:' +
        `${props.stage.secretPrefix}*`,
    );

    this.callbackSigningSecret = new Secret(this, 'CallbackSigningSecret', {
      secretName: props.stage.callbackSigningSecretName,
      description:
        'HMAC-SHA256 key of the Chat-Payments-Signature header on flow ' +
        'callbacks',
      encryptionKey: this.key,
      generateSecretString: {
        passwordLength: 64,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(this.callbackSigningSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Flow receivers keep a copy of this key to verify callback ' +
        'signatures, so it can only change in a coordinated rollout; an ' +
        'automatic rotation would make every receiver reject callbacks.',
    });
  }

  /**
   * Lets the function create, update, delete and restore merchant secrets,
   * and use the key for them through Secrets Manager only.
   */
  grantManageMerchantSecrets(target: ServiceFunction): void {
    this.grantMerchantSecrets(target, MERCHANT_SECRET_MANAGE_ACTIONS, [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
    ]);
  }

  /** Lets the function read merchant secrets and decrypt them. */
  grantReadMerchantSecrets(target: ServiceFunction): void {
    this.grantMerchantSecrets(target, SECRET_READ_ACTIONS, [
      'kms:Decrypt',
    ]);
  }

  /**
   * Lets the function read the callback signing secret and nothing else.
   * Written out instead of `Secret.grantRead`, which grants the key through
   * the key policy without limiting it to this secret.
   */
  grantReadCallbackSigningSecret(target: ServiceFunction): void {
    const secretArn = this.callbackSigningSecret.secretArn;
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'CallbackSigningSecret',
        actions: SECRET_READ_ACTIONS,
        resources: [secretArn],
      }),
    );
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'CallbackSigningSecretKey',
        actions: ['kms:Decrypt'],
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': this.secretsManagerEndpoint(),
            'kms:EncryptionContext:SecretARN': secretArn,
          },
        },
      }),
    );
  }

  private grantMerchantSecrets(
    target: ServiceFunction,
    secretActions: string[],
    keyActions: string[],
  ): void {
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'MerchantSecrets',
        actions: secretActions,
        resources: [this.merchantSecretArnPattern],
      }),
    );
    target.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'MerchantSecretsKey',
        actions: keyActions,
        resources: [this.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': this.secretsManagerEndpoint() },
          // Secrets Manager passes the secret's ARN as encryption context,
          // so this grant decrypts merchant secrets only, not the signing
          // secret under the same key.
          StringLike: {
            'kms:EncryptionContext:SecretARN': this.merchantSecretArnPattern,
          },
        },
      }),
    );
    Validations.of(target.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${this.flatMerchantSecretArnPattern()}]`,
      reason:
        'Merchant secrets are created at runtime, one per merchant, under ' +
        `${this.stage.secretPrefix}; the wildcard covers that prefix and ` +
        'the random suffix Secrets Manager appends to each ARN.',
    });
  }

  /** Host name of Secrets Manager in the stack's region, for kms:ViaService. */
  private secretsManagerEndpoint(): string {
    return `secretsmanager.${Stack.of(this).region}.amazonaws.com`;
  }

  /** Formats the pattern as cdk-nag prints it, pseudo parameters in <>. */
  private flatMerchantSecretArnPattern(): string {
    return (
      'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:' +
      `secret:${this.stage.secretPrefix}*`
    );
  }
}
