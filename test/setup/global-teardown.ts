import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { logCaptureDir } from './log-capture';

// Any Stripe secret key, restricted key or signing secret in clear text.
const SECRET = /\b(?:sk|rk)_(?:test|live)_[A-Za-z0-9]{6,}|\bwhsec_[A-Za-z0-9]{6,}/;

/**
 * Fails the run when any line written during the suite contains a secret,
 * and prints how many lines were checked. The folder is kept when a secret
 * was found, so the lines can be read.
 */
export default function globalTeardown(): void {
  const folder = logCaptureDir();
  if (!existsSync(folder)) return;
  let lines = 0;
  const leaks: string[] = [];
  for (const name of readdirSync(folder)) {
    const text = readFileSync(join(folder, name), 'utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      lines += 1;
      const match = SECRET.exec(line);
      if (match) leaks.push(`${name}: ${match[0].slice(0, 12)}… in ${line.slice(0, 160)}`);
    }
  }
  process.stderr.write(`log scan: ${lines} captured log lines checked for Stripe secrets, ${leaks.length} found\n`);
  if (leaks.length > 0) {
    throw new Error(
      `Stripe secrets appeared in ${leaks.length} log lines (all lines are in ${folder}):\n${leaks.slice(0, 20).join('\n')}`,
    );
  }
  rmSync(folder, { recursive: true, force: true });
}
