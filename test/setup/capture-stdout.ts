import { appendFileSync, mkdirSync } from 'node:fs';

import { captureFile, LOG_CAPTURE_DIR } from './log-capture';

// Runs in every test file before its tests. Log lines go to the capture
// file instead of the console; SHOW_LOGS=1 prints them as well.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

mkdirSync(LOG_CAPTURE_DIR, { recursive: true });
const file = captureFile();
const write = process.stdout.write.bind(process.stdout);

process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  appendFileSync(file, chunk);
  if (process.env.SHOW_LOGS) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
  callback?.();
  return true;
}) as typeof process.stdout.write;
