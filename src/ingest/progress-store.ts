// Where a mailbox reader keeps its place (UIDVALIDITY and the last UID ingested) and its last error, on
// the mailbox's row. Run as admin: the reader works for every organisation.
import { and, eq, sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import { type Mailbox, mailboxes } from '../db/schema/index.js';
import type { IngestLogger } from './log.js';

export interface Progress {
  uidValidity: number;
  lastUid: number;
  firstSync: boolean;
}

export function createProgressStore(
  db: DatabaseHandle,
  mailboxId: string,
  opts: { skipSeenOnFirstSync: boolean; log: IngestLogger },
) {
  const admin = db.adminDb;
  return {
    async loadMailbox(): Promise<Mailbox | undefined> {
      return (await admin.select().from(mailboxes).where(eq(mailboxes.id, mailboxId)))[0];
    },

    /** What the tenant sees as the mailbox's lastError; null once it reads again. */
    recordError(message: string | null) {
      return admin
        .update(mailboxes)
        .set({ lastError: message, updatedAt: new Date() })
        .where(eq(mailboxes.id, mailboxId));
    },

    /** Where to go on in the folder opened with `uidValidity`: from the stored UID, or from the start. */
    async sync(uidValidity: number): Promise<Progress> {
      const [row] = await admin
        .select({ uidValidity: mailboxes.uidValidity, lastUid: mailboxes.lastUid })
        .from(mailboxes)
        .where(eq(mailboxes.id, mailboxId));
      if (!row) throw new Error(`mailbox ${mailboxId} disappeared`);
      if (row.uidValidity === uidValidity) return { uidValidity, lastUid: row.lastUid, firstSync: false };
      if (row.uidValidity !== null) {
        opts.log.warn(
          'UIDVALIDITY changed: rescanning the folder, mail already ingested is recognised and skipped',
          {
            mailboxId,
            previous: row.uidValidity,
            current: uidValidity,
          },
        );
      }
      // Conditional on the value we read, so a reader that overlaps this one cannot be rolled back.
      await admin
        .update(mailboxes)
        .set({ uidValidity, lastUid: 0, updatedAt: new Date() })
        .where(
          and(
            eq(mailboxes.id, mailboxId),
            row.uidValidity === null
              ? sql`${mailboxes.uidValidity} is null`
              : eq(mailboxes.uidValidity, row.uidValidity),
          ),
        );
      return { uidValidity, lastUid: 0, firstSync: row.uidValidity === null && opts.skipSeenOnFirstSync };
    },

    /** Stores that every UID up to `uid` is ingested (never moving back, only under the same UIDVALIDITY). */
    async advance(state: Progress, uid: number): Promise<void> {
      await admin
        .update(mailboxes)
        .set({
          lastUid: sql`greatest(${mailboxes.lastUid}, ${uid})`,
          lastSyncedAt: new Date(),
          lastError: null,
        })
        .where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.uidValidity, state.uidValidity)));
    },
  };
}
