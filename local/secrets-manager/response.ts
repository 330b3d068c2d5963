import type { SecretRecord } from './model';

/** A JSON response body. Members set to undefined are left out when serialized. */
export type ResponseBody = Record<string, unknown>;

/** Converts a date to the epoch seconds that the AWS JSON protocol uses for timestamps. */
export function epochSeconds(date: Date): number {
  return date.getTime() / 1000;
}

/** Maps each labeled version to its labels. Versions without labels are deprecated and left out. */
export function versionIdsToStages(
  record: SecretRecord,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const version of record.versions.values()) {
    if (version.stages.size > 0) {
      result[version.versionId] = [...version.stages];
    }
  }
  return result;
}

/** Returns the metadata fields that DescribeSecret and ListSecrets share. */
export function describeRecord(record: SecretRecord): ResponseBody {
  return {
    ARN: record.arn,
    Name: record.name,
    Description: record.description,
    KmsKeyId: record.kmsKeyId,
    LastChangedDate: epochSeconds(record.lastChangedDate),
    LastAccessedDate:
      record.lastAccessedDate && epochSeconds(record.lastAccessedDate),
    DeletedDate: record.deletedDate && epochSeconds(record.deletedDate),
    Tags: record.tags.length > 0 ? record.tags : undefined,
    CreatedDate: epochSeconds(record.createdDate),
  };
}
