import { uuidFromName } from '../db/ids.js';
import { recordSurveyOnce } from '../db/queries/csat.js';
import { fromSender } from '../db/queries/mailboxes.js';
import { queueEmail, ticketMailContext } from '../db/queries/outbound-mail.js';
import { findTicket } from '../db/queries/tickets.js';
import { surveyMail } from '../mail/templates.js';
import type { SurveyInput } from '../workflows/contracts.js';
import type { ActivityDeps } from './context.js';

export function createSurveyActivities({ db, defaultFrom, surveyLinks }: ActivityDeps) {
  return {
    /**
     * Records the survey and queues its email, once per ticket and due time. A ticket deleted or
     * reopened meanwhile (the workflow drops the survey on reopen; this is the belt to its braces) gets none.
     */
    async sendSatisfactionSurvey(input: SurveyInput): Promise<{ outboundId: string | null }> {
      return db.withTenant({ organizationId: input.organizationId }, async (tx) => {
        const ticket = await findTicket(tx, input.organizationId, input.ticketId);
        if (!ticket || (ticket.status !== 'resolved' && ticket.status !== 'closed'))
          return { outboundId: null };
        const { sender, facts, own } = await ticketMailContext(
          tx,
          ticket,
          'satisfaction_survey',
          defaultFrom,
        );
        const surveyId = uuidFromName('csat-survey', `${input.ticketId}:${input.dueAt}`);
        await recordSurveyOnce(tx, {
          id: surveyId,
          organizationId: input.organizationId,
          ticketId: input.ticketId,
          customerId: ticket.customerId,
          email: facts.customer.email,
        });
        const mail = surveyMail(facts, surveyLinks.url(surveyId), own);
        const queued = await queueEmail(tx, {
          organizationId: input.organizationId,
          ticketId: input.ticketId,
          kind: 'survey',
          idempotencyKey: `survey:${surveyId}`,
          ...fromSender(sender),
          toAddresses: [facts.customer.email],
          subject: mail.subject,
          textBody: mail.text,
          headers: mail.headers,
        });
        return { outboundId: queued.id };
      });
    },
  };
}
