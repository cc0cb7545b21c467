import { describe, expect, it } from 'vitest';
import { allowedAddresses, HostRefusedError } from '../../src/net/host-policy.js';

const dns = (answers: Record<string, string[]>) => async (host: string) => {
  const found = answers[host];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return found;
};
const strict = { allowPrivate: false };

describe('allowedAddresses', () => {
  it('returns the public addresses a name resolves to, and public literals as they are', async () => {
    const resolve = dns({ 'imap.acme.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    expect(await allowedAddresses('imap.acme.com', strict, resolve)).toEqual([
      '93.184.216.34',
      '2606:2800:220:1::1',
    ]);
    expect(await allowedAddresses('[2606:4700:4700::1111]', strict, resolve)).toEqual([
      '2606:4700:4700::1111',
    ]);
  });

  it('refuses a name with one private answer among public ones, and one that does not resolve, alike', async () => {
    const resolve = dns({ 'rebind.example': ['93.184.216.34', '127.0.0.1'], 'empty.example': [] });
    const refusals = await Promise.all(
      ['rebind.example', 'empty.example', 'unknown.example', '169.254.169.254', '::1'].map((host) =>
        allowedAddresses(host, strict, resolve).then(
          () => 'accepted',
          (error: unknown) =>
            error instanceof HostRefusedError ? error.message.replace(host, '<host>') : String(error),
        ),
      ),
    );
    expect(new Set(refusals)).toEqual(
      new Set([expect.stringMatching(/^<host> is not a host on the public internet/)]),
    );
    expect(new Set(refusals).size).toBe(1);
  });

  it('lets through whatever the operator allowed, without resolving', async () => {
    const unreachable = dns({});
    expect(await allowedAddresses('10.0.0.5', { allowPrivate: true }, unreachable)).toEqual(['10.0.0.5']);
    expect(
      await allowedAddresses('Mail', { allowPrivate: false, operatorHosts: ['mail'] }, unreachable),
    ).toEqual(['Mail']);
    await expect(
      allowedAddresses('other', { allowPrivate: false, operatorHosts: ['mail'] }, unreachable),
    ).rejects.toThrow(HostRefusedError);
  });
});
