// Pure state of a ticket's SLA clocks: what each ticket event means for them, and when the workflow
// must next wake up. No I/O and no clock reads: every function takes `now` explicitly.

import type { SlaPolicyContext } from '../domain/sla-policy.js';
import { CLOSED_TICKET_REFUSAL } from '../domain/ticket-rules.js';
import {
  type ClockOutcome,
  DAY_MS,
  MINUTE_MS,
  SLA_KINDS,
  type SlaKind,
  type TicketPriority,
  type TicketStatus,
} from '../domain/vocabulary.js';
import {
  type BusinessHours,
  businessMinutesBetween,
  clockDeadline,
  clockRemaining,
  pauseClock,
  resumeClock,
  type SlaClock,
  skipClockStart,
  startClock,
} from './sla-calendar.js';

export type { ClockOutcome, SlaKind, SlaPolicyContext, TicketStatus };

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
  /** The next-response clock exists once a customer wrote again after the first response. */
  clocks: { first_response: ClockState; resolution: ClockState; next_response?: ClockState };
  /** When a resolved ticket closes itself; null unless resolved. */
  autoCloseAt: number | null;
  /**
   * When the satisfaction survey goes out: set on resolving when the organisation asks for surveys,
   * dropped when the ticket is reopened first. Absent in states carried from before surveys existed.
   */
  surveyAt?: number | null;
}

export { SLA_KINDS };

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
  if (from === 'closed') return CLOSED_TICKET_REFUSAL;
  return `cannot change status from ${from} to ${to}`;
}

/** Applies `fn` to a clock; a clock the ticket does not have (yet) stays absent. */
function mapClock(state: TicketSlaState, kind: SlaKind, fn: (c: ClockState) => ClockState): TicketSlaState {
  const clock = state.clocks[kind];
  return clock ? { ...state, clocks: { ...state.clocks, [kind]: fn(clock) } } : state;
}

const runningClock = (budgetMinutes: number, at: number): ClockState => ({
  clock: startClock(budgetMinutes, at),
  outcome: 'running',
  warned: false,
});

/** The clocks that wait on the agents, which stop while the ticket waits on the customer. */
const AGENT_CLOCKS: readonly SlaKind[] = ['next_response', 'resolution'];

function settle(c: ClockState, now: number, hours: BusinessHours | null): ClockState {
  if (c.outcome !== 'running') return c;
  return { ...c, clock: pauseClock(c.clock, now, hours), outcome: 'met' };
}

/**
 * The resolution and next-response clocks pause while the ticket waits on the customer (pending) and
 * resume where they stopped when it is reopened; resolving stops them. A closed ticket stops every clock.
 */
export function applyStatus(state: TicketSlaState, to: TicketStatus, now: number): TicketSlaState {
  const hours = state.policy.businessHours;
  let next: TicketSlaState = { ...state, status: to, autoCloseAt: null };
  // A customer who is still waiting is not asked how it went; closing a resolved ticket keeps its survey.
  if (to === 'open' || to === 'pending') next.surveyAt = null;
  const agentClocks = (fn: (c: ClockState) => ClockState) => {
    for (const kind of AGENT_CLOCKS) next = mapClock(next, kind, fn);
  };
  switch (to) {
    case 'pending':
      agentClocks((c) => ({ ...c, clock: pauseClock(c.clock, now, hours) }));
      break;
    case 'open':
      agentClocks((c) => (c.outcome === 'running' ? { ...c, clock: resumeClock(c.clock, now) } : c));
      // A reopened ticket needs resolving again.
      next = mapClock(next, 'resolution', (c) =>
        c.outcome === 'met' ? { ...c, outcome: 'running', clock: resumeClock(c.clock, now) } : c,
      );
      break;
    case 'resolved':
      agentClocks((c) => settle(c, now, hours));
      next.autoCloseAt = now + state.policy.autoCloseAfterDays * DAY_MS;
      break;
    case 'closed':
      for (const kind of SLA_KINDS) next = mapClock(next, kind, (c) => settle(c, now, hours));
      break;
  }
  return next;
}

/** A public agent reply meets the first- and next-response SLAs (an internal note does not). */
export function applyAgentReply(state: TicketSlaState, now: number): TicketSlaState {
  const hours = state.policy.businessHours;
  return mapClock(
    mapClock(state, 'first_response', (c) => settle(c, now, hours)),
    'next_response',
    (c) => settle(c, now, hours),
  );
}

