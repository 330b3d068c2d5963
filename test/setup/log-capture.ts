import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Folder that collects every line the code under test writes to stdout
 * (the service's JSON logs among them), one file per jest worker. The
 * global teardown scans it for secrets.
 */
export const LOG_CAPTURE_DIR =
  process.env.CHAT_PAYMENTS_TEST_LOG_DIR ?? join(tmpdir(), 'chat-payments-test-logs');

export function captureFile(): string {
  return join(LOG_CAPTURE_DIR, `worker-${process.pid}.log`);
}
