import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { LOG_CAPTURE_DIR_VARIABLE, logCaptureDir } from './log-capture';

// Jest starts its workers after the global setup, and they inherit this
// process's environment, so they all write to the folder chosen here.
export default function globalSetup(): void {
  if (process.env[LOG_CAPTURE_DIR_VARIABLE]) {
    rmSync(logCaptureDir(), { recursive: true, force: true });
    return;
  }
  process.env[LOG_CAPTURE_DIR_VARIABLE] = mkdtempSync(
    join(tmpdir(), 'chat-payments-test-logs-'),
  );
}
