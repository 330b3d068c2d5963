import { randomInt } from 'node:crypto';
import {
  invalidRequest,
  markedForDeletion,
  nameScheduledForDeletion,
  secretExists,
  secretNotFound,
  versionExists,
  versionIdNotFound,
  versionStageNotFound,
} from './errors';
import {
  AWSCURRENT,
  AWSPREVIOUS,
  type CreateSecretInput,
  type SecretRecord,
  type SecretValue,
  type SecretVersion,
  type StoreOptions,
} from './model';

const DAY_MS = 24 * 60 * 60 * 1000;
const SUFFIX_ALPHABET =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * In-memory state of the emulated Secrets Manager: secrets, their versions
 * and staging labels, and scheduled deletions.
 */
export class SecretStore {
  private readonly secrets = new Map<string, SecretRecord>();

  constructor(private readonly options: StoreOptions) {}

  now(): Date {
    return this.options.now();
  }

  /**
   * Finds a secret by name, full ARN or partial ARN (the ARN without its
   * random six-character suffix). Throws ResourceNotFoundException.
   */
  find(secretId: string): SecretRecord {
    this.purgeExpiredDeletions();
    const byName = this.secrets.get(secretId);
    if (byName !== undefined) {
      return byName;
    }
    if (secretId.startsWith('arn:')) {
      for (const record of this.secrets.values()) {
        if (record.arn === secretId || record.arn.slice(0, -7) === secretId) {
          return record;
        }
      }
    }
    throw secretNotFound();
  }

  /** Finds a secret that is not scheduled for deletion. */
  findActive(secretId: string): SecretRecord {
    const record = this.find(secretId);
    if (record.deletedDate !== undefined) {
      throw markedForDeletion();
    }
    return record;
  }

  list(): SecretRecord[] {
    this.purgeExpiredDeletions();
    return [...this.secrets.values()];
  }

  /**
   * Creates a secret, with a first version when a value is given. A retry
   * with the same ClientRequestToken and value returns the existing secret.
   */
  create(input: CreateSecretInput): {
    record: SecretRecord;
    version?: SecretVersion;
  } {
    this.purgeExpiredDeletions();
    const existing = this.secrets.get(input.name);
    if (existing !== undefined) {
      if (existing.deletedDate !== undefined) {
        throw nameScheduledForDeletion();
      }
      const retried = existing.versions.get(input.clientRequestToken);
      if (
        retried !== undefined &&
        input.value !== undefined &&
        sameValue(retried.value, input.value)
      ) {
        return { record: existing, version: retried };
      }
      throw secretExists(input.name);
    }
    const now = this.now();
    const record: SecretRecord = {
      arn: this.arnFor(input.name),
      name: input.name,
      description: input.description,
      kmsKeyId: input.kmsKeyId,
      tags: input.tags,
      createdDate: now,
      lastChangedDate: now,
      versions: new Map(),
    };
    this.secrets.set(input.name, record);
    if (input.value === undefined) {
      return { record };
    }
    const version = this.addVersion(
      record,
      input.value,
      input.clientRequestToken,
      [AWSCURRENT],
    );
    return { record, version };
  }

  /**
   * Adds a version carrying `stages`, moving each label from the version that
   * had it. When AWSCURRENT moves, the version that lost it becomes
   * AWSPREVIOUS. Repeating a ClientRequestToken with the same value changes
   * nothing, but with another value it throws ResourceExistsException.
   */
  addVersion(
    record: SecretRecord,
    value: SecretValue,
    clientRequestToken: string,
    stages: string[],
  ): SecretVersion {
    const existing = record.versions.get(clientRequestToken);
    if (existing !== undefined) {
      if (!sameValue(existing.value, value)) {
        throw versionExists();
      }
      return existing;
    }
    const now = this.now();
    const version: SecretVersion = {
      versionId: clientRequestToken,
      value,
      createdDate: now,
      stages: new Set(),
    };
    const previousCurrent = this.versionWithStage(record, AWSCURRENT);
    for (const stage of stages) {
      for (const other of record.versions.values()) {
        other.stages.delete(stage);
      }
      version.stages.add(stage);
    }
    if (stages.includes(AWSCURRENT) && previousCurrent !== undefined) {
      for (const other of record.versions.values()) {
        other.stages.delete(AWSPREVIOUS);
      }
      previousCurrent.stages.add(AWSPREVIOUS);
    }
    record.versions.set(version.versionId, version);
    record.lastChangedDate = now;
    return version;
  }

  /**
   * Returns the version named by VersionId and/or VersionStage, AWSCURRENT
   * when neither is given. Records the access date, which AWS keeps to the
   * day, so the time of day is dropped.
   */
  getVersion(
    record: SecretRecord,
    versionId?: string,
    versionStage?: string,
  ): SecretVersion {
    let version: SecretVersion | undefined;
    if (versionId !== undefined) {
      version = record.versions.get(versionId);
      if (version === undefined) {
        throw versionIdNotFound(versionId);
      }
      if (versionStage !== undefined && !version.stages.has(versionStage)) {
        throw invalidRequest(
          'You provided a VersionStage that is not associated to the provided VersionId.',
        );
      }
    } else {
      const stage = versionStage ?? AWSCURRENT;
      version = this.versionWithStage(record, stage);
      if (version === undefined) {
        throw versionStageNotFound(stage);
      }
    }
    const today = new Date(this.now());
    today.setUTCHours(0, 0, 0, 0);
    record.lastAccessedDate = today;
    return version;
  }

  /** Schedules the deletion `recoveryWindowInDays` days from now and returns that date. */
  scheduleDeletion(record: SecretRecord, recoveryWindowInDays: number): Date {
    const now = this.now();
    record.deletedDate = now;
    record.deletionDate = new Date(
      now.getTime() + recoveryWindowInDays * DAY_MS,
    );
    return record.deletionDate;
  }

  /** Deletes the secret and all its versions now, freeing its name. */
  forceDelete(record: SecretRecord): Date {
    this.secrets.delete(record.name);
    return this.now();
  }

  /** Cancels a scheduled deletion. Restoring a secret that is not scheduled changes nothing. */
  restore(record: SecretRecord): void {
    record.deletedDate = undefined;
    record.deletionDate = undefined;
  }

  private versionWithStage(
    record: SecretRecord,
    stage: string,
  ): SecretVersion | undefined {
    for (const version of record.versions.values()) {
      if (version.stages.has(stage)) {
        return version;
      }
    }
    return undefined;
  }

  private arnFor(name: string): string {
    let suffix = '';
    for (let i = 0; i < 6; i += 1) {
      suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
    }
    const { region, accountId } = this.options;
    return `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-${suffix}`;
  }

  /** Removes secrets whose recovery window has ended, as AWS does some time after DeletionDate. */
  private purgeExpiredDeletions(): void {
    const now = this.now().getTime();
    for (const [name, record] of this.secrets) {
      if (
        record.deletionDate !== undefined &&
        record.deletionDate.getTime() <= now
      ) {
        this.secrets.delete(name);
      }
    }
  }
}

function sameValue(a: SecretValue, b: SecretValue): boolean {
  return a.secretString === b.secretString && a.secretBinary === b.secretBinary;
}
