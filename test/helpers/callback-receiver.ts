import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  headers: IncomingHttpHeaders;
  body: string;
  answeredWith: number;
}

/**
 * A flow's callback endpoint on 127.0.0.1. `answer` picks the status of
 * each request from its position (1-based); by default every one gets 204.
 */
export class CallbackReceiver {
  readonly received: ReceivedCallback[] = [];
  answer: (attempt: number) => number = () => 204;
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<CallbackReceiver> {
    let receiver: CallbackReceiver | undefined;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        const status = receiver!.answer(receiver!.received.length + 1);
        receiver!.received.push({ headers: request.headers, body, answeredWith: status });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    receiver = new CallbackReceiver(server, `http://127.0.0.1:${port}/callbacks`);
    return receiver;
  }

  /** Callbacks of one payment, in arrival order. */
  forPayment(paymentId: string): ReceivedCallback[] {
    return this.received.filter((item) => JSON.parse(item.body).paymentId === paymentId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
