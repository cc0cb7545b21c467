import { describe, expect, it } from 'vitest';
import { loginProvesAddress } from '../../src/ingest/imap-verification.js';

const mailbox = (address: string, imapHost: string | null, imapUser: string | null = address) => ({
  address,
  imapHost,
  imapUser,
});

describe('loginProvesAddress', () => {
  it('holds for a login as the address on a server of its domain', () => {
    expect(loginProvesAddress(mailbox('support@acme.com', 'imap.acme.com'))).toBe(true);
    expect(loginProvesAddress(mailbox('support@acme.com', 'acme.com'))).toBe(true);
    expect(loginProvesAddress(mailbox('support@acme.com', 'IMAP.Mail.ACME.com.'))).toBe(true);
    expect(loginProvesAddress(mailbox('support@acme.com', 'imap.acme.com', 'Support@Acme.com'))).toBe(true);
    // No user: the reader logs in as the address.
    expect(loginProvesAddress(mailbox('support@acme.com', 'imap.acme.com', null))).toBe(true);
  });

  it('does not hold for another user, another domain, or a look-alike domain', () => {
    expect(loginProvesAddress(mailbox('support@acme.com', 'imap.acme.com', 'support'))).toBe(false);
    expect(loginProvesAddress(mailbox('support@acme.com', 'imap.attacker.net'))).toBe(false);
    expect(loginProvesAddress(mailbox('support@acme.com', 'evilacme.com'))).toBe(false);
    expect(loginProvesAddress(mailbox('support@acme.com', 'acme.com.attacker.net'))).toBe(false);
    expect(loginProvesAddress(mailbox('support@acme.com', '203.0.113.5'))).toBe(false);
    expect(loginProvesAddress(mailbox('support@acme.com', null))).toBe(false);
  });
});
