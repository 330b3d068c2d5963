/**
 * An error that the emulator returns in the AWS JSON 1.1 shape,
 * `{"__type": type, "Message": message}`. The SDK maps `__type` to its
 * exception class of the same name, for example ResourceNotFoundException.
 *
 * Messages must never contain a secret value, because they are sent to the
 * client and may be logged.
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = type;
  }

  toBody(): { __type: string; Message: string } {
    return { __type: this.type, Message: this.message };
  }
}

export function secretNotFound(): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    "Secrets Manager can't find the specified secret.",
  );
}

export function versionIdNotFound(versionId: string): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
  );
}

export function versionStageNotFound(stage: string): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
  );
}

export function markedForDeletion(): AwsError {
  return new AwsError(
    'InvalidRequestException',
    "You can't perform this operation on the secret because it was marked for deletion.",
  );
}

export function nameScheduledForDeletion(): AwsError {
  return new AwsError(
    'InvalidRequestException',
    "You can't create this secret because a secret with this name is already scheduled for deletion.",
  );
}

export function secretExists(name: string): AwsError {
  return new AwsError(
    'ResourceExistsException',
    `The operation failed because the secret ${name} already exists.`,
  );
}

export function versionExists(): AwsError {
  return new AwsError(
    'ResourceExistsException',
    "You can't modify an existing version, you can only create a new version.",
  );
}

export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

export function invalidRequest(message: string): AwsError {
  return new AwsError('InvalidRequestException', message);
}

/**
 * Returns the error that AWS's request validation returns for a member that
 * breaks a constraint of the API model. `member` is in camelCase, as AWS
 * writes it (`secretId`). The value itself is never echoed.
 */
export function validationError(member: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
