import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type Browser, chromium } from 'playwright-core';

import { StageHarness } from '../helpers/local-stage';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const describeInBrowser = available ? describe : describe.skip;
const SCREENSHOTS = join(__dirname, '..', '..', '.local', 'screenshots');

if (!available) {
  process.stderr.write(
    `Return page browser tests are skipped: no Chromium at ${CHROMIUM}. Install Debian's chromium package or set CHROMIUM_PATH.\n`,
  );
}

let harness: StageHarness;
let browser: Browser;

beforeAll(async () => {
  if (!available) return;
  harness = await StageHarness.start();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await harness?.stop();
});

async function paymentFor(merchantId: string, amount: number, currency: string, card?: string) {
  const created = await harness.createPayment({
    merchantId,
    amount,
    currency,
    description: 'Return page order',
    reference: 'return-page',
  });
  if (card) {
    await harness.pay(created.body.checkoutSessionId, card);
    await harness.flushDeliveries();
  }
  return created.body.paymentId;
}

/** Opens the page on a phone-sized screen; returns its text and a screenshot. */
async function open(query: string, name: string) {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  const response = await page.goto(`${harness.url}/checkout/return?${query}`);
  const text = await page.locator('main').innerText();
  const box = await page.locator('main').boundingBox();
  const screenshot = await page.screenshot({ fullPage: true });
  writeFileSync(join(SCREENSHOTS, `${name}.png`), screenshot);
  await page.close();
  return { status: response?.status(), text, box, screenshot };
}

describeInBrowser('checkout return page', () => {
  beforeAll(async () => {
    const account = await harness.createAccount('test', 'Panadería <b>Luna</b>');
    const reply = await harness.api('/merchants/luna/stripe', {
      method: 'PUT',
      body: { apiKey: account.secretKey, configureWebhook: true },
    });
    expect(reply.status).toBe(200);
  });

  it('confirms a successful payment', async () => {
    const paymentId = await paymentFor('luna', 1500, 'usd', '4242424242424242');

    const page = await open(`payment=${paymentId}`, 'succeeded');

    expect(page.status).toBe(200);
    expect(page.text).toContain('Payment received');
    expect(page.text).toContain('$15.00');
    expect(page.text).toContain('Panadería <b>Luna</b>');
    expect(page.text).toContain('go back to the chat');
    expect(page.box?.width).toBeGreaterThan(200);
    expect(page.box!.x + page.box!.width).toBeLessThanOrEqual(390);
    expect(page.screenshot.subarray(1, 4).toString()).toBe('PNG');
    expect(page.screenshot.length).toBeGreaterThan(5_000);
  });

  it('explains a declined payment', async () => {
    const paymentId = await paymentFor('luna', 500, 'jpy', '4000000000000002');

    const page = await open(`payment=${paymentId}`, 'failed');

    expect(page.text).toContain('did not go through');
    expect(page.text).toContain('¥500');
  });

  it('explains a canceled checkout', async () => {
    const paymentId = await paymentFor('luna', 1500, 'kwd');

    const page = await open(`payment=${paymentId}&canceled=1`, 'canceled');

    expect(page.text).toContain('Payment not completed');
    expect(page.text).toMatch(/KWD\s1\.500/);
  });

  it('shows a neutral page for unknown ids', async () => {
    const page = await open('payment=pay_000000000000000000000000', 'unknown');

    expect(page.status).toBe(200);
    expect(page.text).toContain('Payment status unavailable');
    expect(page.text).not.toMatch(/error|exception|stack/i);
  });

  it('shows nothing beyond status and amount', async () => {
    const paymentId = await paymentFor('luna', 1500, 'usd', '4242424242424242');

    const page = await open(`payment=${paymentId}`, 'privacy');

    expect(page.text).not.toContain(paymentId);
    expect(page.text).not.toContain('return-page');
    expect(page.text).not.toContain('Return page order');
    expect(page.text).not.toMatch(/acct_|pi_|cs_test_/);
  });
});
