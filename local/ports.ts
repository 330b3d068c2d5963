import { createServer } from 'node:net';

const LOOPBACK = '127.0.0.1';

/**
 * Asks the kernel for an unused TCP port on 127.0.0.1 and releases it.
 * Another process can take the port before the caller binds it, so callers
 * that start a server should still handle EADDRINUSE.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(
          new Error(
            'failed to find a free port: the server has no TCP address',
          ),
        );
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** Returns the error for a busy port, naming the service and the setting that changes the port. */
export function portInUseError(
  port: number,
  name: string,
  portSetting = 'PORT',
): Error {
  return new Error(
    `port ${port} is already in use (${name}): stop the other process or set ${portSetting}`,
  );
}

/**
 * Throws when `port` cannot be bound on 127.0.0.1, naming the service that
 * needs it. `portSetting` names the environment variable or option that
 * changes the port (for example `PORT`), so the message names what to set.
 *
 * A listener on 0.0.0.0 or on the IPv6 wildcard also makes the check fail,
 * because Linux then refuses the loopback bind as well.
 */
export async function assertPortFree(
  port: number,
  name: string,
  portSetting = 'PORT',
): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(
      `invalid port ${port} (${name}): expected an integer from 1 to 65535`,
    );
  }
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: LOOPBACK, exclusive: true }, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw portInUseError(port, name, portSetting);
    }
    if (code === 'EACCES') {
      throw new Error(
        `port ${port} needs elevated privileges (${name}): choose a port above 1023 with ${portSetting}`,
      );
    }
    throw error;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
