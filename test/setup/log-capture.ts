import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Environment variable that names the folder of captured output. */
export const LOG_CAPTURE_DIR_VARIABLE = 'CHAT_PAYMENTS_TEST_LOG_DIR';

/**
 * Returns the folder that collects every line the code under test writes
 * to stdout, stderr or the console (the service's JSON logs among them),
 * one file per jest worker. The global setup gives each run a folder of its
 * own, so that two runs on one machine never scan or delete each other's
 * files. The global teardown scans it for secrets.
 */
export function logCaptureDir(): string {
  return (
    process.env[LOG_CAPTURE_DIR_VARIABLE] ??
    join(tmpdir(), 'chat-payments-test-logs')
  );
}

/** Returns the capture file of the current process. */
export function captureFile(): string {
  return join(logCaptureDir(), `worker-${process.pid}.log`);
}
