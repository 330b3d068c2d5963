/**
 * Stripe's presentment currencies, their minor units and minimum charge amounts, from
 * https://docs.stripe.com/currencies ("Supported presentment currencies", "Zero-decimal
 * currencies", "Three-decimal currencies", "Minimum and maximum charge amounts").
 */

const SUPPORTED_CURRENCIES = new Set(
  (
    'usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp ' +
    'byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip ' +
    'gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt ' +
    'lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr ' +
    'nzd omr pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd ' +
    'std szl thb tjs tnd top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw'
  ).split(' '),
);

/** Currencies whose API amounts are whole units (100 means ¥100). */
const ZERO_DECIMAL = new Set(
  'bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '),
);

/** Currencies whose API amounts have three decimals (1000 means 1.000 KWD). */
const THREE_DECIMAL = new Set('bhd jod kwd omr tnd'.split(' '));

/** Minimum charge amounts in the currency's API units. */
const MINIMUM_CHARGE: Record<string, number> = {
  usd: 50,
  aed: 200,
  ars: 50,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  cop: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  idr: 50,
  ils: 50,
  inr: 50,
  jpy: 50,
  krw: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  php: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
  zar: 50,
};

/** Stripe's maximum amount for a charge: 8 digits in the currency's API units. */
export const MAXIMUM_CHARGE = 99_999_999;

export function isSupportedCurrency(code: string): boolean {
  return SUPPORTED_CURRENCIES.has(code);
}

export function supportedCurrencyList(): string {
  return [...SUPPORTED_CURRENCIES].join(', ');
}

export function decimalDigits(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) {
    return 0;
  }
  return THREE_DECIMAL.has(currency) ? 3 : 2;
}

/**
 * Returns the minimum charge in API units. Stripe sets the minimum of an unlisted
 * currency as the equivalent of the settlement currency's minimum.
 * NOTE: the sandbox has no exchange rates, so an unlisted currency accepts any amount of 1 or more.
 */
export function minimumCharge(currency: string): number {
  return MINIMUM_CHARGE[currency] ?? 1;
}

/** Formats an API amount the way Stripe's amount_too_small message does: "$0.50 usd". */
export function formatAmount(amount: number, currency: string): string {
  const digits = decimalDigits(currency);
  const major = amount / 10 ** digits;
  let formatted: string;
  try {
    formatted = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: currency.toUpperCase(),
      currencyDisplay: 'narrowSymbol',
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(major);
  } catch (error) {
    if (!(error instanceof RangeError)) {
      throw error;
    }
    // Intl rejects codes it does not know, such as retired ones, so print the number alone.
    formatted = major.toFixed(digits);
  }
  return `${formatted} ${currency}`;
}
