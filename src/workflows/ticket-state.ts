// Pure state of a ticket's SLA clocks: what each ticket event means for them, and when the workflow
// must next wake up. No I/O and no clock reads: every function takes `now` explicitly.
import {
  type BusinessHours,
  clockDeadline,
  clockRemaining,
  pauseClock,
  resumeClock,
  type SlaClock,
  startClock,
} from './sla-calendar.js';
import type { TicketPriority } from './sla-defaults.js';

export type TicketStatus = 'open' | 'pending' | 'resolved' | 'closed';
export type SlaKind = 'first_response' | 'resolution';

export interface SlaPolicyContext {
  firstResponseMinutes: number;
  resolutionMinutes: number;
  /** Null when the clock runs 24/7 (no business hours set, or the policy is not business-hours-only). */
  businessHours: BusinessHours | null;
  autoCloseAfterDays: number;
  /** Share of a budget after which a warning is sent (e.g. 0.8); null for no warnings. */
  warningRatio: number | null;
}

export type ClockOutcome = 'running' | 'met' | 'breached';

export interface ClockState {
  clock: SlaClock;
  outcome: ClockOutcome;
  /** Whether the warning for the current deadline was sent. */
  warned: boolean;
}

export interface TicketSlaState {
  status: TicketStatus;
  priority: TicketPriority;
  createdAt: number;
  policy: SlaPolicyContext;
  clocks: Record<SlaKind, ClockState>;
  /** When a resolved ticket closes itself; null unless resolved. */
  autoCloseAt: number | null;
}

export const SLA_KINDS: readonly SlaKind[] = ['first_response', 'resolution'];

export function initialSlaState(
  createdAt: number,
  status: TicketStatus,
  priority: TicketPriority,
  policy: SlaPolicyContext,
): TicketSlaState {
  const state: TicketSlaState = {
    status: 'open',
    priority,
    createdAt,
    policy,
    clocks: {
      first_response: {
        clock: startClock(policy.firstResponseMinutes, createdAt),
        outcome: 'running',
        warned: false,
      },
      resolution: {
        clock: startClock(policy.resolutionMinutes, createdAt),
        outcome: 'running',
        warned: false,
      },
    },
    autoCloseAt: null,
  };
  return status === 'open' ? state : applyStatus(state, status, createdAt);
}

