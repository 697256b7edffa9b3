import { describe, expect, it } from 'vitest';
import { isFolioError } from '../errors.js';
import { checkWebhookTarget, isPublicAddress, publicOnlyLookup } from './target.js';

describe('webhook targets (SSRF)', () => {
  it('accepts only public unicast addresses', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
    for (const address of [
      '127.0.0.1',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('refuses names that resolve to loopback, and bad URLs, naming url', async () => {
    for (const url of [
      'http://localhost:8080/hook',
      'http://127.0.0.1/',
      'gopher://example.com/',
      'https://u:p@example.com/',
      'nope',
    ]) {
      const error = await checkWebhookTarget(url, { allowPrivate: false }).catch((e: unknown) => e);
      expect(isFolioError(error) && error.code === 'BAD_REQUEST' && error.field === 'url', url).toBe(true);
    }
    await expect(
      checkWebhookTarget('http://localhost:8080/hook', { allowPrivate: true }),
    ).resolves.toBeInstanceOf(URL);
  });

  it('refuses at connection time a name that resolves to a private address', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      publicOnlyLookup('localhost', { all: true }, (e) => resolve(e)),
    );
    expect(error?.code).toBe('EPRIVATETARGET');
  });
});
