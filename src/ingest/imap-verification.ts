import type { Mailbox } from '../db/schema/index.js';

/**
 * Whether the reader's successful IMAP login proves the organisation holds the mailbox's address: it
 * logged in as the address itself, on a server of the address's own domain (`imap.acme.com` for
 * `support@acme.com`). Whoever runs that domain's servers controls its mail; a login on a server of the
 * tenant's own choosing proves nothing, as anyone can run one with any user name. Other set-ups (a
 * hosted provider under another domain) verify by the emailed link.
 */
export function loginProvesAddress(mailbox: Pick<Mailbox, 'address' | 'imapUser' | 'imapHost'>): boolean {
  const address = mailbox.address.toLowerCase();
  if ((mailbox.imapUser ?? address).toLowerCase() !== address) return false;
  const domain = address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
  const host = (mailbox.imapHost ?? '').toLowerCase().replace(/\.$/, '');
  return domain !== '' && host !== '' && (host === domain || host.endsWith(`.${domain}`));
}
