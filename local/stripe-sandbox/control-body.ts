/**
 * Readers for the JSON bodies of control routes. HTML forms post the same fields as
 * strings, so numbers and booleans are also accepted in their text form.
 */
import { invalidRequest } from './errors';
import type { ControlBody } from './router';

export function bodyString(body: ControlBody, key: string, required = false): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === '') {
    if (required) {
      throw invalidRequest(`Missing required field: ${key}.`, {
        param: key,
        code: 'parameter_missing',
      });
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalidRequest(`Invalid ${key}: expected a string, got ${JSON.stringify(value)}.`, {
      param: key,
    });
  }
  return value;
}

export function bodyEnum<T extends string>(
  body: ControlBody,
  key: string,
  values: readonly T[],
): T | undefined {
  const value = bodyString(body, key);
  if (value !== undefined && !(values as readonly string[]).includes(value)) {
    throw invalidRequest(`Invalid ${key}: '${value}' is not one of ${values.join(', ')}.`, {
      param: key,
    });
  }
  return value as T | undefined;
}

export function bodyInteger(
  body: ControlBody,
  key: string,
  min: number,
  max: number,
): number | undefined {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') {
    return undefined;
  }
  const value = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(
      `Invalid ${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}.`,
      {
        param: key,
      },
    );
  }
  return value;
}

export function bodyBoolean(body: ControlBody, key: string): boolean | undefined {
  const raw = body[key];
  if (raw === undefined || raw === null || raw === '') {
    return undefined;
  }
  if (raw === true || raw === 'true') {
    return true;
  }
  if (raw === false || raw === 'false') {
    return false;
  }
  throw invalidRequest(`Invalid ${key}: expected true or false, got ${JSON.stringify(raw)}.`, {
    param: key,
  });
}

export function bodyObject(body: ControlBody, key: string): Record<string, unknown> | undefined {
  const value = body[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest(`Invalid ${key}: expected an object.`, { param: key });
  }
  return value as Record<string, unknown>;
}
