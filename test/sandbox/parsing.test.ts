import { loopbackTarget } from '../../local/stripe-sandbox/loopback';
import { maskKey, StripeApiError } from '../../local/stripe-sandbox/errors';
import { asFormArray, parseForm } from '../../local/stripe-sandbox/form';

describe('parseForm', () => {
  it('nests bracket notation', () => {
    const params = parseForm(
      'mode=payment&line_items[0][price_data][currency]=usd&line_items[0][quantity]=2' +
        '&metadata[jelou_payment_id]=pay_1&expand[]=payment_intent&expand[]=line_items',
    );
    expect(params).toEqual({
      mode: 'payment',
      line_items: { '0': { price_data: { currency: 'usd' }, quantity: '2' } },
      metadata: { jelou_payment_id: 'pay_1' },
      expand: ['payment_intent', 'line_items'],
    });
    expect(asFormArray(params.line_items)).toEqual([
      { price_data: { currency: 'usd' }, quantity: '2' },
    ]);
  });

  it('decodes percent and plus encoding', () => {
    const params = parseForm(
      'success_url=https%3A%2F%2Fexample.com%2Fok%3Fa%3D1&description=Green+tea+%26+cake&note=%E2%9C%93',
    );
    expect(params.success_url).toBe('https://example.com/ok?a=1');
    expect(params.description).toBe('Green tea & cake');
    expect(params.note).toBe('✓');
  });

  it('orders integer keys numerically', () => {
    const params = parseForm('items[10]=c&items[2]=b&items[0]=a');
    expect(asFormArray(params.items)).toEqual(['a', 'b', 'c']);
  });

  it('groups bracket arrays of objects', () => {
    const params = parseForm('items[][name]=a&items[][qty]=1&items[][name]=b');
    expect(params.items).toEqual([{ name: 'a', qty: '1' }, { name: 'b' }]);
  });

  it('keeps __proto__ as plain data', () => {
    const params = parseForm('metadata[__proto__]=x&__proto__[polluted]=yes');
    expect(Object.keys(params.metadata as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects conflicting shapes', () => {
    expect(() => parseForm('a=1&a[b]=2')).toThrow(StripeApiError);
    expect(() => parseForm('a[b]=1&a=2')).toThrow(StripeApiError);
    expect(() => parseForm('a[b=1')).toThrow(StripeApiError);
    expect(() => parseForm('a=%E0%A4%A')).toThrow(StripeApiError);
  });
});

describe('loopbackTarget', () => {
  it('accepts loopback addresses', () => {
    const cases: [string, string, number][] = [
      ['http://127.0.0.1:3000/link-webhook?provider=STRIPE', '127.0.0.1', 3000],
      ['http://127.1.2.3/hook', '127.1.2.3', 80],
      ['http://localhost:8080/hook', '127.0.0.1', 8080],
      ['http://[::1]:9000/hook', '::1', 9000],
      ['http://2130706433:81/hook', '127.0.0.1', 81],
    ];
    for (const [url, address, port] of cases) {
      const target = loopbackTarget(url);
      expect(target).toMatchObject({ address, port });
    }
    expect(loopbackTarget('http://127.0.0.1:3000/link-webhook?provider=STRIPE')).toMatchObject({
      path: '/link-webhook?provider=STRIPE',
      hostHeader: '127.0.0.1:3000',
    });
  });

  it('rejects every other host', () => {
    const urls = [
      'https://chat-payments.jelou.dev/link-webhook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest',
      'http://0.0.0.0/hook',
      'http://[::ffff:7f00:1]/hook',
      'http://localhost.example.com/hook',
      'http://127.0.0.1.nip.io/hook',
      'ftp://127.0.0.1/hook',
      'not a url',
    ];
    for (const url of urls) {
      expect(loopbackTarget(url)).toHaveProperty('error');
    }
  });
});

describe('maskKey', () => {
  it('never reveals a whole key', () => {
    const key = 'sk_test_51abcdefghijklmnopqrstuvwxyz1234';
    expect(maskKey(key)).toBe(`sk_test_${'*'.repeat(key.length - 12)}1234`);
    expect(maskKey('undefined')).toBe('*****ined');
    expect(maskKey('abc')).toBe('***');
  });
});
