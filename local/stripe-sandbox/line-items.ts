/**
 * Line items of a Checkout Session: validation of `line_items[]` with Stripe's error
 * messages and minimum charge amounts, and the `item` objects that
 * `expand[]=line_items` and `GET …/line_items` return, each with an inline one-time price.
 */
import {
  formatAmount,
  isSupportedCurrency,
  MAXIMUM_CHARGE,
  minimumCharge,
  supportedCurrencyList,
} from './currencies';
import { invalidRequest } from './errors';
import { FormObject, FormValue, isFormObject } from './form';
import type { ListObject } from './lists';
import {
  paramName,
  readArray,
  readInteger,
  readObject,
  readString,
  rejectUnknownParams,
} from './params';
import { newId, now, Sandbox, Scope } from './state';

/** Checkout's maximum number of line items in payment mode. */
const MAX_LINE_ITEMS = 100;
const MAX_QUANTITY = 999_999;

export interface LineItemInput {
  name: string;
  description: string | null;
  currency: string;
  unitAmount: number;
  quantity: number;
}

function readCurrency(params: FormObject, prefix: string): string {
  const currency = readString(params, 'currency', { required: true, prefix }) as string;
  const param = paramName(prefix, 'currency');
  if (currency !== currency.toLowerCase()) {
    throw invalidRequest(
      `Invalid currency: ${currency}. Currency codes must be lowercase ISO 4217 codes, such as ${currency.toLowerCase()}.`,
      { param },
    );
  }
  if (!isSupportedCurrency(currency)) {
    throw invalidRequest(
      `Invalid currency: ${currency}. Stripe currently supports these currencies: ${supportedCurrencyList()}`,
      {
        param,
      },
    );
  }
  return currency;
}

function readLineItem(item: FormValue, index: number): LineItemInput {
  const prefix = `line_items[${index}]`;
  if (!isFormObject(item)) {
    throw invalidRequest(`Invalid ${prefix}: each line item must be a hash.`, { param: prefix });
  }
  const params = item;
  rejectUnknownParams(params, ['price', 'price_data', 'quantity'], prefix);
  if (Object.hasOwn(params, 'price')) {
    throw invalidRequest(
      'The sandbox supports only inline price_data line items because it stores no Prices created with the Prices API.',
      { param: `${prefix}[price]` },
    );
  }

  const priceData = readObject(params, 'price_data', { required: true, prefix }) as FormObject;
  const pricePrefix = `${prefix}[price_data]`;
  rejectUnknownParams(
    priceData,
    ['currency', 'unit_amount', 'product_data', 'tax_behavior'],
    pricePrefix,
  );
  const currency = readCurrency(priceData, pricePrefix);
  const unitAmount = readInteger(priceData, 'unit_amount', {
    required: true,
    min: 0,
    prefix: pricePrefix,
  }) as number;

  const productData = readObject(priceData, 'product_data', {
    required: true,
    prefix: pricePrefix,
  }) as FormObject;
  const productPrefix = `${pricePrefix}[product_data]`;
  rejectUnknownParams(
    productData,
    ['name', 'description', 'images', 'metadata', 'tax_code'],
    productPrefix,
  );
  const name = readString(productData, 'name', {
    required: true,
    prefix: productPrefix,
    maxLength: 5000,
  }) as string;
  const description =
    readString(productData, 'description', { prefix: productPrefix, maxLength: 5000 }) ?? null;

  const quantity = readInteger(params, 'quantity', {
    required: true,
    min: 1,
    max: MAX_QUANTITY,
    prefix,
  }) as number;
  return { name, description, currency, unitAmount, quantity };
}

export function readLineItems(params: FormObject): LineItemInput[] {
  const items = readArray(params, 'line_items', { required: true }) as FormValue[];
  if (items.length === 0 || items.length > MAX_LINE_ITEMS) {
    throw invalidRequest(`Invalid line_items: send between 1 and ${MAX_LINE_ITEMS} line items.`, {
      param: 'line_items',
    });
  }
  const lineItems = items.map(readLineItem);
  lineItems.forEach((item, index) => {
    if (item.currency !== lineItems[0].currency) {
      throw invalidRequest(
        `All line items must use the same currency: line_items[${index}] uses ${item.currency} but line_items[0] uses ${lineItems[0].currency}.`,
        { param: `line_items[${index}][price_data][currency]` },
      );
    }
  });
  return lineItems;
}

export function readAmountTotal(lineItems: LineItemInput[]): number {
  const currency = lineItems[0].currency;
  const total = lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
  if (total < minimumCharge(currency)) {
    throw invalidRequest(
      `The Checkout Session's total amount due must add up to at least ${formatAmount(minimumCharge(currency), currency)}`,
      { param: 'line_items', code: 'amount_too_small' },
    );
  }
  if (total > MAXIMUM_CHARGE) {
    throw invalidRequest(
      `The Checkout Session's total amount due must be no more than ${formatAmount(MAXIMUM_CHARGE, currency)}`,
      { param: 'line_items', code: 'amount_too_large' },
    );
  }
  return total;
}

export interface LineItem {
  id: string;
  object: 'item';
  amount_discount: number;
  amount_subtotal: number;
  amount_tax: number;
  amount_total: number;
  currency: string;
  description: string;
  price: Record<string, unknown>;
  quantity: number;
}

export function buildLineItems(sandbox: Sandbox, scope: Scope, items: LineItemInput[]): LineItem[] {
  return items.map((item) => {
    const amount = item.unitAmount * item.quantity;
    return {
      id: newId('li_1'),
      object: 'item',
      amount_discount: 0,
      amount_subtotal: amount,
      amount_tax: 0,
      amount_total: amount,
      currency: item.currency,
      description: item.name,
      price: {
        id: newId('price_1'),
        object: 'price',
        active: false,
        billing_scheme: 'per_unit',
        created: now(sandbox),
        currency: item.currency,
        livemode: scope.livemode,
        metadata: {},
        product: newId('prod_'),
        recurring: null,
        type: 'one_time',
        unit_amount: item.unitAmount,
        unit_amount_decimal: String(item.unitAmount),
      },
      quantity: item.quantity,
    };
  });
}

/** Returns the `line_items` list that an expanded session carries. */
export function lineItemList(sessionId: string, items: LineItem[]): ListObject<LineItem> {
  return {
    object: 'list',
    data: structuredClone(items),
    has_more: false,
    url: `/v1/checkout/sessions/${sessionId}/line_items`,
  };
}
