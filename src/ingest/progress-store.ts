// Where a mailbox reader keeps its place (UIDVALIDITY and the last UID ingested) and its last error, on
// the mailbox's row. Run as admin: the reader works for every organisation.
import type { DatabaseHandle } from '../db/client.js';
import {
  advanceMailboxProgress,
  loadMailboxById,
  readMailboxProgress,
  recordMailboxError,
  restartMailboxProgress,
} from '../db/queries/mailbox-progress.js';
import type { Mailbox } from '../db/schema/index.js';
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
    loadMailbox(): Promise<Mailbox | undefined> {
      return loadMailboxById(admin, mailboxId);
    },

    /** What the tenant sees as the mailbox's lastError; null once it reads again. */
    recordError(message: string | null) {
      return recordMailboxError(admin, mailboxId, message);
    },

    /** Where to go on in the folder opened with `uidValidity`: from the stored UID, or from the start. */
    async sync(uidValidity: number): Promise<Progress> {
      const row = await readMailboxProgress(admin, mailboxId);
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
      await restartMailboxProgress(admin, mailboxId, uidValidity, row.uidValidity);
      return { uidValidity, lastUid: 0, firstSync: row.uidValidity === null && opts.skipSeenOnFirstSync };
    },

    /** Stores that every UID up to `uid` is ingested (never moving back, only under the same UIDVALIDITY). */
    advance(state: Progress, uid: number): Promise<void> {
      return advanceMailboxProgress(admin, mailboxId, state.uidValidity, uid);
    },
  };
}
