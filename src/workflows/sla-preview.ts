// When a ticket opened at a given instant would be due, computed with the workflow's own pure state
// (so the admins' preview and the real clocks never disagree). Pure: `at` is passed in.
import type { TicketPriority } from '../domain/vocabulary.js';
import { nextOpening, openIntervals } from './sla-calendar.js';
import {
  applyAgentReply,
  applyCustomerMessage,
  deadlineOf,
  initialSlaState,
  type SlaPolicyContext,
} from './ticket-state.js';

/** Enough for a month of weekdays with a lunch break. */
const MAX_OPENINGS = 62;

export interface SlaPreview {
  /** When the clocks start counting: `at` when open, else the next opening. */
  clockStarts: number;
  firstResponse: number;
  /** A customer message at `at` after the first response; null when the policy has no such SLA. */
  nextResponse: number | null;
  resolution: number;
  /** The open stretches from `at` to the last deadline (at most MAX_OPENINGS). */
  openings: [start: number, end: number][];
}

export function previewSla(policy: SlaPolicyContext, priority: TicketPriority, at: number): SlaPreview {
  const opened = initialSlaState(at, 'open', priority, policy);
  // The next-response clock starts when the customer writes again after the first response.
  const answered = applyCustomerMessage(applyAgentReply(opened, at), at);
  const firstResponse = deadlineOf(opened, 'first_response')!;
  const resolution = deadlineOf(opened, 'resolution')!;
  const nextResponse = deadlineOf(answered, 'next_response');
  const last = Math.max(firstResponse, resolution, nextResponse ?? 0);
  return {
    clockStarts: nextOpening(at, policy.businessHours),
    firstResponse,
    nextResponse,
    resolution,
    openings: openIntervals(at, last, policy.businessHours, MAX_OPENINGS),
  };
}
