// When a breach's escalation email goes out: at once when the managers heard nothing in the last window,
// otherwise in the digest that collects the window's breaches. A burst of breaches (business hours
// opening on a queue that shares one deadline) becomes one mail per window instead of one per ticket.

export interface LatestEscalation {
  id: string;
  sendsAt: Date;
  /** Null while a digest is still collecting breaches. */
  writtenAt: Date | null;
}

export type EscalationDecision =
  /** Tell the managers now, in a mail about this breach alone. */
  | { send: 'now' }
  /** Add the breach to the digest that is waiting for its window to end. */
  | { send: 'join'; escalationId: string }
  /** Open a digest for this window; it goes out at `sendsAt`. */
  | { send: 'open_digest'; sendsAt: Date };

export function decideEscalation(
  latest: LatestEscalation | undefined,
  detectedAt: Date,
  windowMs: number,
): EscalationDecision {
  if (latest && latest.writtenAt === null) return { send: 'join', escalationId: latest.id };
  if (latest && windowMs > 0) {
    const windowEnds = latest.sendsAt.getTime() + windowMs;
    if (detectedAt.getTime() < windowEnds) return { send: 'open_digest', sendsAt: new Date(windowEnds) };
  }
  return { send: 'now' };
}
