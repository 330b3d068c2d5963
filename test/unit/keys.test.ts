import { InvalidInputError } from '../../functions/core/errors';
import {
  assertKeyMode,
  classifyKey,
  classifyWebhookSecret,
  dashboardPermissionName,
  keyHint,
} from '../../functions/core/keys';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
    return undefined;
  } catch (error) {
    return error instanceof InvalidInputError ? error.code : 'unexpected';
  }
}

describe('classifyKey', () => {
  it.each([
    ['sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'standard', 'test'],
    ['sk_live_51HxYzAbCdEf0123456789', 'standard', 'live'],
    ['rk_test_51HxYzAbCdEf0123456789', 'restricted', 'test'],
    ['rk_live_51HxYzAbCdEf0123456789', 'restricted', 'live'],
  ])('accepts %s', (raw, keyType, mode) => {
    const key = classifyKey(raw);

    expect(key.keyType).toBe(keyType);
    expect(key.mode).toBe(mode);
    expect(key.key).toBe(raw);
  });

  it.each([
    ['leading and trailing spaces', '  sk_test_abc123  '],
    ['tabs and newlines', '\tsk_test_abc123\n'],
    ['a zero-width space inside', 'sk_test_abc\u200B123'],
    ['a byte order mark in front', '\uFEFFsk_test_abc123'],
    ['a word joiner at the end', 'sk_test_abc123\u2060'],
    ['a non-breaking space around', '\u00A0sk_test_abc123\u00A0'],
    ['a soft hyphen inside', 'sk_test_abc\u00AD123'],
    ['direction marks around', '\u200Esk_test_abc123\u200F'],
    ['a bidirectional isolate', '\u2066sk_test_abc123\u2069'],
  ])('cleans %s', (_case, raw) => {
    const key = classifyKey(raw);

    expect(key.key).toBe('sk_test_abc123');
  });

  it.each([
    ['pk_test_abc123', 'publishable_key'],
    ['pk_live_abc123', 'publishable_key'],
    [' pk_test_abc123', 'publishable_key'],
    ['whsec_abc123', 'webhook_secret_not_api_key'],
    ['sk_abc123', 'invalid_key_format'],
    ['sk_test_', 'invalid_key_format'],
    ['sk_test_abc 123', 'invalid_key_format'],
    ['sk_prod_abc123', 'invalid_key_format'],
    ['ak_test_abc123', 'invalid_key_format'],
    ['', 'invalid_key_format'],
    ['hello world', 'invalid_key_format'],
    ['sk_test_abc-123', 'invalid_key_format'],
    ['SK_TEST_abc123', 'invalid_key_format'],
  ])('rejects %j as %s', (raw, code) => {
    expect(codeOf(() => classifyKey(raw))).toBe(code);
  });

  it('never repeats the key in errors', () => {
    const raw = 'sk_test_secret value 123';

    let message = '';
    try {
      classifyKey(raw);
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).not.toContain('secret');
  });
});

describe('assertKeyMode', () => {
  it('accepts the stage mode', () => {
    expect(codeOf(() => assertKeyMode(classifyKey('sk_test_a1'), 'test'))).toBeUndefined();
  });

  it('names both environments on mismatch', () => {
    let message = '';
    try {
      assertKeyMode(classifyKey('sk_live_a1'), 'test');
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('chat-payments.jelou.dev');
    expect(message).toContain('chat-payments.jelou.ai');
    expect(message).toContain('sk_test_');
  });

  it.each([
    ['rk_test_a1', 'live'],
    ['sk_live_a1', 'test'],
  ] as const)('rejects %s on %s', (raw, stage) => {
    expect(codeOf(() => assertKeyMode(classifyKey(raw), stage))).toBe('mode_mismatch');
  });
});

describe('keyHint', () => {
  it('keeps prefix and last four', () => {
    expect(keyHint('sk_test_4eC39HqLyjWDarjtT1zdp7dc')).toBe('sk_test_…p7dc');
    expect(keyHint('rk_live_abcdefgh1234')).toBe('rk_live_…1234');
  });
});

describe('classifyWebhookSecret', () => {
  it('trims a pasted secret', () => {
    expect(classifyWebhookSecret(' whsec_abc123\n')).toBe('whsec_abc123');
  });

  it('rejects an API key', () => {
    expect(codeOf(() => classifyWebhookSecret('sk_test_abc'))).toBe('invalid_webhook_secret');
  });
});

describe('dashboardPermissionName', () => {
  const forbidden = (permission: string) =>
    `The provided key 'rk_test_********abc123' does not have the required permissions for this endpoint on account 'acct_1'. Having the '${permission}' permission would allow this request to continue.`;

  it.each([
    ['rak_payment_intent_read', 'PaymentIntents: Read'],
    ['rak_checkout_session_write', 'Checkout Sessions: Write'],
    ['rak_checkout_session_read', 'Checkout Sessions: Read'],
    ['rak_event_read', 'Events: Read'],
    ['rak_webhook_read', 'Webhook Endpoints: Read'],
    ['rak_webhook_write', 'Webhook Endpoints: Write'],
  ])('names %s as the Dashboard does', (permission, name) => {
    expect(dashboardPermissionName(forbidden(permission))).toBe(name);
  });

  it('ignores permissions it does not use', () => {
    expect(dashboardPermissionName(forbidden('rak_balance_read'))).toBeUndefined();
  });

  it('ignores messages without a permission', () => {
    expect(dashboardPermissionName('Invalid API Key provided')).toBeUndefined();
  });
});
