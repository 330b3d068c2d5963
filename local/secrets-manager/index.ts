import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { portInUseError } from '../ports';
import { FaultInjector } from './faults';
import { OPERATIONS } from './operations';
import { createSecretsManagerServer } from './server';
import { SecretStore } from './store';

/** Port of the emulator when none is given, the port LocalStack uses for all services. */
export const DEFAULT_SECRETS_MANAGER_PORT = 4566;
const HOST = '127.0.0.1';
const REGION = 'us-east-1';
const ACCOUNT_ID = '000000000000';

export interface SecretsManagerEmulator {
  /** Endpoint for the SDK's `endpoint` option, such as `http://127.0.0.1:4566`. */
  url: string;
  port: number;
  /** Stops the server, closing open keep-alive connections, and drops all secrets. */
  close(): Promise<void>;
}

/**
 * Starts an in-memory Secrets Manager on 127.0.0.1 that speaks the AWS JSON
 * 1.1 protocol, so `@aws-sdk/client-secrets-manager` works with only its
 * `endpoint` changed. ARNs use region us-east-1 and account 000000000000.
 * Port 0 picks a free port. Rejects with a clear message when the port is busy.
 */
export async function startSecretsManager(
  options: { port?: number } = {},
): Promise<SecretsManagerEmulator> {
  const requestedPort = options.port ?? DEFAULT_SECRETS_MANAGER_PORT;
  const logger = new Logger({ serviceName: 'local-secrets-manager' });
  const store = new SecretStore({
    region: REGION,
    accountId: ACCOUNT_ID,
    now: () => new Date(),
  });
  const faults = new FaultInjector(Object.keys(OPERATIONS));
  const server = createSecretsManagerServer(store, faults, logger);

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          portInUseError(
            requestedPort,
            'Secrets Manager emulator',
            'the port option',
          ),
        );
        return;
      }
      reject(error);
    });
    server.listen(requestedPort, HOST, () => resolve());
  });

  const { port } = server.address() as AddressInfo;
  const url = `http://${HOST}:${port}`;
  logger.info('Secrets Manager emulator started', { url });

  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) {
            reject(error);
            return;
          }
          logger.info('Secrets Manager emulator stopped', { url });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
