import type { ActivityOptions } from '@temporalio/workflow';

// SMTP outages can last; delivery keeps retrying with backoff, and the outbox row makes retries send once.
export const MAIL_DELIVERY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '10 minutes' },
};
