import { InvalidInputError } from '../core/errors';

const MERCHANT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks a merchant id from a path, body or query string. */
export function parseMerchantId(value: unknown): string {
  if (typeof value !== 'string' || !MERCHANT_ID.test(value)) {
    throw new InvalidInputError(
      'invalid_merchant_id',
      'merchantId must be 1 to 64 characters of letters, digits, "_" or "-".',
    );
  }
  return value;
}
