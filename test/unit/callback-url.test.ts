import { isInternalAddress, validateCallbackUrl } from '../../functions/core/callback-url';
import { InvalidInputError } from '../../functions/core/errors';

const aws = { allowedHosts: ['flows.jelou.ai', '*.brain.jelou.ai'], allowLoopback: false };
const local = { ...aws, allowLoopback: true };

function rejects(url: string, policy = aws): boolean {
  try {
    validateCallbackUrl(url, policy);
    return false;
  } catch (error) {
    return error instanceof InvalidInputError && error.code === 'invalid_callback_url';
  }
}

describe('validateCallbackUrl', () => {
  it.each([
    'https://flows.jelou.ai/hook',
    'https://a.brain.jelou.ai/hook?x=1',
    'https://FLOWS.jelou.ai/hook',
  ])('accepts %s', (url) => {
    expect(rejects(url)).toBe(false);
  });

  it.each([
    ['plain http', 'http://flows.jelou.ai/hook'],
    ['a host off the list', 'https://evil.example.com/hook'],
    ['a suffix trick', 'https://evilflows.jelou.ai/hook'],
    ['the bare wildcard domain', 'https://brain.jelou.ai/hook'],
    ['loopback in AWS', 'https://127.0.0.1/hook'],
    ['localhost in AWS', 'http://localhost:3000/hook'],
    ['a metadata address', 'https://169.254.169.254/latest'],
    ['a private address', 'https://10.0.0.5/hook'],
    ['an IPv6 loopback', 'https://[::1]/hook'],
    ['credentials in the URL', 'https://user:pass@flows.jelou.ai/hook'],
    ['not a URL', 'flows.jelou.ai/hook'],
  ])('rejects %s', (_case, url) => {
    expect(rejects(url)).toBe(true);
  });

  it.each(['http://127.0.0.1:4000/cb', 'http://localhost:4000/cb', 'http://[::1]:4000/cb'])(
    'accepts loopback %s locally',
    (url) => {
      expect(rejects(url, local)).toBe(false);
    },
  );

  it('rejects private addresses locally', () => {
    expect(rejects('http://192.168.1.10/cb', local)).toBe(true);
  });
});

describe('isInternalAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.0.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fd00::1', true],
    ['fe80::1', true],
    ['::ffff:127.0.0.1', true],
    ['8.8.8.8', false],
    ['172.32.0.1', false],
    ['2606:4700::1111', false],
  ])('classifies %s', (address, internal) => {
    expect(isInternalAddress(address)).toBe(internal);
  });
});
