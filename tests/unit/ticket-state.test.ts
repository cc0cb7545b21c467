import { describe, expect, it } from 'vitest';
import type { BusinessHours } from '../../src/workflows/sla-calendar.js';
import {
  applyAgentReply,
  applyCustomerMessage,
  applyMessageMoved,
  applyPolicy,
  applyStatus,
  deadlineOf,
  describeSla,
  dueEvents,
  hasWorkLeft,
  initialSlaState,
  markBreached,
  markSurveySent,
  markWarned,
  nextDeadline,
  nextWakeUp,
  type SlaPolicyContext,
  scheduleSurvey,
  transitionError,
} from '../../src/workflows/ticket-state.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 5, 9, 0); // Monday 09:00 UTC
const policy = (over: Partial<SlaPolicyContext> = {}): SlaPolicyContext => ({
  firstResponseMinutes: 60,
  resolutionMinutes: 240,
  nextResponseMinutes: null,
  businessHours: null,
  autoCloseAfterDays: 3,
  warningRatio: null,
  ...over,
});

describe('ticket SLA state', () => {
  it('starts both clocks at creation', () => {
    const s = initialSlaState(T0, 'open', 'high', policy());
    expect(deadlineOf(s, 'first_response')).toBe(T0 + 60 * MIN);
    expect(deadlineOf(s, 'resolution')).toBe(T0 + 240 * MIN);
    expect(nextDeadline(s)).toBe(T0 + 60 * MIN);
  });

  it('meets the first response on a public reply and then points at the resolution deadline', () => {
    const s = applyAgentReply(initialSlaState(T0, 'open', 'high', policy()), T0 + 10 * MIN);
    expect(s.clocks.first_response.outcome).toBe('met');
    expect(deadlineOf(s, 'first_response')).toBeNull();
    expect(nextDeadline(s)).toBe(T0 + 240 * MIN);
  });

  it('pauses resolution while pending and resumes with the remaining time', () => {
    let s = initialSlaState(T0, 'open', 'high', policy());
    s = applyStatus(s, 'pending', T0 + 100 * MIN);
    expect(deadlineOf(s, 'resolution')).toBeNull();
    // First response keeps running while pending: the customer waiting on us is not the point here.
    expect(deadlineOf(s, 'first_response')).toBe(T0 + 60 * MIN);
    s = applyStatus(s, 'open', T0 + 1000 * MIN);
    expect(deadlineOf(s, 'resolution')).toBe(T0 + 1140 * MIN);
  });

  it('stops resolution when resolved, schedules the auto-close, and a reopen resumes it', () => {
    let s = applyAgentReply(initialSlaState(T0, 'open', 'high', policy()), T0 + MIN);
    s = applyStatus(s, 'resolved', T0 + 30 * MIN);
    expect(s.clocks.resolution.outcome).toBe('met');
    expect(nextWakeUp(s)).toBe(T0 + 30 * MIN + 3 * 86_400_000);
    expect(dueEvents(s, T0 + 30 * MIN + 3 * 86_400_000)).toEqual([{ type: 'auto_close', at: s.autoCloseAt }]);
    s = applyStatus(s, 'open', T0 + 60 * MIN);
    expect(s.autoCloseAt).toBeNull();
    expect(deadlineOf(s, 'resolution')).toBe(T0 + 270 * MIN);
  });

  it('recomputes budgets from creation on a priority change', () => {
    let s = initialSlaState(
      T0,
      'open',
      'low',
      policy({ firstResponseMinutes: 24 * 60, resolutionMinutes: 72 * 60 }),
    );
    s = applyPolicy(s, 'urgent', policy({ firstResponseMinutes: 60, resolutionMinutes: 240 }));
    expect(s.priority).toBe('urgent');
    expect(deadlineOf(s, 'first_response')).toBe(T0 + 60 * MIN);
    // Raised late: already overdue, so it is due at once.
    expect(dueEvents(s, T0 + 2 * 60 * MIN)).toEqual([
      { type: 'breach', kind: 'first_response', deadline: T0 + 60 * MIN },
    ]);
  });

  it('reports a breach once, then nothing more for that clock', () => {
    let s = initialSlaState(T0, 'open', 'high', policy());
    const due = dueEvents(s, T0 + 61 * MIN);
    expect(due).toEqual([{ type: 'breach', kind: 'first_response', deadline: T0 + 60 * MIN }]);
    s = markBreached(s, 'first_response', T0 + 61 * MIN);
    expect(dueEvents(s, T0 + 120 * MIN)).toEqual([]);
    expect(describeSla(s, T0 + 120 * MIN).breached).toBe(true);
    // A reply after the breach does not turn it into 'met'.
    expect(applyAgentReply(s, T0 + 130 * MIN).clocks.first_response.outcome).toBe('breached');
  });

  it('warns once at the configured share of the budget', () => {
    let s = initialSlaState(T0, 'open', 'high', policy({ warningRatio: 0.8 }));
    expect(nextWakeUp(s)).toBe(T0 + 48 * MIN);
    expect(dueEvents(s, T0 + 48 * MIN)).toEqual([
      { type: 'warning', kind: 'first_response', deadline: T0 + 60 * MIN, at: T0 + 48 * MIN },
    ]);
    s = markWarned(s, 'first_response');
    expect(nextWakeUp(s)).toBe(T0 + 60 * MIN);
  });

  it('counts only business hours when the policy has them', () => {
    const hours: BusinessHours = {
      timeZone: 'UTC',
      weekly: { mon: [{ start: '09:00', end: '10:00' }], tue: [{ start: '09:00', end: '17:00' }] },
    };
    const s = initialSlaState(
      T0,
      'open',
      'high',
      policy({ firstResponseMinutes: 120, businessHours: hours }),
    );
    // One hour on Monday, the second on Tuesday morning.
    expect(deadlineOf(s, 'first_response')).toBe(Date.UTC(2026, 0, 6, 10, 0));
    const view = describeSla(s, T0 + 30 * MIN);
    expect(view.businessHours).toBe(true);
    expect(view.clocks.first_response.remainingMinutes).toBe(90);
  });

  it('closing stops every clock and leaves nothing to wake for', () => {
    const s = applyStatus(initialSlaState(T0, 'open', 'high', policy()), 'closed', T0 + MIN);
    expect(nextWakeUp(s)).toBeNull();
    expect(nextDeadline(s)).toBeNull();
  });

  it('allows only sensible status transitions', () => {
    expect(transitionError('open', 'pending')).toBeNull();
    expect(transitionError('resolved', 'open')).toBeNull();
    expect(transitionError('open', 'open')).toBeNull();
    expect(transitionError('resolved', 'pending')).toBe('cannot change status from resolved to pending');
    expect(transitionError('closed', 'open')).toBe(
      'the ticket is closed; the customer can write again to open a new one',
    );
  });

  describe('next response', () => {
    const withNext = policy({ nextResponseMinutes: 30 });
    const answered = () => applyAgentReply(initialSlaState(T0, 'open', 'high', withNext), T0 + 10 * MIN);

    it('starts when the customer writes again after the first response, and a reply meets it', () => {
      let s = applyCustomerMessage(answered(), T0 + 20 * MIN);
      expect(deadlineOf(s, 'next_response')).toBe(T0 + 50 * MIN);
      // A second unanswered message does not push the deadline back.
      s = applyCustomerMessage(s, T0 + 40 * MIN);
      expect(deadlineOf(s, 'next_response')).toBe(T0 + 50 * MIN);
      s = applyAgentReply(s, T0 + 45 * MIN);
      expect(s.clocks.next_response?.outcome).toBe('met');
      // The next message starts a fresh clock.
      expect(deadlineOf(applyCustomerMessage(s, T0 + 60 * MIN), 'next_response')).toBe(T0 + 90 * MIN);
    });

    it('does not start before the first response or without a policy', () => {
      const unanswered = initialSlaState(T0, 'open', 'high', withNext);
      expect(applyCustomerMessage(unanswered, T0 + MIN).clocks.next_response).toBeUndefined();
      expect(
        applyCustomerMessage(applyAgentReply(initialSlaState(T0, 'open', 'high', policy()), T0), T0 + MIN)
          .clocks.next_response,
      ).toBeUndefined();
    });

    it('pauses while pending and is breached like the others', () => {
      let s = applyCustomerMessage(answered(), T0 + 20 * MIN);
      s = applyStatus(s, 'pending', T0 + 30 * MIN);
      expect(deadlineOf(s, 'next_response')).toBeNull();
      s = applyStatus(s, 'open', T0 + 100 * MIN);
      expect(deadlineOf(s, 'next_response')).toBe(T0 + 120 * MIN);
      expect(dueEvents(s, T0 + 121 * MIN)).toEqual([
        { type: 'breach', kind: 'next_response', deadline: T0 + 120 * MIN },
      ]);
      expect(describeSla(s, T0 + 110 * MIN).clocks.next_response?.remainingMinutes).toBe(10);
    });

    describe('when the message that started it is split out into another ticket', () => {
      it('counts from the next unanswered message, as if the moved one had never come', () => {
        let s = applyCustomerMessage(answered(), T0 + 20 * MIN);
        s = applyCustomerMessage(s, T0 + 40 * MIN);
        s = applyMessageMoved(s, { from: T0 + 20 * MIN, to: T0 + 40 * MIN }, T0 + 45 * MIN);
        expect(deadlineOf(s, 'next_response')).toBe(T0 + 70 * MIN);
        expect(s.clocks.next_response?.outcome).toBe('running');
      });

      it('keeps a pause the ticket took after the remaining message', () => {
        let s = applyCustomerMessage(answered(), T0 + 20 * MIN);
        s = applyStatus(s, 'pending', T0 + 50 * MIN);
        s = applyStatus(s, 'open', T0 + 100 * MIN);
        // 30 minutes used before the pause; 10 of them went to the moved message.
        s = applyMessageMoved(s, { from: T0 + 20 * MIN, to: T0 + 30 * MIN }, T0 + 100 * MIN);
        expect(deadlineOf(s, 'next_response')).toBe(T0 + 110 * MIN);
      });

      it('stops when no unanswered message is left, and leaves a met or breached clock alone', () => {
        const waiting = applyCustomerMessage(answered(), T0 + 20 * MIN);
        const stopped = applyMessageMoved(waiting, { from: T0 + 20 * MIN, to: null }, T0 + 30 * MIN);
        expect(stopped.clocks.next_response).toBeUndefined();
        expect(nextDeadline(stopped)).toBe(T0 + 240 * MIN);
        const met = applyAgentReply(waiting, T0 + 25 * MIN);
        expect(applyMessageMoved(met, { from: T0 + 20 * MIN, to: null }, T0 + 30 * MIN)).toEqual(met);
        const breached = markBreached(waiting, 'next_response', T0 + 50 * MIN);
        expect(applyMessageMoved(breached, { from: T0 + 20 * MIN, to: null }, T0 + 60 * MIN)).toEqual(
          breached,
        );
      });
    });

    it('ends when the new priority has no next-response SLA', () => {
      const s = applyPolicy(applyCustomerMessage(answered(), T0 + 20 * MIN), 'low', policy());
      expect(s.clocks.next_response).toBeUndefined();
    });
  });

  it('starts a ticket created as pending with its resolution clock paused', () => {
    const s = initialSlaState(T0, 'pending', 'medium', policy());
    expect(s.status).toBe('pending');
    expect(deadlineOf(s, 'resolution')).toBeNull();
  });
});

