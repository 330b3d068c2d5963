/**
 * An error that the emulator returns instead of running an operation, so
 * tests can exercise the caller's retry and error handling.
 */
export interface Fault {
  /** Operation name such as GetSecretValue, or `*` for every operation. */
  target: string;
  statusCode: number;
  /** The `__type` of the error, such as ThrottlingException. */
  type: string;
  message: string;
  /** Number of requests that still get this error. */
  remaining: number;
}

/** Error for an invalid `POST /_local/faults` body. */
export class InvalidFaultError extends Error {
  override name = 'InvalidFaultError';
}

const DEFAULT_MESSAGES: Record<string, string> = {
  ThrottlingException: 'Rate exceeded',
  InternalServiceError: 'An error occurred on the server side.',
};

/** Queue of injected faults, consumed in the order they were added. */
export class FaultInjector {
  private faults: Fault[] = [];

  constructor(private readonly operations: readonly string[]) {}

  /**
   * Adds a fault from a request body such as
   * `{"target": "GetSecretValue", "status": 500, "type": "InternalServiceError", "times": 2}`.
   * `times` defaults to 1 and `message` to AWS's usual text for the type.
   */
  add(input: unknown): Fault {
    if (typeof input !== 'object' || input === null) {
      throw new InvalidFaultError('invalid fault: expected a JSON object');
    }
    const {
      target,
      status,
      type,
      times = 1,
      message,
    } = input as Record<string, unknown>;
    if (
      typeof target !== 'string' ||
      (target !== '*' && !this.operations.includes(target))
    ) {
      throw new InvalidFaultError(
        `invalid fault target ${JSON.stringify(target)}: expected "*" or one of ${this.operations.join(', ')}`,
      );
    }
    if (
      typeof status !== 'number' ||
      !Number.isInteger(status) ||
      status < 400 ||
      status > 599
    ) {
      throw new InvalidFaultError(
        `invalid fault status ${JSON.stringify(status)}: expected an integer from 400 to 599`,
      );
    }
    if (typeof type !== 'string' || !/^[A-Za-z]+$/.test(type)) {
      throw new InvalidFaultError(
        `invalid fault type ${JSON.stringify(type)}: expected an error name such as ThrottlingException`,
      );
    }
    if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) {
      throw new InvalidFaultError(
        `invalid fault times ${JSON.stringify(times)}: expected a positive integer`,
      );
    }
    if (message !== undefined && typeof message !== 'string') {
      throw new InvalidFaultError('invalid fault message: expected a string');
    }
    const fault: Fault = {
      target,
      statusCode: status,
      type,
      message:
        message ?? DEFAULT_MESSAGES[type] ?? `Injected ${type} for ${target}.`,
      remaining: times,
    };
    this.faults.push(fault);
    return fault;
  }

  /** Removes every pending fault and returns how many there were. */
  clear(): number {
    const count = this.faults.length;
    this.faults = [];
    return count;
  }

  /** Returns the first pending fault for `operation` and counts one use of it. */
  take(operation: string): Fault | undefined {
    const fault = this.faults.find(
      (candidate) => candidate.target === '*' || candidate.target === operation,
    );
    if (fault === undefined) {
      return undefined;
    }
    fault.remaining -= 1;
    if (fault.remaining === 0) {
      this.faults = this.faults.filter((candidate) => candidate !== fault);
    }
    return fault;
  }
}
