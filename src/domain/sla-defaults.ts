export type { TicketPriority } from './vocabulary.js';

/** Default SLA targets per priority, in business minutes. */
export const DEFAULT_SLA_TIMES = {
  low: { firstResponseTime: 24 * 60, resolutionTime: 72 * 60 },
  medium: { firstResponseTime: 8 * 60, resolutionTime: 24 * 60 },
  high: { firstResponseTime: 4 * 60, resolutionTime: 8 * 60 },
  urgent: { firstResponseTime: 60, resolutionTime: 4 * 60 },
} as const;

/** Days a resolved ticket waits for the customer before it closes, unless the organisation sets its own. */
export const DEFAULT_AUTO_CLOSE_DAYS = 7;
