/**
 * Validation of `POST /v1/checkout/sessions` parameters with Stripe's error messages.
 * The sandbox supports one-time payments with inline `price_data` line items.
 */
import { invalidRequest } from './errors';
import { FormObject } from './form';
import { LineItemInput, readAmountTotal, readLineItems } from './line-items';
import {
  mergeMetadata,
  paramName,
  readBoolean,
  readExpand,
  readInteger,
  readMetadata,
  readObject,
  readString,
  rejectUnknownParams,
} from './params';

/**
 * Top-level create parameters. `payment_method_types` is absent on purpose because API
 * version 2026-11-18.endive removed it in favour of dynamic payment methods.
 */
const CREATE_PARAMS = [
  'mode',
  'line_items',
  'success_url',
  'cancel_url',
  'client_reference_id',
  'customer_email',
  'metadata',
  'expires_at',
  'payment_intent_data',
  'locale',
  'submit_type',
  'billing_address_collection',
  'customer_creation',
  'allow_promotion_codes',
  'ui_mode',
  'expand',
];

/** Checkout's limits on `expires_at`, in seconds after creation. */
const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;

export interface PaymentIntentDataInput {
  metadata: Record<string, string>;
  description: string | null;
  receiptEmail: string | null;
  statementDescriptor: string | null;
  statementDescriptorSuffix: string | null;
}

export interface CheckoutSessionInput {
  lineItems: LineItemInput[];
  currency: string;
  amountTotal: number;
  expiresAt: number;
  successUrl: string | null;
  cancelUrl: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  metadata: Record<string, string>;
  locale: string | null;
  submitType: string | null;
  billingAddressCollection: string | null;
  customerCreation: string;
  allowPromotionCodes: boolean | null;
  paymentIntentData: PaymentIntentDataInput;
  expand: string[];
}

function readEnum(
  params: FormObject,
  key: string,
  values: readonly string[],
  prefix = '',
): string | undefined {
  const value = readString(params, key, { prefix });
  if (value !== undefined && !values.includes(value)) {
    const name = paramName(prefix, key);
    throw invalidRequest(`Invalid ${name}: must be one of ${values.join(', ')}`, { param: name });
  }
  return value;
}

function readUrl(params: FormObject, key: string): string | null {
  const value = readString(params, key, { maxLength: 5000 });
  if (value === undefined) {
    return null;
  }
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {
    // Falls through to the url_invalid error below.
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw invalidRequest('Not a valid URL', { param: key, code: 'url_invalid' });
  }
  return value;
}

function readExpiresAt(params: FormObject, nowSeconds: number): number {
  const expiresAt = readInteger(params, 'expires_at');
  if (expiresAt === undefined) {
    return nowSeconds + MAX_EXPIRY_SECONDS;
  }
  if (expiresAt < nowSeconds + MIN_EXPIRY_SECONDS) {
    throw invalidRequest(
      'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
      {
        param: 'expires_at',
      },
    );
  }
  if (expiresAt > nowSeconds + MAX_EXPIRY_SECONDS) {
    throw invalidRequest(
      'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
      {
        param: 'expires_at',
      },
    );
  }
  return expiresAt;
}

function readEmail(params: FormObject, key: string, prefix = ''): string | null {
  const email = readString(params, key, { prefix, maxLength: 800 });
  if (email === undefined) {
    return null;
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    const param = paramName(prefix, key);
    throw invalidRequest(`Invalid email address: ${email}`, { param, code: 'email_invalid' });
  }
  return email;
}

function readPaymentIntentData(params: FormObject): PaymentIntentDataInput {
  const prefix = 'payment_intent_data';
  const data = readObject(params, prefix) ?? {};
  rejectUnknownParams(
    data,
    [
      'metadata',
      'description',
      'receipt_email',
      'statement_descriptor',
      'statement_descriptor_suffix',
      'capture_method',
    ],
    prefix,
  );
  if (
    readEnum(data, 'capture_method', ['automatic', 'automatic_async', 'manual'], prefix) ===
    'manual'
  ) {
    throw invalidRequest(
      'The sandbox supports only automatic capture (capture_method=automatic_async).',
      {
        param: `${prefix}[capture_method]`,
      },
    );
  }
  return {
    metadata: mergeMetadata({}, readMetadata(data, 'metadata', prefix) ?? {}),
    description: readString(data, 'description', { prefix, maxLength: 1000 }) ?? null,
    receiptEmail: readEmail(data, 'receipt_email', prefix),
    statementDescriptor:
      readString(data, 'statement_descriptor', { prefix, maxLength: 22 }) ?? null,
    statementDescriptorSuffix:
      readString(data, 'statement_descriptor_suffix', { prefix, maxLength: 22 }) ?? null,
  };
}

/** Validates create parameters against the sandbox clock `nowSeconds`. */
export function parseCreateParams(
  params: FormObject,
  nowSeconds: number,
  expandable: readonly string[],
): CheckoutSessionInput {
  rejectUnknownParams(params, CREATE_PARAMS);
  const mode = readEnum(params, 'mode', ['payment', 'setup', 'subscription']);
  if (mode === undefined) {
    throw invalidRequest('Missing required param: mode.', {
      param: 'mode',
      code: 'parameter_missing',
    });
  }
  if (mode !== 'payment') {
    throw invalidRequest(`The sandbox supports only mode=payment, not mode=${mode}.`, {
      param: 'mode',
    });
  }
  if ((readEnum(params, 'ui_mode', ['hosted', 'embedded', 'custom']) ?? 'hosted') !== 'hosted') {
    throw invalidRequest('The sandbox supports only hosted Checkout (ui_mode=hosted).', {
      param: 'ui_mode',
    });
  }
  const expand = readExpand(params, expandable);
  const lineItems = readLineItems(params);
  return {
    lineItems,
    currency: lineItems[0].currency,
    amountTotal: readAmountTotal(lineItems),
    expiresAt: readExpiresAt(params, nowSeconds),
    successUrl: readUrl(params, 'success_url'),
    cancelUrl: readUrl(params, 'cancel_url'),
    clientReferenceId: readString(params, 'client_reference_id', { maxLength: 200 }) ?? null,
    customerEmail: readEmail(params, 'customer_email'),
    metadata: mergeMetadata({}, readMetadata(params) ?? {}),
    locale: readString(params, 'locale', { maxLength: 10 }) ?? null,
    submitType:
      readEnum(params, 'submit_type', ['auto', 'book', 'donate', 'pay', 'subscribe']) ?? null,
    billingAddressCollection:
      readEnum(params, 'billing_address_collection', ['auto', 'required']) ?? null,
    customerCreation:
      readEnum(params, 'customer_creation', ['always', 'if_required']) ?? 'if_required',
    allowPromotionCodes: readBoolean(params, 'allow_promotion_codes') ?? null,
    paymentIntentData: readPaymentIntentData(params),
    expand,
  };
}
