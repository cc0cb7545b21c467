import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { outboundEmails } from '../db/schema/index.js';
import type { ActivityDeps } from './context.js';
import { PermanentMailError } from './mailer.js';

export function createMailActivities({ db, mailer, storage }: ActivityDeps) {
  const mark = (
    organizationId: string,
    outboundId: string,
    set: Partial<typeof outboundEmails.$inferInsert>,
  ) =>
    db.withTenant({ organizationId }, (tx) =>
      tx
        .update(outboundEmails)
        .set({ ...set, attempts: sql`${outboundEmails.attempts} + 1` })
        .where(and(eq(outboundEmails.id, outboundId), eq(outboundEmails.organizationId, organizationId))),
    );

  return {
    /**
     * Sends one outbox mail unless it was already sent. A crash between the SMTP server's acceptance and
     * the status update resends it with the same Message-ID, which receiving systems treat as one mail.
     */
    async deliverEmail({
      outboundId,
      organizationId,
    }: {
      outboundId: string;
      organizationId: string;
    }): Promise<void> {
      const [mail] = await db.withTenant({ organizationId }, (tx) =>
        tx
          .select()
          .from(outboundEmails)
          .where(and(eq(outboundEmails.id, outboundId), eq(outboundEmails.organizationId, organizationId))),
      );
      if (mail?.status !== 'pending') return;
      try {
        await mailer.send({
          from: mail.fromAddress,
          to: mail.toAddresses,
          replyTo: mail.replyTo,
          subject: mail.subject,
          text: mail.textBody,
          messageId: mail.messageId,
          inReplyTo: mail.inReplyTo,
          references: mail.references,
          headers: mail.headers,
          attachments: await Promise.all(
            mail.attachments.map(async (a) => {
              const stored = await storage.open(a.storageKey);
              // Stored before the reply was queued; missing bytes are a bug, not a retryable outage.
              if (!stored) throw new PermanentMailError(`attachment ${a.filename} is missing from storage`);
              return { filename: a.filename, contentType: a.contentType, content: stored.stream };
            }),
          ),
        });
      } catch (error) {
        const permanent = error instanceof PermanentMailError;
        await mark(organizationId, outboundId, {
          lastError: String((error as Error).message),
          status: permanent ? 'failed' : 'pending',
        });
        if (permanent)
          throw ApplicationFailure.create({ message: String((error as Error).message), nonRetryable: true });
        throw error;
      }
      await mark(organizationId, outboundId, { status: 'sent', sentAt: new Date(), lastError: null });
    },
  };
}
