import { invalidParameter } from './errors';
import {
  clientRequestToken,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringList,
  requiredString,
  secretName,
  secretValue,
  tags,
  type RequestBody,
} from './input';
import { listSecrets } from './list';
import {
  describeRecord,
  epochSeconds,
  versionIdsToStages,
  type ResponseBody,
} from './response';
import { AWSCURRENT, type SecretVersion } from './model';
import type { SecretStore } from './store';

export type Operation = (store: SecretStore, body: RequestBody) => ResponseBody;

const DEFAULT_RECOVERY_WINDOW_DAYS = 30;

function valueFields(version: SecretVersion): ResponseBody {
  return {
    SecretString: version.value.secretString,
    SecretBinary: version.value.secretBinary,
  };
}

const createSecret: Operation = (store, body) => {
  const { record, version } = store.create({
    name: secretName(body),
    description: optionalString(body, 'Description'),
    kmsKeyId: optionalString(body, 'KmsKeyId'),
    tags: tags(body),
    value: secretValue(body),
    clientRequestToken: clientRequestToken(body),
  });
  return { ARN: record.arn, Name: record.name, VersionId: version?.versionId };
};

const getSecretValue: Operation = (store, body) => {
  const record = store.findActive(requiredString(body, 'SecretId'));
  const version = store.getVersion(
    record,
    optionalString(body, 'VersionId', 64),
    optionalString(body, 'VersionStage', 256),
  );
  return {
    ARN: record.arn,
    Name: record.name,
    VersionId: version.versionId,
    ...valueFields(version),
    VersionStages: [...version.stages],
    CreatedDate: epochSeconds(version.createdDate),
  };
};

const putSecretValue: Operation = (store, body) => {
  const record = store.findActive(requiredString(body, 'SecretId'));
  const value = secretValue(body);
  if (value === undefined) {
    throw invalidParameter(
      'You must provide either SecretString or SecretBinary.',
    );
  }
  const stages = optionalStringList(body, 'VersionStages') ?? [AWSCURRENT];
  const version = store.addVersion(
    record,
    value,
    clientRequestToken(body),
    stages,
  );
  return {
    ARN: record.arn,
    Name: record.name,
    VersionId: version.versionId,
    VersionStages: [...version.stages],
  };
};

const updateSecret: Operation = (store, body) => {
  const record = store.findActive(requiredString(body, 'SecretId'));
  const description = optionalString(body, 'Description');
  const kmsKeyId = optionalString(body, 'KmsKeyId');
  const value = secretValue(body);
  if (description !== undefined) {
    record.description = description;
    record.lastChangedDate = store.now();
  }
  if (kmsKeyId !== undefined) {
    record.kmsKeyId = kmsKeyId;
    record.lastChangedDate = store.now();
  }
  let versionId: string | undefined;
  if (value !== undefined) {
    versionId = store.addVersion(record, value, clientRequestToken(body), [
      AWSCURRENT,
    ]).versionId;
  }
  return { ARN: record.arn, Name: record.name, VersionId: versionId };
};

const describeSecret: Operation = (store, body) => {
  const record = store.find(requiredString(body, 'SecretId'));
  return {
    ...describeRecord(record),
    VersionIdsToStages: versionIdsToStages(record),
  };
};

/**
 * Schedules a deletion after a recovery window of 7 to 30 days (default 30),
 * or deletes at once with ForceDeleteWithoutRecovery. A forced delete also
 * works on a secret that is already scheduled, which frees its name at once.
 */
const deleteSecret: Operation = (store, body) => {
  const secretId = requiredString(body, 'SecretId');
  const recoveryWindowInDays = optionalInteger(body, 'RecoveryWindowInDays');
  const force = optionalBoolean(body, 'ForceDeleteWithoutRecovery') ?? false;
  if (force && recoveryWindowInDays !== undefined) {
    throw invalidParameter(
      "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
    );
  }
  if (
    recoveryWindowInDays !== undefined &&
    (recoveryWindowInDays < 7 || recoveryWindowInDays > 30)
  ) {
    throw invalidParameter(
      'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).',
    );
  }
  if (force) {
    const record = store.find(secretId);
    const deletionDate = store.forceDelete(record);
    return {
      ARN: record.arn,
      Name: record.name,
      DeletionDate: epochSeconds(deletionDate),
    };
  }
  // NOTE: AWS's exact message for deleting a secret that is already scheduled
  // is unverified, so this reuses the message of the other operations.
  const record = store.findActive(secretId);
  const deletionDate = store.scheduleDeletion(
    record,
    recoveryWindowInDays ?? DEFAULT_RECOVERY_WINDOW_DAYS,
  );
  return {
    ARN: record.arn,
    Name: record.name,
    DeletionDate: epochSeconds(deletionDate),
  };
};

const restoreSecret: Operation = (store, body) => {
  const record = store.find(requiredString(body, 'SecretId'));
  store.restore(record);
  return { ARN: record.arn, Name: record.name };
};

/** Operations by the name in `X-Amz-Target: secretsmanager.<name>`. */
export const OPERATIONS: Record<string, Operation> = {
  CreateSecret: createSecret,
  GetSecretValue: getSecretValue,
  PutSecretValue: putSecretValue,
  UpdateSecret: updateSecret,
  DescribeSecret: describeSecret,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
  ListSecrets: listSecrets,
};