describe('satisfaction survey', () => {
  const resolvedAt = T0 + 30 * MIN;
  const resolved = () =>
    scheduleSurvey(
      applyStatus(
        applyAgentReply(initialSlaState(T0, 'open', 'low', policy()), T0 + MIN),
        'resolved',
        resolvedAt,
      ),
      resolvedAt,
      90,
    );

  it('falls due the delay after resolving and wakes the workflow for it', () => {
    const s = resolved();
    expect(s.surveyAt).toBe(resolvedAt + 90 * MIN);
    expect(nextWakeUp(s)).toBe(resolvedAt + 90 * MIN);
    expect(dueEvents(s, resolvedAt + 89 * MIN)).toEqual([]);
    expect(dueEvents(s, resolvedAt + 90 * MIN)).toEqual([{ type: 'survey', at: resolvedAt + 90 * MIN }]);
    const sent = markSurveySent(s);
    expect(dueEvents(sent, resolvedAt + 91 * MIN)).toEqual([]);
  });

  it('is dropped when the customer reopens the ticket or it waits on them again', () => {
    for (const to of ['open', 'pending'] as const) {
      const s = applyStatus(resolved(), to, resolvedAt + 10 * MIN);
      expect(s.surveyAt).toBeNull();
      expect(dueEvents(s, resolvedAt + 200 * MIN).filter((e) => e.type === 'survey')).toEqual([]);
    }
  });

  it('survives closing, so a closed ticket still owes its survey until it is sent', () => {
    const closed = applyStatus(resolved(), 'closed', resolvedAt + 5 * MIN);
    expect(closed.surveyAt).toBe(resolvedAt + 90 * MIN);
    expect(hasWorkLeft(closed)).toBe(true);
    expect(hasWorkLeft(markSurveySent(closed))).toBe(false);
  });

  it('is absent from states carried over from before surveys existed', () => {
    const carried = applyStatus(initialSlaState(T0, 'open', 'low', policy()), 'closed', T0 + MIN);
    delete carried.surveyAt;
    expect(hasWorkLeft(carried)).toBe(false);
    expect(nextWakeUp(carried)).toBeNull();
  });
});
