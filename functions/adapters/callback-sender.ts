import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';

import { isInternalAddress, isLoopbackHost } from '../core/callback-url';

export interface SendResult {
  ok: boolean;
  /** HTTP status, when the receiver responded. */
  status?: number;
  /** Reason the attempt failed, for logs. It never contains the signing secret. */
  error?: string;
}

export interface SendRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/** Sends one callback and reports how it went; never throws. */
export interface CallbackSender {
  send(request: SendRequest): Promise<SendResult>;
}

export interface HttpCallbackSenderOptions {
  timeoutMs: number;
  /** True on the local stage only: loopback receivers are allowed. */
  allowLoopback: boolean;
}

/**
 * Posts callbacks over HTTP(S). The receiver's name is resolved once per
 * attempt, every resolved address is checked, and the connection goes to
 * the checked address, so a name that resolves to an internal address,
 * at once or after a change, is never reached.
 */
export class HttpCallbackSender implements CallbackSender {
  constructor(private readonly options: HttpCallbackSenderOptions) {}

  async send(request: SendRequest): Promise<SendResult> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return { ok: false, error: 'invalid callback URL' };
    }
    const allowLoopback = this.options.allowLoopback && isLoopbackHost(url.hostname);
    const secure = url.protocol === 'https:';
    if (!secure && !allowLoopback) {
      return { ok: false, error: 'callback URL must use https' };
    }
    const send = secure ? httpsRequest : httpRequest;
    return new Promise<SendResult>((resolve) => {
      try {
        this.post(send, url, request, allowLoopback, resolve);
      } catch (error) {
        // http.request throws at once on an invalid header or option.
        resolve({ ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  /** Posts the request and resolves with its result on every outcome. */
  private post(
    send: typeof httpRequest,
    url: URL,
    request: SendRequest,
    allowLoopback: boolean,
    resolve: (result: SendResult) => void,
  ): void {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: {
          ...request.headers,
          'content-length': String(Buffer.byteLength(request.body)),
        },
        lookup: checkedLookup(allowLoopback),
        timeout: this.options.timeoutMs,
      },
      (response) => {
        // Only the status matters, so the body is drained and dropped.
        response.resume();
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          resolve(
            status >= 200 && status < 300
              ? { ok: true, status }
              : { ok: false, status, error: `receiver responded with HTTP ${status}` },
          );
        });
        response.on('error', (error) => resolve({ ok: false, error: error.message }));
      },
    );
    outgoing.on('timeout', () => {
      outgoing.destroy(new Error(`no response within ${this.options.timeoutMs} ms`));
    });
    outgoing.on('error', (error) => resolve({ ok: false, error: error.message }));
    outgoing.end(request.body);
  }
}

/**
 * Creates a DNS lookup for http(s).request that fails when any resolved
 * address is internal (loopback, private, link-local, metadata), unless
 * loopback is allowed and every address is loopback.
 */
function checkedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) {
        callback(error, '', 4);
        return;
      }
      const blocked = addresses.find(
        (entry) => isInternalAddress(entry.address) && !(allowLoopback && isLoopbackHost(entry.address)),
      );
      if (blocked || addresses.length === 0) {
        callback(
          new Error(`callback host ${hostname} resolves to an internal address ${blocked?.address ?? '(none)'}`),
          '',
          4,
        );
        return;
      }
      const chosen = addresses[0]!;
      if (options.all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, chosen.address, chosen.family ?? isIP(chosen.address));
      }
    });
  };
}
