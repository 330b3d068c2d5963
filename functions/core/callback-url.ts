import { isIP } from 'node:net';

import { InvalidInputError } from './errors';

export interface CallbackPolicy {
  /** Hosts callbacks may go to; `*.example.com` allows subdomains. */
  allowedHosts: string[];
  /** True on the local stage only: loopback addresses over http or https. */
  allowLoopback: boolean;
}

/** Returns true for loopback, private, link-local and other internal IPs. */
export function isInternalAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const [a = 0, b = 0] = address.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (family === 6) {
    const lower = address.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped?.[1]) return isInternalAddress(mapped[1]);
    return (
      lower === '::' ||
      lower === '::1' ||
      lower.startsWith('fc') ||
      lower.startsWith('fd') ||
      lower.startsWith('fe8') ||
      lower.startsWith('fe9') ||
      lower.startsWith('fea') ||
      lower.startsWith('feb') ||
      lower.startsWith('ff')
    );
  }
  return false;
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return (
    bare === 'localhost' ||
    bare === '::1' ||
    (isIP(bare) === 4 && bare.startsWith('127.'))
  );
}

function hostAllowed(host: string, allowedHosts: string[]): boolean {
  return allowedHosts.some((allowed) =>
    allowed.startsWith('*.')
      ? host.endsWith(allowed.slice(1)) && host.length > allowed.length - 1
      : host === allowed,
  );
}

/**
 * Checks a flow's callback URL by its text: https, a host on the stage's
 * allow-list, and no internal IP literal. Loopback is allowed on the local
 * stage. The notify function checks the resolved addresses again before
 * each send, because a name can resolve to an internal address later.
 */
export function validateCallbackUrl(raw: string, policy: CallbackPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('callbackUrl is not a valid absolute URL.');
  }
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (url.username || url.password) {
    throw invalid('callbackUrl must not contain a user name or password.');
  }
  if (policy.allowLoopback && isLoopbackHost(host)) {
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
  }
  if (url.protocol !== 'https:') {
    throw invalid('callbackUrl must use https.');
  }
  if (isIP(host) !== 0 && isInternalAddress(host)) {
    throw invalid(`callbackUrl points to an internal address (${host}); use a public host on the allow-list.`);
  }
  if (!hostAllowed(host, policy.allowedHosts)) {
    throw invalid(
      `callbackUrl host ${host} is not on this stage's allow-list${policy.allowedHosts.length > 0 ? ` (${policy.allowedHosts.join(', ')})` : ', which is empty'}. Use an allowed host or ask the operators to add it.`,
    );
  }
  return url.toString();
}

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('invalid_callback_url', message);
}
