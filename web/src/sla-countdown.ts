// What a ticket row shows of its next SLA deadline, recomputed every second in the browser. Pure.

export type SlaLevel = 'none' | 'ok' | 'warning' | 'breached';

export interface SlaCountdown {
  level: SlaLevel;
  text: string;
}

export interface SlaFields {
  status: string;
  createdAt: string;
  slaDeadline: string | null;
  slaBreachedAt: string | null;
}

/** Used when the organisation sets no `slaWarningRatio`. */
export const DEFAULT_WARNING_RATIO = 0.8;

const MINUTE = 60_000;

function duration(ms: number): string {
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 1) return `${Math.max(0, Math.floor(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * The next deadline as "12 min left" (amber once the elapsed share of the budget reaches the warning
 * ratio) or "breached N min ago" (red). Resolved and closed tickets run no clock.
 */
export function slaCountdown(
  ticket: SlaFields,
  now: number,
  warningRatio = DEFAULT_WARNING_RATIO,
): SlaCountdown {
  if (ticket.status === 'resolved' || ticket.status === 'closed') return { level: 'none', text: '' };
  const deadline = ticket.slaDeadline ? Date.parse(ticket.slaDeadline) : null;
  const breachedAt = ticket.slaBreachedAt ? Date.parse(ticket.slaBreachedAt) : null;
  const overdueSince = [deadline, breachedAt].filter((t): t is number => t !== null && t <= now);
  if (overdueSince.length) {
    const since = Math.min(...overdueSince);
    return { level: 'breached', text: `breached ${Math.floor((now - since) / MINUTE)} min ago` };
  }
  if (deadline === null) return { level: 'none', text: '' };
  const budget = deadline - Date.parse(ticket.createdAt);
  const elapsedShare = budget > 0 ? (now - Date.parse(ticket.createdAt)) / budget : 1;
  return {
    level: elapsedShare >= warningRatio ? 'warning' : 'ok',
    text: `${duration(deadline - now)} left`,
  };
}
