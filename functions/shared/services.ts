import { InstallationStore } from '../adapters/installation-store';
import { createDocumentClient } from '../adapters/dynamodb';
import { PaymentStore } from '../adapters/payment-store';
import { createSecretsClient, SecretStore } from '../adapters/secret-store';
import { StripeGateway } from '../adapters/stripe-gateway';
import { type Config, getConfig } from './config';
import { logger } from './logger';

/** The adapters a handler works with, built once per container. */
export interface Services {
  config: Config;
  payments: PaymentStore;
  installations: InstallationStore;
  secrets: SecretStore;
  stripe: StripeGateway;
  now: () => Date;
}

export function createServices(config: Config): Services {
  logger.appendPersistentKeys({ stage: config.stage });
  const documents = createDocumentClient(config);
  return {
    config,
    payments: new PaymentStore(documents, config.tableName),
    installations: new InstallationStore(documents, config.tableName),
    secrets: new SecretStore(
      createSecretsClient(config),
      config.secretPrefix,
      config.secretCacheTtlSeconds,
      config.secretKmsKeyId,
    ),
    stripe: new StripeGateway(config),
    now: () => new Date(),
  };
}

let services: Services | undefined;

/** Returns the container's services, created from the environment. */
export function getServices(): Services {
  services ??= createServices(getConfig());
  return services;
}
