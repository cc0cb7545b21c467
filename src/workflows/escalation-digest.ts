import { log, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { EscalationDigestInput } from './contracts.js';
import { MAIL_DELIVERY } from './mail-options.js';

/** One workflow per digest: `sla-escalation-<escalation id>`, started by the breach that opened it. */
export const escalationDigestWorkflowId = (escalationId: string) => `sla-escalation-${escalationId}`;

const digests = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});
const mail = proxyActivities<Activities>(MAIL_DELIVERY);

/** Waits for the digest's window to end, then writes the one mail for its breaches and sends it. */
export async function escalationDigestWorkflow(input: EscalationDigestInput): Promise<void> {
  const waitMs = Date.parse(input.sendsAt) - Date.now();
  if (waitMs > 0) await sleep(waitMs);
  const { outboundId } = await digests.writeEscalationDigest({
    organizationId: input.organizationId,
    escalationId: input.escalationId,
  });
  if (!outboundId) return;
  try {
    await mail.deliverEmail({ outboundId, organizationId: input.organizationId });
  } catch (error) {
    // Only a permanent failure ends up here; the outbox row keeps the reason.
    log.warn('escalation digest not delivered', { outboundId, error: String(error) });
  }
}
