// A mailbox reader's place (UIDVALIDITY and the last UID ingested) and its last error, on the mailbox's
// row. Run as admin (adminDb): the reader works for every organisation.
import { and, eq, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { type Mailbox, mailboxes } from '../schema/index.js';

/** The mailbox row by id alone, whichever organisation's it is; undefined when it is gone. */
export async function loadMailboxById(db: Queryable, mailboxId: string): Promise<Mailbox | undefined> {
  const [row] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
  return row;
}

/** What the tenant sees as the mailbox's lastError (null once it reads again). */
export async function recordMailboxError(db: Queryable, mailboxId: string, message: string | null) {
  await db
    .update(mailboxes)
    .set({ lastError: message, updatedAt: new Date() })
    .where(eq(mailboxes.id, mailboxId));
}

/** The stored UIDVALIDITY (null before the first sync) and last UID ingested; undefined when the mailbox is gone. */
export async function readMailboxProgress(db: Queryable, mailboxId: string) {
  const [row] = await db
    .select({ uidValidity: mailboxes.uidValidity, lastUid: mailboxes.lastUid })
    .from(mailboxes)
    .where(eq(mailboxes.id, mailboxId));
  return row;
}

/**
 * Starts over under a new UIDVALIDITY (last UID 0), only if the stored one is still `previous`: a reader
 * that overlaps this one cannot be rolled back.
 */
export async function restartMailboxProgress(
  db: Queryable,
  mailboxId: string,
  uidValidity: number,
  previous: number | null,
) {
  await db
    .update(mailboxes)
    .set({ uidValidity, lastUid: 0, updatedAt: new Date() })
    .where(
      and(
        eq(mailboxes.id, mailboxId),
        previous === null ? sql`${mailboxes.uidValidity} is null` : eq(mailboxes.uidValidity, previous),
      ),
    );
}

/** Stores that every UID up to `uid` is ingested (never moving back, only under the same UIDVALIDITY). */
export async function advanceMailboxProgress(
  db: Queryable,
  mailboxId: string,
  uidValidity: number,
  uid: number,
) {
  await db
    .update(mailboxes)
    .set({
      lastUid: sql`greatest(${mailboxes.lastUid}, ${uid})`,
      lastSyncedAt: new Date(),
      lastError: null,
    })
    .where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.uidValidity, uidValidity)));
}
