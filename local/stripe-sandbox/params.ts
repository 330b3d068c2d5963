/**
 * Readers for parsed form parameters. Each reader raises the 400 that Stripe returns
 * for the same mistake, naming the parameter in bracket notation (`line_items[0][quantity]`).
 */
import { invalidRequest, parameterMissing, parameterUnknown } from './errors';
import { asFormArray, FormObject, FormValue, isFormObject } from './form';

/** Joins a parent parameter name and a child key in bracket notation. */
export function paramName(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}[${key}]`;
}

/** Raises parameter_unknown for the first key of `params` not in `allowed`. */
export function rejectUnknownParams(
  params: FormObject,
  allowed: readonly string[],
  prefix = '',
): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw parameterUnknown(paramName(prefix, key));
    }
  }
}

interface ReadOptions {
  required?: boolean;
  prefix?: string;
}

export function readString(
  params: FormObject,
  key: string,
  options: ReadOptions & { maxLength?: number } = {},
): string | undefined {
  const name = paramName(options.prefix ?? '', key);
  const value = Object.hasOwn(params, key) ? params[key] : undefined;
  if (value === undefined || value === '') {
    if (options.required) {
      throw parameterMissing(name);
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw invalidRequest(
      `Invalid string: ${name} must be a single value, not a nested object or array.`,
      {
        param: name,
      },
    );
  }
  if (options.maxLength !== undefined && value.length > options.maxLength) {
    throw invalidRequest(
      `Invalid string: ${name} is ${value.length} characters long, and the maximum is ${options.maxLength}.`,
      { param: name },
    );
  }
  return value;
}

export function readInteger(
  params: FormObject,
  key: string,
  options: ReadOptions & { min?: number; max?: number } = {},
): number | undefined {
  const text = readString(params, key, options);
  if (text === undefined) {
    return undefined;
  }
  const name = paramName(options.prefix ?? '', key);
  if (!/^-?\d{1,15}$/.test(text)) {
    throw invalidRequest(`Invalid integer: ${text}`, { param: name });
  }
  const value = Number(text);
  if (options.min !== undefined && value < options.min) {
    throw invalidRequest(`This value must be greater than or equal to ${options.min}.`, {
      param: name,
    });
  }
  if (options.max !== undefined && value > options.max) {
    throw invalidRequest(`This value must be less than or equal to ${options.max}.`, {
      param: name,
    });
  }
  return value;
}

export function readBoolean(
  params: FormObject,
  key: string,
  options: ReadOptions = {},
): boolean | undefined {
  const text = readString(params, key, options);
  if (text === undefined) {
    return undefined;
  }
  if (text !== 'true' && text !== 'false') {
    throw invalidRequest(`Invalid boolean: ${text}`, {
      param: paramName(options.prefix ?? '', key),
    });
  }
  return text === 'true';
}

export function readObject(
  params: FormObject,
  key: string,
  options: ReadOptions = {},
): FormObject | undefined {
  const name = paramName(options.prefix ?? '', key);
  const value = Object.hasOwn(params, key) ? params[key] : undefined;
  if (value === undefined || value === '') {
    if (options.required) {
      throw parameterMissing(name);
    }
    return undefined;
  }
  if (!isFormObject(value)) {
    throw invalidRequest(`Invalid object: ${name} must be a hash such as ${name}[key]=value.`, {
      param: name,
    });
  }
  return value;
}

export function readArray(
  params: FormObject,
  key: string,
  options: ReadOptions = {},
): FormValue[] | undefined {
  const name = paramName(options.prefix ?? '', key);
  const value = Object.hasOwn(params, key) ? params[key] : undefined;
  if (value === undefined || value === '') {
    if (options.required) {
      throw parameterMissing(name);
    }
    return undefined;
  }
  const items = asFormArray(value);
  if (items === undefined) {
    throw invalidRequest(`Invalid array: ${name} must be a list such as ${name}[0]=value.`, {
      param: name,
    });
  }
  return items;
}

export function readStringArray(
  params: FormObject,
  key: string,
  options: ReadOptions = {},
): string[] | undefined {
  const items = readArray(params, key, options);
  if (items === undefined) {
    return undefined;
  }
  const name = paramName(options.prefix ?? '', key);
  return items.map((item, index) => {
    if (typeof item !== 'string') {
      throw invalidRequest(`Invalid string: ${name}[${index}] must be a single value.`, {
        param: `${name}[${index}]`,
      });
    }
    return item;
  });
}

/** Stripe's metadata limits: 50 keys, keys up to 40 characters, values up to 500. */
const METADATA_MAX_KEYS = 50;
const METADATA_MAX_KEY_LENGTH = 40;
const METADATA_MAX_VALUE_LENGTH = 500;

/**
 * Reads `metadata[key]=value` pairs. An empty value means "unset this key", as in
 * Stripe's update calls, and is returned as null so an update can delete the key.
 */
export function readMetadata(
  params: FormObject,
  key = 'metadata',
  prefix = '',
): Record<string, string | null> | undefined {
  const metadata = readObject(params, key, { prefix });
  if (metadata === undefined) {
    return Object.hasOwn(params, key) ? {} : undefined;
  }
  const name = paramName(prefix, key);
  const entries = Object.entries(metadata);
  if (entries.length > METADATA_MAX_KEYS) {
    throw invalidRequest(
      `Invalid ${name}: it has ${entries.length} keys, and the maximum is ${METADATA_MAX_KEYS}.`,
      {
        param: name,
      },
    );
  }
  const result: Record<string, string | null> = {};
  for (const [metadataKey, value] of entries) {
    const itemName = paramName(name, metadataKey);
    if (metadataKey.length > METADATA_MAX_KEY_LENGTH) {
      throw invalidRequest(
        `Invalid ${name}: the key '${metadataKey}' is longer than ${METADATA_MAX_KEY_LENGTH} characters.`,
        { param: itemName },
      );
    }
    if (typeof value !== 'string') {
      throw invalidRequest(`Invalid ${itemName}: metadata values must be strings.`, {
        param: itemName,
      });
    }
    if (value.length > METADATA_MAX_VALUE_LENGTH) {
      throw invalidRequest(
        `Invalid ${itemName}: the value is longer than ${METADATA_MAX_VALUE_LENGTH} characters.`,
        { param: itemName },
      );
    }
    Object.defineProperty(result, metadataKey, {
      value: value === '' ? null : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

/** Applies a metadata update to stored metadata: null values delete keys. */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string | null>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...current, ...update })) {
    if (value !== null) {
      Object.defineProperty(result, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return result;
}

/** Reads `expand[]` and raises Stripe's error for a path the object cannot expand. */
export function readExpand(params: FormObject, expandable: readonly string[]): string[] {
  const paths = readStringArray(params, 'expand') ?? [];
  for (const path of paths) {
    if (!expandable.includes(path)) {
      throw invalidRequest(`This property cannot be expanded (${path}).`, { param: 'expand' });
    }
  }
  return paths;
}
