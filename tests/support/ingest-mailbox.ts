// A Dovecot user with its `mailboxes` row, for ingest tests and the ingest benchmark (no vitest here).
import { setTimeout as sleep } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import type { DatabaseHandle } from '../../src/db/client.js';
import { type Mailbox, mailboxes } from '../../src/db/schema/index.js';
import type { DovecotServer } from './dovecot.js';

/**
 * Adds a Dovecot user and waits until it can log in: Dovecot re-reads its passwd-file at most once a
 * second, so a login right after adding the user can still be refused.
 */
export async function addUserAndWait(dovecot: DovecotServer, user: string, password: string): Promise<void> {
  await dovecot.addUser(user, password);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const client = new ImapFlow({ ...dovecot.clientOptions(user, password), disableAutoIdle: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.logout().catch(() => client.close());
      return;
    } catch (error) {
      client.close();
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/**
 * A Dovecot user `address` and a mailbox of the organisation reading its `folder`: verified, as the
 * operator's CLI adds it, unless `verified: false` (a tenant's claim). `host` names the server another
 * way than Dovecot's address (e.g. `localhost`).
 */
export async function createDovecotMailbox(
  db: DatabaseHandle,
  dovecot: DovecotServer,
  organizationId: string,
  opts: {
    address: string;
    password: string;
    folder?: string;
    name?: string;
    verified?: boolean;
    host?: string;
  },
): Promise<Mailbox> {
  await addUserAndWait(dovecot, opts.address, opts.password);
  const [row] = await db.adminDb
    .insert(mailboxes)
    .values({
      organizationId,
      name: opts.name ?? 'Support',
      address: opts.address,
      imapHost: opts.host ?? dovecot.host,
      imapPort: dovecot.port,
      imapSecure: false,
      imapUser: opts.address,
      imapPassword: opts.password,
      imapFolder: opts.folder ?? 'INBOX',
      verifiedAt: opts.verified === false ? null : new Date(),
    })
    .returning();
  return row!;
}
