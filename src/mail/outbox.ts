import { and, eq } from 'drizzle-orm';
import type { Tx } from '../db/client.js';
import { newMessageId } from '../db/ids.js';
import { type NewOutboundEmail, outboundEmails } from '../db/schema/index.js';

export type QueuedEmail = Omit<NewOutboundEmail, 'id' | 'messageId' | 'status' | 'attempts'> & {
  messageId?: string;
};

/**
 * Puts a mail in the outbox inside the caller's transaction, once per idempotency key: asking again
 * (a retried activity) returns the mail queued the first time.
 */
export async function queueEmail(tx: Tx, mail: QueuedEmail): Promise<{ id: string; messageId: string }> {
  const messageId = mail.messageId ?? newMessageId(mail.fromAddress);
  const [inserted] = await tx
    .insert(outboundEmails)
    .values({ ...mail, messageId })
    .onConflictDoNothing({ target: [outboundEmails.organizationId, outboundEmails.idempotencyKey] })
    .returning({ id: outboundEmails.id, messageId: outboundEmails.messageId });
  if (inserted) return inserted;
  const [existing] = await tx
    .select({ id: outboundEmails.id, messageId: outboundEmails.messageId })
    .from(outboundEmails)
    .where(
      and(
        eq(outboundEmails.organizationId, mail.organizationId),
        eq(outboundEmails.idempotencyKey, mail.idempotencyKey),
      ),
    );
  return existing!;
}
