import { InvalidInputError } from '../../functions/core/errors';
import {
  currencyExponent,
  formatMoney,
  validateMoney,
} from '../../functions/core/money';

function codeOf(amount: unknown, currency: unknown): string | undefined {
  try {
    validateMoney(amount, currency);
    return undefined;
  } catch (error) {
    return error instanceof InvalidInputError ? error.code : 'unexpected';
  }
}

describe('validateMoney', () => {
  it.each([
    [50, 'usd'],
    [1050, 'usd'],
    [50, 'eur'],
    [30, 'gbp'],
    [50, 'jpy'],
    [500, 'krw'],
    [1000, 'mxn'],
    [1500, 'kwd'],
    [100, 'kwd'],
    [99_999_999, 'usd'],
    [1, 'cop'],
    [1000, 'isk'],
  ])('accepts %d %s', (amount, currency) => {
    expect(codeOf(amount, currency)).toBeUndefined();
  });

  it.each([
    [49, 'usd', 'amount_too_small'],
    [29, 'gbp', 'amount_too_small'],
    [49, 'jpy', 'amount_too_small'],
    [999, 'mxn', 'amount_too_small'],
    [0, 'cop', 'amount_too_small'],
    [-100, 'usd', 'amount_too_small'],
    [100_000_000, 'usd', 'amount_too_large'],
    [10.5, 'usd', 'invalid_amount'],
    ['1050', 'usd', 'invalid_amount'],
    [null, 'usd', 'invalid_amount'],
    [Number.NaN, 'usd', 'invalid_amount'],
    [1505, 'kwd', 'invalid_amount'],
    [17550, 'huf', 'invalid_amount'],
    [1050, 'USD', 'invalid_currency'],
    [1050, 'xyz', 'invalid_currency'],
    [1050, undefined, 'invalid_currency'],
  ])('rejects %j %j as %s', (amount, currency, code) => {
    expect(codeOf(amount, currency)).toBe(code);
  });
});

describe('currencyExponent', () => {
  it.each([
    ['usd', 2],
    ['jpy', 0],
    ['krw', 0],
    ['clp', 0],
    ['kwd', 3],
    ['bhd', 3],
  ])('gives %s %d decimals', (currency, exponent) => {
    expect(currencyExponent(currency)).toBe(exponent);
  });
});

describe('formatMoney', () => {
  it.each([
    [1050, 'usd', '$10.50'],
    [500, 'jpy', '¥500'],
    [1500, 'kwd', 'KWD 1.500'],
    [50, 'eur', '€0.50'],
  ])('formats %d %s', (amount, currency, text) => {
    expect(formatMoney({ amount, currency }).replace(/\u00A0/g, ' ')).toBe(text);
  });
});
