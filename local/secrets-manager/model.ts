/** Data model of the emulated Secrets Manager. */

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** A secret value, with exactly one of the two fields set. Binary data is base64, as on the wire. */
export interface SecretValue {
  secretString?: string;
  secretBinary?: string;
}

export interface SecretVersion {
  versionId: string;
  value: SecretValue;
  createdDate: Date;
  /** Staging labels, such as AWSCURRENT. A version without labels is deprecated. */
  stages: Set<string>;
}

export interface Tag {
  Key: string;
  Value: string;
}

export interface SecretRecord {
  arn: string;
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  createdDate: Date;
  lastChangedDate: Date;
  lastAccessedDate?: Date;
  /**
   * Time of the DeleteSecret call that scheduled the deletion, as moto
   * models DescribeSecret's DeletedDate. Unset when not scheduled.
   */
  deletedDate?: Date;
  /** Time after which the secret is purged and can no longer be restored. */
  deletionDate?: Date;
  versions: Map<string, SecretVersion>;
}

export interface CreateSecretInput {
  name: string;
  description?: string;
  kmsKeyId?: string;
  tags: Tag[];
  value?: SecretValue;
  clientRequestToken: string;
}

export interface StoreOptions {
  region: string;
  accountId: string;
  now: () => Date;
}