/**
 * A customer writing again, once the first response was given, starts the next-response clock (an
 * earlier unanswered message's clock keeps running: the oldest unanswered message sets the deadline).
 */
export function applyCustomerMessage(state: TicketSlaState, now: number): TicketSlaState {
  const minutes = state.policy.nextResponseMinutes ?? null;
  if (minutes === null || state.clocks.first_response.outcome === 'running') return state;
  if (state.clocks.next_response?.outcome === 'running') return state;
  return { ...state, clocks: { ...state.clocks, next_response: runningClock(minutes, now) } };
}

/**
 * A customer's message left for another ticket (split). When it had started the running next-response
 * clock (at `from`), the clock now counts from the next unanswered customer message still here (`to`), as
 * if the moved one had never come, or ends when none is left. A met or breached clock is history and stays.
 */
export function applyMessageMoved(
  state: TicketSlaState,
  moved: { from: number; to: number | null },
  now: number,
): TicketSlaState {
  if (state.clocks.next_response?.outcome !== 'running') return state;
  if (moved.to === null) {
    const { next_response: _ended, ...clocks } = state.clocks;
    return { ...state, clocks };
  }
  const hours = state.policy.businessHours;
  const skipped = Math.max(0, businessMinutesBetween(moved.from, Math.min(moved.to, now), hours));
  // A new deadline: its warning is still to come.
  return mapClock(state, 'next_response', (c) => ({
    ...c,
    warned: false,
    clock: skipClockStart(c.clock, skipped, now, hours),
  }));
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
  const budgets: Record<SlaKind, number | null> = {
    first_response: policy.firstResponseMinutes,
    next_response: policy.nextResponseMinutes,
    resolution: policy.resolutionMinutes,
  };
  const clocks = { ...state.clocks };
  // A policy without a next-response SLA ends a running one instead of leaving it without a budget.
  if (budgets.next_response === null) delete clocks.next_response;
  let next: TicketSlaState = { ...state, priority, policy, clocks };
  for (const kind of SLA_KINDS) {
    const budget = budgets[kind];
    if (budget === null) continue;
    next = mapClock(next, kind, (c) => ({
      ...c,
      warned: false,
      clock: { ...c.clock, budgetMinutes: budget },
    }));
  }
  return next;
}

/** Schedules the satisfaction survey `delayMinutes` after `now` (the moment the ticket was resolved). */
export function scheduleSurvey(state: TicketSlaState, now: number, delayMinutes: number): TicketSlaState {
  return { ...state, surveyAt: now + delayMinutes * MINUTE_MS };
}

export function markSurveySent(state: TicketSlaState): TicketSlaState {
  return { ...state, surveyAt: null };
}

/** Whether the workflow still has something to do for its ticket (a closed ticket may owe a survey). */
export function hasWorkLeft(state: TicketSlaState): boolean {
  return state.status !== 'closed' || (state.surveyAt ?? null) !== null;
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
  return c?.outcome === 'running' ? clockDeadline(c.clock, state.policy.businessHours) : null;
}

function warningTimeOf(state: TicketSlaState, kind: SlaKind): number | null {
  const c = state.clocks[kind];
  const ratio = state.policy.warningRatio;
  if (!c || ratio === null || c.warned || c.outcome !== 'running' || c.clock.runningSince === null)
    return null;
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
  | { type: 'auto_close'; at: number }
  | { type: 'survey'; at: number };

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
  const surveyAt = state.surveyAt ?? null;
  if (surveyAt !== null && surveyAt <= now) events.push({ type: 'survey', at: surveyAt });
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
  if (state.surveyAt != null) times.push(state.surveyAt);
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
  clocks: { first_response: ClockView; resolution: ClockView; next_response: ClockView | null };
}

/** What an agent sees of the SLA at `now`. */
export function describeSla(state: TicketSlaState, now: number): SlaView {
  const hours = state.policy.businessHours;
  const view = (c: ClockState, kind: SlaKind): ClockView => {
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
    breached: SLA_KINDS.some((k) => state.clocks[k]?.outcome === 'breached'),
    clocks: {
      first_response: view(state.clocks.first_response, 'first_response'),
      resolution: view(state.clocks.resolution, 'resolution'),
      next_response: state.clocks.next_response ? view(state.clocks.next_response, 'next_response') : null,
    },
  };
}
