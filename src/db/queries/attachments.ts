import { and, eq, isNull } from 'drizzle-orm';
import { sha256OfStorageKey } from '../../domain/storage-key.js';
import type { MessageAttachment } from '../../workflows/contracts.js';
import type { Queryable } from '../client.js';
import { attachments, ticketMessages, tickets } from '../schema/index.js';

/**
 * Records a message's files in `attachments`; call it in the transaction that inserts the message, so
 * the message's jsonb list and the table never disagree. The ids travel with the message (derived
 * from the email or fixed in the workflow's input), so a retried write adds nothing.
 */
export async function recordMessageAttachments(
  db: Queryable,
  organizationId: string,
  messageId: string,
  files: readonly MessageAttachment[],
): Promise<void> {
  if (files.length === 0) return;
  await db
    .insert(attachments)
    .values(
      files.map((file) => {
        const storageKey = file.storageKey ?? file.url;
        return {
          id: file.id,
          organizationId,
          messageId,
          filename: file.filename,
          mimeType: file.mimeType,
          sizeBytes: file.size,
          sha256: sha256OfStorageKey(storageKey),
          storageKey,
          contentId: file.contentId ?? null,
          inline: file.inline ?? false,
        };
      }),
    )
    .onConflictDoNothing({ target: attachments.id });
}

/**
 * A file of a live ticket's message, by its id, or undefined. Under `withTenant` only the
 * organisation's rows are visible, so another organisation's attachment is simply not found.
 */
export async function findAttachment(db: Queryable, organizationId: string, attachmentId: string) {
  const [found] = await db
    .select({
      filename: attachments.filename,
      mimeType: attachments.mimeType,
      storageKey: attachments.storageKey,
    })
    .from(attachments)
    .innerJoin(ticketMessages, eq(ticketMessages.id, attachments.messageId))
    .innerJoin(tickets, eq(tickets.id, ticketMessages.ticketId))
    .where(
      and(
        eq(attachments.id, attachmentId),
        eq(attachments.organizationId, organizationId),
        isNull(tickets.deletedAt),
      ),
    );
  return found;
}
