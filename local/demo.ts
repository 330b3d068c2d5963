import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { type LocalStage, startLocalStage } from './stage';

/**
 * `npm run demo`: starts a private local stage on free ports and walks
 * through install, a payment per test card and the flow callbacks,
 * printing each step with the ids involved. Nothing is left running.
 */

const CARDS = [
  { card: '4242424242424242', label: 'succeeds' },
  { card: '4000002500003155', label: 'asks for 3-D Secure, then succeeds' },
  { card: '4000000000000002', label: 'is declined' },
  { card: '4000000000009995', label: 'has insufficient funds' },
];

const print = (line = '') => process.stdout.write(`${line}\n`);

async function call(url: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, any>) : {};
  if (!response.ok) {
    throw new Error(`${init.method ?? 'GET'} ${url} returned ${response.status}: ${text}`);
  }
  return body;
}

async function startCallbackReceiver(): Promise<{ server: Server; url: string; received: unknown[] }> {
  const received: unknown[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push(JSON.parse(body));
      const event = JSON.parse(body) as { paymentId: string; previousStatus: string; status: string };
      print(`    ↳ flow callback: ${event.paymentId} ${event.previousStatus} → ${event.status} (Idempotency-Key ${request.headers['idempotency-key']})`);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, url: `http://127.0.0.1:${port}/callbacks`, received };
}

async function waitForStatus(stage: LocalStage, paymentId: string, statuses: string[]): Promise<Record<string, any>> {
  await call(`${stage.stripeUrl}/_sandbox/deliveries/flush`, { method: 'POST' });
  for (let attempt = 0; attempt < 50; attempt++) {
    const payment = await call(`${stage.url}/payments/${paymentId}`);
    if (statuses.includes(payment.status)) return payment;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return call(`${stage.url}/payments/${paymentId}`);
}

async function main(): Promise<void> {
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  print('Starting a private local stage (DynamoDB Local, Secrets Manager emulator, Stripe sandbox)…');
  const stage = await startLocalStage({ port: 0, stripePort: 0, secretsPort: 0, dynamodbPort: 0 });
  const receiver = await startCallbackReceiver();
  try {
    print(`  handlers at ${stage.url}, Stripe sandbox at ${stage.stripeUrl}`);
    print();
    print('1. A merchant signs up with Stripe (sandbox account, test mode).');
    const account = await call(`${stage.stripeUrl}/_sandbox/accounts`, { body: { mode: 'test', name: 'Demo Bakery' } });
    print(`   account ${account.accountId}, secret key sk_test_…${String(account.secretKey).slice(-4)}`);

    print('2. The merchant installs the Stripe app in the Marketplace and lets it configure the webhook.');
    const installed = await call(`${stage.url}/merchants/demo-bakery/stripe`, {
      method: 'PUT',
      body: { apiKey: account.secretKey, configureWebhook: true },
    });
    print(`   PUT /merchants/demo-bakery/stripe → ${installed.keyType} key ${installed.keyHint}, account "${installed.accountName}", webhook ${installed.webhook.status} (${installed.webhook.endpointId})`);

    for (const [index, { card, label }] of CARDS.entries()) {
      print();
      print(`${index + 3}. A flow sends a payment link; the customer pays with ${card}, which ${label}.`);
      const payment = await call(`${stage.url}/payments`, {
        body: {
          merchantId: 'demo-bakery',
          amount: 1250,
          currency: 'usd',
          description: 'Sourdough loaf',
          reference: `order-${index + 1}`,
          callbackUrl: receiver.url,
        },
        headers: { 'idempotency-key': `demo-${Date.now()}-${index}` },
      });
      print(`   POST /payments → ${payment.paymentId} (${payment.status}), Checkout Session ${payment.checkoutSessionId}`);
      print(`   payment link: ${payment.url}`);
      const paid = await call(`${stage.stripeUrl}/_sandbox/checkout/sessions/${payment.checkoutSessionId}/pay`, { body: { card } });
      print(`   customer paid: PaymentIntent ${paid.paymentIntent.id} is ${paid.paymentIntent.status}`);
      let current = await waitForStatus(stage, payment.paymentId, ['succeeded', 'failed', 'requires_action']);
      if (current.status === 'requires_action') {
        print('   the webhook reported requires_action; the customer completes 3-D Secure');
        await call(`${stage.stripeUrl}/_sandbox/payment_intents/${paid.paymentIntent.id}/authenticate`, { body: { result: 'succeeded' } });
        current = await waitForStatus(stage, payment.paymentId, ['succeeded', 'failed']);
      }
      const error = current.lastError ? ` (${current.lastError.code}${current.lastError.declineCode ? `/${current.lastError.declineCode}` : ''}: ${current.lastError.message})` : '';
      print(`   GET /payments/${payment.paymentId} → ${current.status}${error}`);
      print(`   history: ${current.history.map((entry: { status: string; source: string }) => `${entry.status} (${entry.source})`).join(' → ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    print();
    print(`Done: ${receiver.received.length} flow callbacks received.`);
  } finally {
    receiver.server.close();
    await stage.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
