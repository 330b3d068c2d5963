import { InvalidInputError } from './errors';

// Currencies Stripe charges in, ISO 4217 lower case (Stripe's list of
// supported presentment currencies, 2026).
const SUPPORTED_CURRENCIES = new Set(
  (
    'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd ' +
    'bnd bob brl bsd bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk ' +
    'dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd hkd hnl htg huf ' +
    'idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr ' +
    'lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio ' +
    'nok npr nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd ' +
    'scr sek sgd shp sle sos srd std szl thb tjs tnd top try ttd twd tzs uah ' +
    'ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
  ).split(' '),
);

// Stripe's zero-decimal currencies: the amount is in whole units.
const ZERO_DECIMAL = new Set(
  'bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '),
);

// Three-decimal currencies: Stripe takes thousandths, last digit 0.
const THREE_DECIMAL = new Set('bhd jod kwd omr tnd'.split(' '));

// Two-decimal in the API, but Stripe charges only whole units, so the
// amount must be divisible by 100.
const WHOLE_UNITS_ONLY = new Set('huf isk twd'.split(' '));

// Stripe's minimum charge amounts in minor units, by currency. Currencies
// missing here have a minimum equal to 0.50 USD at the day's rate, which
// only Stripe has, so Stripe's own amount_too_small error covers them.
const MINIMUM_AMOUNTS: Readonly<Record<string, number>> = {
  usd: 50, aed: 200, aud: 50, bgn: 100, brl: 50, cad: 50, chf: 50,
  czk: 1500, dkk: 250, eur: 50, gbp: 30, hkd: 400, huf: 17500, inr: 50,
  jpy: 50, mxn: 1000, myr: 200, nok: 300, nzd: 50, pln: 200, ron: 200,
  sek: 300, sgd: 50, thb: 1000,
};

/** Stripe's maximum amount for one charge: eight digits in minor units. */
export const MAX_AMOUNT = 99_999_999;

export interface Money {
  /** Integer amount in the currency's minor unit, as Stripe counts it. */
  amount: number;
  /** Lower-case ISO 4217 code. */
  currency: string;
}

/** Number of decimals Stripe uses for the currency's minor unit. */
export function currencyExponent(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

export function minimumAmount(currency: string): number | undefined {
  return MINIMUM_AMOUNTS[currency];
}

/**
 * Validates an amount and currency against Stripe's rules. Throws
 * InvalidInputError with a code the HTTP contract returns.
 */
export function validateMoney(amount: unknown, currency: unknown): Money {
  if (typeof currency !== 'string' || !SUPPORTED_CURRENCIES.has(currency)) {
    throw new InvalidInputError(
      'invalid_currency',
      `currency must be a lower-case ISO 4217 code that Stripe supports, such as "usd" or "eur"; got ${JSON.stringify(currency)}.`,
    );
  }
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount)) {
    throw new InvalidInputError(
      'invalid_amount',
      `amount must be an integer in the currency's smallest unit (for ${currency.toUpperCase()} ${describeMinorUnit(currency)}); got ${JSON.stringify(amount)}.`,
    );
  }
  const minimum = MINIMUM_AMOUNTS[currency] ?? 1;
  if (amount < minimum) {
    throw new InvalidInputError(
      'amount_too_small',
      `amount ${amount} is below Stripe's minimum charge for ${currency.toUpperCase()}, which is ${minimum} (${formatMoney({ amount: minimum, currency })}).`,
      { details: { minimum } },
    );
  }
  if (amount > MAX_AMOUNT) {
    throw new InvalidInputError(
      'amount_too_large',
      `amount ${amount} is above Stripe's maximum of ${MAX_AMOUNT} minor units for one charge.`,
    );
  }
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw new InvalidInputError(
      'invalid_amount',
      `amount ${amount} is in thousandths of ${currency.toUpperCase()}, and Stripe requires the last digit to be 0 (for example ${amount - (amount % 10)}).`,
    );
  }
  if (WHOLE_UNITS_ONLY.has(currency) && amount % 100 !== 0) {
    throw new InvalidInputError(
      'invalid_amount',
      `amount ${amount} must be divisible by 100: Stripe charges ${currency.toUpperCase()} in whole units only.`,
    );
  }
  return { amount, currency };
}

function describeMinorUnit(currency: string): string {
  const exponent = currencyExponent(currency);
  if (exponent === 0) return 'whole units, so 500 is 500';
  if (exponent === 3) return 'thousandths, so 1500 is 1.500';
  return 'hundredths, so 1050 is 10.50';
}

/** Formats an amount for people, such as "$10.50" or "¥500". */
export function formatMoney(money: Money, locale = 'en-US'): string {
  const exponent = currencyExponent(money.currency);
  const value = money.amount / 10 ** exponent;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(value);
}