const ALLOWED: Record<TicketStatus, readonly TicketStatus[]> = {
  open: ['pending', 'resolved', 'closed'],
  pending: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

/** Why a status change is refused, or null when it is allowed (the same status is a no-op, allowed). */
export function transitionError(from: TicketStatus, to: TicketStatus): string | null {
  if (from === to || ALLOWED[from].includes(to)) return null;
  if (from === 'closed')
    return 'a closed ticket cannot change; the customer can write again to open a new one';
  return `cannot change status from ${from} to ${to}`;
}

const DAY_MS = 86_400_000;

function mapClock(state: TicketSlaState, kind: SlaKind, fn: (c: ClockState) => ClockState): TicketSlaState {
  return { ...state, clocks: { ...state.clocks, [kind]: fn(state.clocks[kind]) } };
}

function settle(c: ClockState, now: number, hours: BusinessHours | null): ClockState {
  if (c.outcome !== 'running') return c;
  return { ...c, clock: pauseClock(c.clock, now, hours), outcome: 'met' };
}

/**
 * The resolution clock pauses while the ticket waits on the customer (pending), stops when resolved,
 * and resumes where it stopped when the ticket is reopened. A closed ticket stops every clock.
 */
export function applyStatus(state: TicketSlaState, to: TicketStatus, now: number): TicketSlaState {
  const hours = state.policy.businessHours;
  let next: TicketSlaState = { ...state, status: to, autoCloseAt: null };
  switch (to) {
    case 'pending':
      next = mapClock(next, 'resolution', (c) => ({ ...c, clock: pauseClock(c.clock, now, hours) }));
      break;
    case 'open':
      next = mapClock(next, 'resolution', (c) =>
        c.outcome === 'breached' ? c : { ...c, outcome: 'running', clock: resumeClock(c.clock, now) },
      );
      break;
    case 'resolved':
      next = mapClock(next, 'resolution', (c) => settle(c, now, hours));
      next.autoCloseAt = now + state.policy.autoCloseAfterDays * DAY_MS;
      break;
    case 'closed':
      for (const kind of SLA_KINDS) next = mapClock(next, kind, (c) => settle(c, now, hours));
      break;
  }
  return next;
}

/** A public agent reply meets the first-response SLA (an internal note does not). */
export function applyAgentReply(state: TicketSlaState, now: number): TicketSlaState {
  return mapClock(state, 'first_response', (c) => settle(c, now, state.policy.businessHours));
}

/**
 * A new priority brings new budgets, measured from the ticket's creation: business time already used
 * still counts, so a ticket raised to urgent late may be due (or overdue) at once.
 */
export function applyPolicy(
  state: TicketSlaState,
  priority: TicketPriority,
  policy: SlaPolicyContext,
): TicketSlaState {
  const budgets: Record<SlaKind, number> = {
    first_response: policy.firstResponseMinutes,
    resolution: policy.resolutionMinutes,
  };
  let next: TicketSlaState = { ...state, priority, policy };
  for (const kind of SLA_KINDS) {
    next = mapClock(next, kind, (c) => ({
      ...c,
      warned: false,
      clock: { ...c.clock, budgetMinutes: budgets[kind] },
    }));
  }
  return next;
}

export function markBreached(state: TicketSlaState, kind: SlaKind, now: number): TicketSlaState {
  return mapClock(state, kind, (c) => ({
    ...c,
    outcome: 'breached',
    clock: pauseClock(c.clock, now, state.policy.businessHours),
  }));
}

export function markWarned(state: TicketSlaState, kind: SlaKind): TicketSlaState {
  return mapClock(state, kind, (c) => ({ ...c, warned: true }));
}

/** Deadline of a running clock (epoch ms), or null when it is paused or finished. */
export function deadlineOf(state: TicketSlaState, kind: SlaKind): number | null {
  const c = state.clocks[kind];
  return c.outcome === 'running' ? clockDeadline(c.clock, state.policy.businessHours) : null;
}

function warningTimeOf(state: TicketSlaState, kind: SlaKind): number | null {
  const c = state.clocks[kind];
  const ratio = state.policy.warningRatio;
  if (ratio === null || c.warned || c.outcome !== 'running' || c.clock.runningSince === null) return null;
  // The warning clock is the same clock with a smaller budget.
  return clockDeadline(
    { ...c.clock, budgetMinutes: c.clock.budgetMinutes * ratio },
    state.policy.businessHours,
  );
}

/** The earliest deadline still to come, stored on the ticket as `sla_deadline` for sorting and filters. */
export function nextDeadline(state: TicketSlaState): number | null {
  const deadlines = SLA_KINDS.map((k) => deadlineOf(state, k)).filter((d): d is number => d !== null);
  return deadlines.length ? Math.min(...deadlines) : null;
}

export type DueEvent =
  | { type: 'breach'; kind: SlaKind; deadline: number }
  | { type: 'warning'; kind: SlaKind; deadline: number; at: number }
  | { type: 'auto_close'; at: number };

/** Events due at `now`, breaches first. */
export function dueEvents(state: TicketSlaState, now: number): DueEvent[] {
  const events: DueEvent[] = [];
  for (const kind of SLA_KINDS) {
    const deadline = deadlineOf(state, kind);
    if (deadline === null) continue;
    if (deadline <= now) {
      events.push({ type: 'breach', kind, deadline });
      continue;
    }
    const warnAt = warningTimeOf(state, kind);
    if (warnAt !== null && warnAt <= now) events.push({ type: 'warning', kind, deadline, at: warnAt });
  }
  if (state.status === 'resolved' && state.autoCloseAt !== null && state.autoCloseAt <= now) {
    events.push({ type: 'auto_close', at: state.autoCloseAt });
  }
  return events;
}

/** When the workflow must wake next (epoch ms), or null when nothing is scheduled. */
export function nextWakeUp(state: TicketSlaState): number | null {
  const times: number[] = [];
  for (const kind of SLA_KINDS) {
    const deadline = deadlineOf(state, kind);
    if (deadline !== null) times.push(deadline);
    const warnAt = warningTimeOf(state, kind);
    if (warnAt !== null) times.push(warnAt);
  }
  if (state.status === 'resolved' && state.autoCloseAt !== null) times.push(state.autoCloseAt);
  return times.length ? Math.min(...times) : null;
}

export interface ClockView {
  outcome: ClockOutcome;
  paused: boolean;
  /** ISO deadline while running. */
  deadline: string | null;
  /** Business minutes left (negative when overdue). */
  remainingMinutes: number;
  budgetMinutes: number;
}

export interface SlaView {
  status: TicketStatus;
  priority: TicketPriority;
  businessHours: boolean;
  nextDeadline: string | null;
  breached: boolean;
  clocks: Record<SlaKind, ClockView>;
}

/** What an agent sees of the SLA at `now`. */
export function describeSla(state: TicketSlaState, now: number): SlaView {
  const hours = state.policy.businessHours;
  const view = (kind: SlaKind): ClockView => {
    const c = state.clocks[kind];
    const deadline = deadlineOf(state, kind);
    return {
      outcome: c.outcome,
      paused: c.outcome === 'running' && c.clock.runningSince === null,
      deadline: deadline === null ? null : new Date(deadline).toISOString(),
      remainingMinutes: Math.round(clockRemaining(c.clock, now, hours) * 100) / 100,
      budgetMinutes: c.clock.budgetMinutes,
    };
  };
  const next = nextDeadline(state);
  return {
    status: state.status,
    priority: state.priority,
    businessHours: hours !== null,
    nextDeadline: next === null ? null : new Date(next).toISOString(),
    breached: SLA_KINDS.some((k) => state.clocks[k].outcome === 'breached'),
    clocks: { first_response: view('first_response'), resolution: view('resolution') },
  };
}
