import { randomUUID } from 'node:crypto';
import { invalidParameter, validationError } from './errors';
import type { SecretValue, Tag } from './model';

/** A parsed JSON request body of one operation. */
export type RequestBody = Record<string, unknown>;

/** Converts a member name as sent (`SecretId`) to the camelCase that AWS messages use. */
function memberName(key: string): string {
  return key.charAt(0).toLowerCase() + key.slice(1);
}

export function optionalString(
  body: RequestBody,
  key: string,
  maxLength = 2048,
): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw validationError(memberName(key), 'Member must be a string');
  }
  if (value.length > maxLength) {
    throw validationError(
      memberName(key),
      `Member must have length less than or equal to ${maxLength}`,
    );
  }
  return value;
}

export function requiredString(
  body: RequestBody,
  key: string,
  maxLength = 2048,
): string {
  const value = optionalString(body, key, maxLength);
  if (value === undefined || value.length === 0) {
    throw validationError(memberName(key), 'Member must not be null');
  }
  return value;
}

export function optionalInteger(
  body: RequestBody,
  key: string,
): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw validationError(memberName(key), 'Member must be an integer');
  }
  return value;
}

export function optionalBoolean(
  body: RequestBody,
  key: string,
): boolean | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    throw validationError(memberName(key), 'Member must be a boolean');
  }
  return value;
}

export function optionalStringList(
  body: RequestBody,
  key: string,
): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
    throw validationError(memberName(key), 'Member must be a list of strings');
  }
  return value as string[];
}

/**
 * Reads ClientRequestToken, which becomes the new VersionId. The SDK fills
 * it with a UUID when the caller leaves it out.
 */
export function clientRequestToken(body: RequestBody): string {
  const token = optionalString(body, 'ClientRequestToken', 64);
  if (token === undefined) {
    return randomUUID();
  }
  if (token.length < 32) {
    throw validationError(
      'clientRequestToken',
      'Member must have length greater than or equal to 32',
    );
  }
  return token;
}

/** Reads SecretString or SecretBinary, returning undefined when neither is present. */
export function secretValue(body: RequestBody): SecretValue | undefined {
  const secretString = optionalString(body, 'SecretString', 65_536);
  const secretBinary = optionalString(body, 'SecretBinary', 87_384);
  if (secretString !== undefined && secretBinary !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (secretString !== undefined) {
    return { secretString };
  }
  if (secretBinary !== undefined) {
    return { secretBinary };
  }
  return undefined;
}

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;

/** Reads and checks a secret name: 1 to 512 ASCII letters, digits or `/_+=.@-`. */
export function secretName(body: RequestBody): string {
  const name = requiredString(body, 'Name', 512);
  if (!NAME_PATTERN.test(name)) {
    throw invalidParameter(
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
  return name;
}

export function tags(body: RequestBody): Tag[] {
  const value = body.Tags;
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw validationError('tags', 'Member must be a list of tags');
  }
  return value.map((item: unknown) => {
    const tag = item as Partial<Tag> | null;
    if (
      tag === null ||
      typeof tag.Key !== 'string' ||
      typeof tag.Value !== 'string'
    ) {
      throw validationError(
        'tags',
        'Each tag must have a string Key and Value',
      );
    }
    return { Key: tag.Key, Value: tag.Value };
  });
}
