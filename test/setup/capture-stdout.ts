import { mkdirSync, openSync, writeSync } from 'node:fs';
import { format } from 'node:util';

import { captureFile, logCaptureDir } from './log-capture';

// Runs in every test file before its tests. Everything written to stdout,
// stderr or the console goes to the capture file, which the global teardown
// scans for secrets. The service's logger writes INFO to stdout and WARN
// and ERROR to stderr. Captured lines are printed only with SHOW_LOGS=1,
// except stderr text that is not a JSON log line (jest's own reports and
// the messages of skipped tests), which is printed as before.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

mkdirSync(logCaptureDir(), { recursive: true });
// Opened once per test file and left to the process to close, so a line
// costs one write call.
const file = openSync(captureFile(), 'a');
const showLogs = Boolean(process.env.SHOW_LOGS);

// Jest runs this file once per test file in the same worker, but the
// streams belong to the process, so each stream is wrapped once.
const WRAPPED = Symbol.for('chat-payments.test.capture');

type Write = (...args: unknown[]) => boolean;

function capture(
  stream: NodeJS.WriteStream,
  passThrough: (text: string) => boolean,
): void {
  const marked = stream as unknown as Record<symbol, boolean>;
  if (marked[WRAPPED]) return;
  marked[WRAPPED] = true;
  const write = stream.write.bind(stream) as Write;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string') writeSync(file, chunk);
    else writeSync(file, chunk);
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (showLogs || passThrough(text)) return write(chunk, ...rest);
    const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof stream.write;
}

capture(process.stdout, () => false);
capture(process.stderr, (text) => !text.trimStart().startsWith('{'));

// Jest replaces the console of each test file with one that reports
// through the jest parent process, past the streams above.
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    writeSync(file, `${format(...args)}\n`);
    original(...args);
  };
}
