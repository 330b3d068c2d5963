import { formatMoney } from '../core/money';
import type { PaymentStatus } from '../core/payment-state';
import type { HttpResult } from '../shared/http';
import { logger } from '../shared/logger';
import type { Services } from '../shared/services';

interface PageText {
  title: string;
  body: string;
}

const TEXT: Record<PaymentStatus | 'canceled' | 'unknown', PageText> = {
  succeeded: {
    title: 'Payment received',
    body: 'Your payment went through. You can go back to the chat now.',
  },
  pending: {
    title: 'Payment being confirmed',
    body: 'We are waiting for the confirmation of your payment. Go back to the chat: it will tell you as soon as the payment is confirmed.',
  },
  requires_action: {
    title: 'Payment waiting for your bank',
    body: 'Your bank asked you to confirm this payment. If you already did, go back to the chat: it will tell you the result.',
  },
  failed: {
    title: 'Payment did not go through',
    body: 'Your payment was not completed and you were not charged. Go back to the chat to try again.',
  },
  expired: {
    title: 'Payment link expired',
    body: 'This payment link is no longer valid and you were not charged. Go back to the chat to ask for a new one.',
  },
  needs_review: {
    title: 'Payment under review',
    body: 'Your payment is being checked. Go back to the chat; the merchant will follow up.',
  },
  canceled: {
    title: 'Payment not completed',
    body: 'You left the payment page before paying, so you were not charged. Go back to the chat to continue.',
  },
  unknown: {
    title: 'Payment status unavailable',
    body: 'We could not find this payment. Go back to the chat to continue.',
  },
};

const PAYMENT_ID = /^pay_[a-f0-9]{24}$/;

/**
 * Renders the page Checkout sends the customer back to. It shows only the
 * status, the amount and the merchant's display name; an unknown id gets
 * a neutral page.
 */
export async function renderReturnPage(
  services: Services,
  paymentId: string | undefined,
  canceled: boolean,
): Promise<HttpResult> {
  const payment =
    paymentId && PAYMENT_ID.test(paymentId)
      ? await services.payments.get(paymentId)
      : undefined;
  if (!payment) return page(TEXT.unknown);

  let merchantName: string | undefined;
  try {
    merchantName = (await services.installations.get(payment.merchantId))?.accountName;
  } catch (error) {
    logger.warn('merchant name unavailable for return page', { paymentId, error });
  }
  const open = payment.status === 'pending' || payment.status === 'requires_action';
  const text = canceled && open ? TEXT.canceled : TEXT[payment.status];
  const amount = formatMoney({ amount: payment.amount, currency: payment.currency });
  return page(text, { amount, merchantName });
}

function page(text: PageText, details?: { amount: string; merchantName?: string }): HttpResult {
  const facts = details
    ? `<p class="amount">${escapeHtml(details.amount)}</p>` +
      (details.merchantName
        ? `<p class="merchant">${escapeHtml(details.merchantName)}</p>`
        : '')
    : '';
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(text.title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;background:#f6f8fa;color:#1f2328}
main{background:#fff;padding:2rem;margin:1rem;border-radius:12px;max-width:26rem;text-align:center;box-shadow:0 1px 4px rgba(0,0,0,.1)}
.amount{font-size:1.6rem;font-weight:600;margin:.5rem 0}
.merchant{color:#59636e;margin:0 0 1rem}
</style>
</head>
<body><main><h1>${escapeHtml(text.title)}</h1>${facts}<p>${escapeHtml(text.body)}</p></main></body>
</html>
`;
  return {
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: html,
  };
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
