/**
 * Resolution of webhook URLs to loopback addresses. The sandbox sends webhooks only to
 * this machine, and it maps `localhost` itself, so a delivery never makes a DNS lookup.
 */
import { isIP } from 'node:net';

export interface LoopbackTarget {
  protocol: 'http:' | 'https:';
  address: string;
  port: number;
  path: string;
  hostHeader: string;
}

/**
 * Resolves a webhook URL to a loopback address without any DNS lookup: `localhost`
 * maps to 127.0.0.1, and only IP literals in 127.0.0.0/8 or `::1` are accepted.
 */
export function loopbackTarget(urlText: string): LoopbackTarget | { error: string } {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    return { error: `Invalid webhook URL '${urlText}', so no request was sent.` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      error: `Webhook URL '${urlText}' does not use http or https, so no request was sent.`,
    };
  }
  const hostname = url.hostname.toLowerCase();
  const bare = hostname.replace(/^\[|\]$/g, '');
  let address: string | undefined;
  if (hostname === 'localhost') {
    address = '127.0.0.1';
  } else if (isIP(bare) === 4 && bare.startsWith('127.')) {
    address = bare;
  } else if (isIP(bare) === 6 && bare === '::1') {
    address = bare;
  }
  if (address === undefined) {
    return {
      error: `Delivery blocked: the sandbox sends webhooks only to loopback hosts (127.0.0.0/8, localhost, ::1), and '${url.hostname}' is not one, so no request was sent.`,
    };
  }
  const defaultPort = url.protocol === 'https:' ? 443 : 80;
  return {
    protocol: url.protocol,
    address,
    port: url.port === '' ? defaultPort : Number(url.port),
    path: `${url.pathname}${url.search}`,
    hostHeader: url.host,
  };
}
