import { continueAsNew, proxyActivities } from '@temporalio/workflow';
// Type only: the workflow bundle never loads the activities (or anything doing I/O).
import type { IngestActivities, ReadMailboxResult } from '../ingest/activities.js';

/** One reader workflow per mailbox: a second start for the same id finds the running one. */
export const mailboxWorkflowId = (mailboxId: string) => `mailbox-${mailboxId}`;

export interface MailboxWorkflowArgs {
  mailboxId: string;
  /**
   * How long the reader may go without a heartbeat before Temporal gives its mailbox to another worker
   * (default 30 s): the longest a crashed process leaves the mailbox unread.
   */
  heartbeatTimeoutMs?: number;
  /** Reader runs (each up to the activity's own time limit) before continue-as-new. */
  runsPerExecution?: number;
}

/**
 * Keeps exactly one `readMailbox` activity alive for a mailbox. The activity heartbeats; when its
 * process dies the heartbeat stops and Temporal retries it (forever, with backoff) on whichever ingest
 * worker polls next. The activity returns now and then ('rotated') so the history stays short, and
 * for good when the mailbox is deactivated ('inactive').
 */
export async function mailboxWorkflow(args: MailboxWorkflowArgs): Promise<ReadMailboxResult> {
  const { readMailbox } = proxyActivities<IngestActivities>({
    // The reader rotates after an hour (its maxRunMs); this bound is only a safety net.
    startToCloseTimeout: '3 hours',
    heartbeatTimeout: args.heartbeatTimeoutMs ?? 30_000,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const runs = args.runsPerExecution ?? 24;
  for (let i = 0; i < runs; i++) {
    const result = await readMailbox({ mailboxId: args.mailboxId });
    if (result.exit === 'inactive') return result;
  }
  return continueAsNew<typeof mailboxWorkflow>(args);
}
