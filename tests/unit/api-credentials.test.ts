import { describe, expect, it } from 'vitest';
import { checkPassword, hashPassword, verifyPassword } from '../../src/api/auth/passwords.js';
import { hashApiToken } from '../../src/api/auth/tokens.js';

describe('passwords', () => {
  it('hash with scrypt and a random salt, and verify', async () => {
    const first = await hashPassword('correct horse battery');
    const second = await hashPassword('correct horse battery');
    expect(first).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword('correct horse battery', first)).toBe(true);
    expect(await verifyPassword('correct horse batterY', first)).toBe(false);
  });

  it('treat canonically equivalent Unicode spellings as the same password', async () => {
    const stored = await hashPassword('caf\u00e9 au lait');
    expect(await verifyPassword('cafe\u0301 au lait', stored)).toBe(true);
  });

  it('refuse hashes of another scheme and accounts without a password', async () => {
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
    expect(await checkPassword('anything', null)).toBe(false);
  });
});

describe('API tokens', () => {
  it('are stored as their SHA-256', () => {
    expect(hashApiToken('idk_example')).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken('idk_example')).toBe(hashApiToken('idk_example'));
    expect(hashApiToken('idk_example')).not.toBe(hashApiToken('idk_examplf'));
  });
});
