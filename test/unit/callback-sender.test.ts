import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HttpCallbackSender } from '../../functions/adapters/callback-sender';

let server: Server;
let port: number;
let hits = 0;

beforeAll(async () => {
  server = createServer((_request, response) => {
    hits += 1;
    response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const request = (url: string) => ({ url, body: '{}', headers: { 'content-type': 'application/json' } });

describe('HttpCallbackSender', () => {
  it('reaches loopback on the local stage', async () => {
    const sender = new HttpCallbackSender({ timeoutMs: 2000, allowLoopback: true });

    const result = await sender.send(request(`http://localhost:${port}/cb`));

    expect(result).toEqual({ ok: true, status: 204 });
  });

  it('blocks a name resolving to loopback', async () => {
    const sender = new HttpCallbackSender({ timeoutMs: 2000, allowLoopback: false });
    const before = hits;

    const result = await sender.send(request(`https://localhost:${port}/cb`));

    expect(result.ok).toBe(false);
    expect(result.error).toContain('internal address');
    expect(hits).toBe(before);
  });

  it('rejects plain http outside loopback', async () => {
    const sender = new HttpCallbackSender({ timeoutMs: 2000, allowLoopback: false });

    const result = await sender.send(request(`http://localhost:${port}/cb`));

    expect(result).toEqual({ ok: false, error: 'callback URL must use https' });
  });

  it('reports an invalid header value', async () => {
    const sender = new HttpCallbackSender({ timeoutMs: 2000, allowLoopback: true });

    const result = await sender.send({
      url: `http://127.0.0.1:${port}/cb`,
      body: '{}',
      headers: { 'idempotency-key': 'bad\nvalue' },
    });

    expect(result.ok).toBe(false);
    expect(result.error).toContain('idempotency-key');
  });

  it('times out a silent receiver', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sender = new HttpCallbackSender({ timeoutMs: 300, allowLoopback: true });

    const result = await sender.send(request(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/cb`));
    silent.closeAllConnections();
    silent.close();

    expect(result.ok).toBe(false);
    expect(result.error).toContain('no response within 300 ms');
  });
});
