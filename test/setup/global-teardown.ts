import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { LOG_CAPTURE_DIR } from './log-capture';

// Any Stripe secret key, restricted key or signing secret in clear text.
const SECRET = /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9]{6,}/;

/**
 * Fails the run when any line written during the suite holds a secret,
 * and says how many lines were checked.
 */
export default function globalTeardown(): void {
  if (!existsSync(LOG_CAPTURE_DIR)) return;
  let lines = 0;
  const leaks: string[] = [];
  for (const name of readdirSync(LOG_CAPTURE_DIR)) {
    const text = readFileSync(join(LOG_CAPTURE_DIR, name), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      lines += 1;
      const match = SECRET.exec(line);
      if (match) leaks.push(`${name}: ${match[0].slice(0, 12)}… in ${line.slice(0, 160)}`);
    }
  }
  process.stderr.write(`log scan: ${lines} captured log lines checked for Stripe secrets, ${leaks.length} found\n`);
  if (leaks.length > 0) {
    throw new Error(`Stripe secrets appeared in ${leaks.length} log lines:\n${leaks.slice(0, 20).join('\n')}`);
  }
}
