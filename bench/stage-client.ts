import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

import type { ChildMessage, ParentMessage, ReadyMessage } from './stage-process';

export const REPOSITORY_ROOT = join(__dirname, '..');

const MAX_LOG_SAMPLES = 5;
const STOP_TIMEOUT_MS = 15_000;

export interface StageProcessOptions {
  dynamodbEndpoint: string;
  merchantId: string;
  webhookSecret: string;
  startTimeoutMs: number;
  /** The child stops by itself after this, even if the parent hangs. */
  maxLifetimeSeconds: number;
}

/**
 * Counts the error lines a stage process writes: JSON log lines at level
 * ERROR or CRITICAL, and any stderr line that is not a JSON log line.
 */
export class ErrorLineCounter {
  count = 0;
  readonly samples: string[] = [];

  watch(stream: Readable | null, isStderr: boolean): void {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (line) => this.inspect(line, isStderr));
  }

  private inspect(line: string, isStderr: boolean): void {
    let isError = false;
    try {
      const parsed = JSON.parse(line) as { level?: unknown };
      isError = parsed.level === 'ERROR' || parsed.level === 'CRITICAL';
    } catch {
      isError = isStderr && line.trim().length > 0;
    }
    if (!isError) return;
    this.count++;
    if (this.samples.length < MAX_LOG_SAMPLES) this.samples.push(line.slice(0, 300));
  }
}

/** A local stage running in a child process of its own. */
export class StageProcess {
  readonly errorLines = new ErrorLineCounter();
  private ready: ReadyMessage | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {}

  /**
   * Forks bench/stage-process.ts on the source tree at `root`, with the
   * handlers' logs at level ERROR, and waits for its stage to be ready.
   */
  static async start(
    name: string,
    root: string,
    options: StageProcessOptions,
  ): Promise<StageProcess> {
    const child = fork(join(__dirname, 'stage-process.ts'), [root], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const stage = new StageProcess(name, child);
    stage.errorLines.watch(child.stdout, false);
    stage.errorLines.watch(child.stderr, true);
    try {
      const message: ParentMessage = {
        type: 'start',
        dynamodbEndpoint: options.dynamodbEndpoint,
        merchantId: options.merchantId,
        webhookSecret: options.webhookSecret,
        maxLifetimeSeconds: options.maxLifetimeSeconds,
      };
      child.send(message);
      const reply = await stage.nextMessage(options.startTimeoutMs);
      if (reply.type !== 'ready') {
        throw new Error(
          `stage ${name} failed to start: ${reply.type === 'failed' ? reply.message : reply.type}`,
        );
      }
      stage.ready = reply;
      return stage;
    } catch (error) {
      await stage.stop();
      throw error;
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get info(): ReadyMessage {
    if (!this.ready) throw new Error(`stage ${this.name} is not ready`);
    return this.ready;
  }

  /** Waits until the stage's stream poller has handled every record so far. */
  async settle(timeoutMs: number): Promise<void> {
    const message: ParentMessage = { type: 'settle' };
    this.child.send(message);
    const reply = await this.nextMessage(timeoutMs);
    if (reply.type !== 'settled') {
      throw new Error(
        `stage ${this.name} failed to settle: ${reply.type === 'failed' ? reply.message : reply.type}`,
      );
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    if (this.child.connected) {
      const message: ParentMessage = { type: 'stop' };
      this.child.send(message);
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private nextMessage(timeoutMs: number): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const onMessage = (message: ChildMessage) => {
        cleanup();
        resolve(message);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(
          new Error(
            `stage ${this.name} exited with code ${code}; ${this.errorLines.samples.join(' | ')}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`stage ${this.name} sent no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }
}
