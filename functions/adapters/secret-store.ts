import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

import { DependencyError } from '../core/errors';
import type { Config } from '../shared/config';

/** Contents of a merchant's secret. */
export interface MerchantCredentials {
  apiKey: string;
  webhookSecret?: string;
}

interface CacheEntry {
  version: string;
  credentials: MerchantCredentials;
  expiresAt: number;
}

/** Recovery window of a deleted merchant secret: the shortest AWS allows. */
const RECOVERY_WINDOW_DAYS = 7;

export function createSecretsClient(config: Config): SecretsManagerClient {
  return new SecretsManagerClient({
    region: config.region,
    ...(config.secretsManagerEndpoint && {
      endpoint: config.secretsManagerEndpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    maxAttempts: 2,
  });
}

function unavailable(operation: string, error: unknown): never {
  throw new DependencyError(
    'secrets_unavailable',
    `Secrets Manager failed to ${operation}; try again shortly.`,
    { cause: error },
  );
}

/**
 * Merchant credentials in Secrets Manager, one secret per merchant under
 * the stage's prefix. Reads are cached per container, keyed by the
 * installation's credentials version, so a re-install takes effect at once
 * and an unchanged install costs no Secrets Manager call within the TTL.
 */
export class SecretStore {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly kmsKeyId?: string,
  ) {}

  secretName(merchantId: string): string {
    return `${this.prefix}${merchantId}`;
  }

  /**
   * Returns the merchant's credentials for the given credentials version,
   * or undefined when no secret exists.
   */
  async get(merchantId: string, version: string): Promise<MerchantCredentials | undefined> {
    const cached = this.cache.get(merchantId);
    if (cached && cached.version === version && cached.expiresAt > Date.now()) {
      return cached.credentials;
    }
    let secretString: string | undefined;
    try {
      const result = await this.client.send(
        new GetSecretValueCommand({ SecretId: this.secretName(merchantId) }),
      );
      secretString = result.SecretString;
    } catch (error) {
      if (
        error instanceof ResourceNotFoundException ||
        error instanceof InvalidRequestException
      ) {
        this.cache.delete(merchantId);
        return undefined;
      }
      unavailable('read the merchant secret', error);
    }
    const credentials = parseCredentials(secretString);
    this.cache.set(merchantId, {
      version,
      credentials,
      expiresAt: Date.now() + this.ttlSeconds * 1000,
    });
    return credentials;
  }

  /**
   * Creates or replaces the merchant's secret. A secret scheduled for
   * deletion by an earlier uninstall is restored first, because its name
   * stays taken until the recovery window ends.
   */
  async put(merchantId: string, version: string, credentials: MerchantCredentials): Promise<void> {
    const name = this.secretName(merchantId);
    const value = JSON.stringify(credentials);
    try {
      await this.putValue(name, value);
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        await this.create(name, value);
      } else if (error instanceof InvalidRequestException) {
        await this.restore(name);
        await this.putValue(name, value).catch((retryError: unknown) =>
          unavailable('store the merchant secret', retryError),
        );
      } else {
        unavailable('store the merchant secret', error);
      }
    }
    this.cache.set(merchantId, {
      version,
      credentials,
      expiresAt: Date.now() + this.ttlSeconds * 1000,
    });
  }

  /** Schedules the merchant's secret for deletion; a missing one is fine. */
  async delete(merchantId: string): Promise<void> {
    this.cache.delete(merchantId);
    try {
      await this.client.send(
        new DeleteSecretCommand({
          SecretId: this.secretName(merchantId),
          RecoveryWindowInDays: RECOVERY_WINDOW_DAYS,
        }),
      );
    } catch (error) {
      if (
        error instanceof ResourceNotFoundException ||
        error instanceof InvalidRequestException
      ) {
        return;
      }
      unavailable('delete the merchant secret', error);
    }
  }

  private async putValue(name: string, value: string): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({ SecretId: name, SecretString: value }),
    );
  }

  private async create(name: string, value: string): Promise<void> {
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Description: 'Stripe credentials of one chat-payments merchant',
          ...(this.kmsKeyId && { KmsKeyId: this.kmsKeyId }),
        }),
      );
    } catch (error) {
      // A concurrent install created it first: overwrite with this value.
      if (error instanceof ResourceExistsException) {
        await this.putValue(name, value).catch((retryError: unknown) =>
          unavailable('store the merchant secret', retryError),
        );
        return;
      }
      unavailable('create the merchant secret', error);
    }
  }

  private async restore(name: string): Promise<void> {
    try {
      await this.client.send(new RestoreSecretCommand({ SecretId: name }));
    } catch (error) {
      unavailable('restore the merchant secret', error);
    }
  }
}

function parseCredentials(secretString: string | undefined): MerchantCredentials {
  let parsed: unknown;
  try {
    parsed = secretString ? JSON.parse(secretString) : undefined;
  } catch {
    // The parser's message quotes the value, so it is not passed on.
    parsed = undefined;
  }
  if (
    !parsed ||
    typeof parsed !== 'object' ||
    typeof (parsed as MerchantCredentials).apiKey !== 'string'
  ) {
    throw new DependencyError(
      'secret_malformed',
      'The merchant secret does not hold an apiKey; install the merchant again.',
    );
  }
  return parsed as MerchantCredentials;
}
