/**
 * Parser for Stripe's form encoding (`application/x-www-form-urlencoded` bodies and
 * query strings) with bracket notation, following the Rack rules Stripe's API uses:
 * `a[b][c]=x` nests objects, `a[]=x` appends to an array, and `a[0]=x` is an object
 * with the key "0". Parameter readers turn integer-keyed objects into arrays where a
 * parameter is an array, which is how `line_items[0][quantity]` from stripe-node works.
 */
import { invalidRequest } from './errors';

export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Maximum bracket depth, far above the 4 levels Stripe's v1 parameters use. */
const MAX_DEPTH = 10;
/** Maximum number of key-value pairs in one request. */
const MAX_PAIRS = 2000;

export function isFormObject(value: FormValue | undefined): value is FormObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidRequest(`Invalid form encoding: '${text}' is not valid percent-encoded UTF-8.`);
  }
}

/** Splits `a[b][0][]` into `['a', 'b', '0', '']`. */
function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open === -1) {
    return [key];
  }
  const segments = [key.slice(0, open)];
  const rest = key.slice(open);
  const pattern = /\[([^\][]*)\]/y;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(rest)) !== null) {
    segments.push(match[1]);
    if (pattern.lastIndex === rest.length) {
      return segments;
    }
  }
  throw invalidRequest(`Invalid parameter name: '${key}' has unbalanced brackets.`, { param: key });
}

/** Sets an own property, so a key such as `__proto__` stays plain data. */
function defineOwn(target: FormObject, key: string, value: FormValue): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

function ownValue(target: FormObject, key: string): FormValue | undefined {
  return Object.hasOwn(target, key) ? target[key] : undefined;
}

function conflict(fullKey: string): never {
  throw invalidRequest(
    `Invalid parameter ${fullKey}: it is sent both as a single value and as a nested object or array.`,
    { param: fullKey },
  );
}

/** Assigns `value` at `segments` below `container`, creating objects and arrays on the way. */
function assign(
  container: FormObject | FormValue[],
  segments: string[],
  value: string,
  fullKey: string,
): void {
  const [segment, ...rest] = segments;
  if (Array.isArray(container)) {
    if (segment !== '') {
      conflict(fullKey);
    }
    if (rest.length === 0) {
      container.push(value);
      return;
    }
    // Rack rule for `a[][b]=1&a[][c]=2`: reuse the last element until a key repeats.
    const last = container[container.length - 1];
    const nextKey = rest[0];
    if (isFormObject(last) && nextKey !== '' && ownValue(last, nextKey) === undefined) {
      assign(last, rest, value, fullKey);
      return;
    }
    const element: FormObject | FormValue[] = nextKey === '' ? [] : {};
    container.push(element);
    assign(element, rest, value, fullKey);
    return;
  }
  if (segment === '') {
    conflict(fullKey);
  }
  if (rest.length === 0) {
    const existing = ownValue(container, segment);
    if (existing !== undefined && typeof existing !== 'string') {
      conflict(fullKey);
    }
    defineOwn(container, segment, value);
    return;
  }
  let child = ownValue(container, segment);
  if (child === undefined) {
    child = rest[0] === '' ? [] : {};
    defineOwn(container, segment, child);
  }
  if (typeof child === 'string' || Array.isArray(child) !== (rest[0] === '')) {
    conflict(fullKey);
  }
  assign(child, rest, value, fullKey);
}

/** Parses a form-encoded body or query string into nested objects and arrays. */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  if (text === '') {
    return root;
  }
  const pairs = text.split('&');
  if (pairs.length > MAX_PAIRS) {
    throw invalidRequest(`Too many parameters: ${pairs.length} sent, the maximum is ${MAX_PAIRS}.`);
  }
  for (const pair of pairs) {
    if (pair === '') {
      continue;
    }
    const equals = pair.indexOf('=');
    const key = decodeComponent(equals === -1 ? pair : pair.slice(0, equals));
    const value = decodeComponent(equals === -1 ? '' : pair.slice(equals + 1));
    const segments = splitKey(key);
    if (segments[0] === '' || segments.length > MAX_DEPTH) {
      throw invalidRequest(`Invalid parameter name: '${key}'.`, { param: key });
    }
    assign(root, segments, value, key);
  }
  return root;
}

/**
 * Returns the elements of an array parameter: a real array (`a[]=x`) or an object with
 * integer keys (`a[0]=x`, `a[1]=y`), in index order. Returns undefined for anything else.
 */
export function asFormArray(value: FormValue | undefined): FormValue[] | undefined {
  if (Array.isArray(value)) {
    return value;
  }
  if (!isFormObject(value)) {
    return undefined;
  }
  const keys = Object.keys(value);
  if (!keys.every((key) => /^\d{1,6}$/.test(key))) {
    return undefined;
  }
  return keys
    .map((key) => [Number(key), value[key]] as const)
    .sort(([a], [b]) => a - b)
    .map(([, item]) => item);
}
