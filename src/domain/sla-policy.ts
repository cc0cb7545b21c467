import type { BusinessHours } from './business-hours.js';

/** The parts of an SLA policy a ticket's clocks run on (snapshotted into the ticket's workflow). */
export interface SlaPolicyContext {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  /** Minutes to answer each later customer message; null when the policy sets no next-response SLA. */
  nextResponseMinutes: number | null;
  /** Null when the clock runs 24/7 (no business hours set, or the policy is not business-hours-only). */
  businessHours: BusinessHours | null;
  autoCloseAfterDays: number;
  /** Share of a budget after which a warning is sent (e.g. 0.8); null for no warnings. */
  warningRatio: number | null;
}
