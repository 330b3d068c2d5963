import { rmSync } from 'node:fs';

import { LOG_CAPTURE_DIR } from './log-capture';

export default function globalSetup(): void {
  rmSync(LOG_CAPTURE_DIR, { recursive: true, force: true });
}
