/**
 * Minimal hosted Checkout pages. The session's `url` shows the amount and a form that
 * posts a test card to the pay control route. A 3-D Secure page lets the tester
 * approve or fail the authentication.
 */
import { CheckoutSessionRecord, findSession } from './checkout';
import { formatAmount } from './currencies';
import { readString } from './params';
import type { ControlRequest, ControlResponse } from './router';

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}
.error{color:#b00020}.total{font-size:1.5rem}button{margin:.25rem 0;padding:.5rem 1rem}</style></head>
<body>${body}</body>
</html>
`;
}

/** Returns the pay page URL, with an error to show after a declined or rejected attempt. */
export function payPageUrl(sessionId: string, error?: string): string {
  const base = `/c/pay/${encodeURIComponent(sessionId)}`;
  return error === undefined ? base : `${base}?error=${encodeURIComponent(error)}`;
}

function merchantName(request: ControlRequest, record: CheckoutSessionRecord): string {
  return request.sandbox.state.accounts.get(record.accountId)?.name ?? 'Sandbox merchant';
}

export function payPage(request: ControlRequest): ControlResponse {
  const record = findSession(request.sandbox, null, request.pathParams.id);
  const { session } = record;
  const total = formatAmount(session.amount_total, session.currency);
  const items = record.lineItems
    .map(
      (item) =>
        `<li>${escapeHtml(item.description)} × ${item.quantity}: ${escapeHtml(formatAmount(item.amount_total, item.currency))}</li>`,
    )
    .join('');
  const error = readString(request.query, 'error');
  const header =
    `<p>${escapeHtml(merchantName(request, record))} (${session.livemode ? 'live' : 'test'} mode)</p>` +
    `<ul>${items}</ul><p class="total">Total ${escapeHtml(total)}</p>`;
  if (session.status !== 'open') {
    return {
      html: page('Checkout', `${header}<p>This Checkout Session is ${session.status}.</p>`),
    };
  }
  const cancel =
    session.cancel_url === null
      ? ''
      : `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>`;
  const form = `
<form method="post" action="/_sandbox/checkout/sessions/${escapeHtml(session.id)}/pay">
<label>Card number <input name="card" value="4242 4242 4242 4242" autocomplete="off"></label><br>
<label>Email <input name="email" type="email" value="${escapeHtml(session.customer_email ?? '')}"></label><br>
<button type="submit">Pay ${escapeHtml(total)}</button>
</form>
<p>Test cards: 4242 4242 4242 4242 succeeds, 4000 0025 0000 3155 asks for 3-D Secure,
4000 0000 0000 0002 is declined, 4000 0000 0000 9995 has insufficient funds.</p>${cancel}`;
  const message = error === undefined ? '' : `<p class="error">${escapeHtml(error)}</p>`;
  return { html: page('Checkout', header + message + form) };
}

export function authenticatePage(request: ControlRequest): ControlResponse {
  const id = request.pathParams.id;
  const record = request.sandbox.state.paymentIntents.get(id);
  if (record === undefined || record.intent.status !== 'requires_action') {
    return {
      status: 404,
      html: page('3-D Secure', '<p>No payment is waiting for authentication here.</p>'),
    };
  }
  const total = formatAmount(record.intent.amount, record.intent.currency);
  const action = `/_sandbox/payment_intents/${escapeHtml(id)}/authenticate`;
  const body = `<h1>3-D Secure test page</h1><p>Authenticate the payment of ${escapeHtml(total)}?</p>
<form method="post" action="${action}"><input type="hidden" name="result" value="succeeded"><button type="submit">Complete authentication</button></form>
<form method="post" action="${action}"><input type="hidden" name="result" value="failed"><button type="submit">Fail authentication</button></form>`;
  return { html: page('3-D Secure', body) };
}

/** Page shown after payment when the session has no `success_url`. */
export function completePage(request: ControlRequest): ControlResponse {
  const record = findSession(request.sandbox, null, request.pathParams.id);
  const total = formatAmount(record.session.amount_total, record.session.currency);
  const text =
    record.session.status === 'complete'
      ? `Payment of ${total} complete.`
      : `This Checkout Session is ${record.session.status}.`;
  return { html: page('Checkout', `<p>${escapeHtml(text)}</p>`) };
}
