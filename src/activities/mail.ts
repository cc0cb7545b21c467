import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { findOutboundEmail, recordDeliveryAttempt } from '../db/queries/outbound-mail.js';
import { countEmail } from '../db/queries/subscriptions.js';
import type { NewOutboundEmail } from '../db/schema/index.js';
import { PermanentMailError } from '../mail/mailer.js';
import type { ActivityDeps } from './context.js';

/** Runs `fn` up to 6 times, 0.5 s apart and doubling (about 15 s in all); rethrows the last failure. */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1, delay = 500; ; attempt++, delay *= 2) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 6) throw error;
      await sleep(delay);
    }
  }
}

export function createMailActivities({ db, mailer, storage }: ActivityDeps) {
  /** Updates a mail not yet sent; the one update that marks it sent also counts it in the month's usage. */
  const mark = (organizationId: string, outboundId: string, set: Partial<NewOutboundEmail>) =>
    db.withTenant({ organizationId }, async (tx) => {
      const status = await recordDeliveryAttempt(tx, organizationId, outboundId, set);
      if (status === 'sent') await countEmail(tx, organizationId, 'outbound');
    });

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
      const mail = await db.withTenant({ organizationId }, (tx) =>
        findOutboundEmail(tx, organizationId, outboundId),
      );
      if (mail?.status !== 'pending') return;
      try {
        await mailer.send({
          from: mail.fromAddress,
          fromName: mail.fromName,
          to: mail.toAddresses,
          cc: mail.ccAddresses,
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
      // The mail is out: failing now would send it again on the activity's retry, so a database hiccup
      // (a PostgreSQL restart drops the pooled connections) is retried here first.
      await retrying(() =>
        mark(organizationId, outboundId, { status: 'sent', sentAt: new Date(), lastError: null }),
      );
    },
  };
}
