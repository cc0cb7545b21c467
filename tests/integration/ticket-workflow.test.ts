import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import {
  organizations,
  outboundEmails,
  slaBreaches,
  ticketActivities,
  tickets,
} from '../../src/db/schema/index.js';
import { createFileStorage } from '../../src/storage/storage.js';
import { TicketCommandError } from '../../src/workflows/contracts.js';
import { ticketWorkflow, ticketWorkflowId } from '../../src/workflows/ticket.js';
import { createOrganizationFixture, type OrganizationFixture, openTestDatabase } from '../support/db.js';
import { quietTemporalRuntime, startTimeSkippingEnv } from '../support/temporal.js';
import { setPolicy, startTicketHarness, type TicketHarness, ticketInput } from '../support/ticket-harness.js';

quietTemporalRuntime();

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let db: DatabaseHandle;
let env: TestWorkflowEnvironment;
let h: TicketHarness;

beforeAll(async () => {
  db = await openTestDatabase();
  env = await startTimeSkippingEnv();
  h = await startTicketHarness({
    db,
    client: env.client,
    connection: env.nativeConnection,
    namespace: 'default',
    storage: createFileStorage(mkdtempSync(join(tmpdir(), 'insightdesk-files-'))),
    replayEveryTask: true,
  });
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
  await db?.close();
});

const breachesOf = (ticketId: string) =>
  db.adminDb.select().from(slaBreaches).where(eq(slaBreaches.ticketId, ticketId));
const ticketRow = async (ticketId: string) =>
  (await db.adminDb.select().from(tickets).where(eq(tickets.id, ticketId)))[0]!;
const actionsOf = async (ticketId: string) =>
  (
    await db.adminDb
      .select({ action: ticketActivities.action })
      .from(ticketActivities)
      .where(eq(ticketActivities.ticketId, ticketId))
      .orderBy(ticketActivities.createdAt)
  ).map((a) => a.action);
const mailsTo = (address: string, subject: RegExp) =>
  h.sink.messages.filter((m) => m.envelope.to.includes(address) && subject.test(m.subject ?? ''));

/** Waits (in real time) for the worker to act on what the skipped time made due. */
const eventually = <T>(fn: () => Promise<T> | T) => vi.waitFor(fn, { timeout: 20_000, interval: 100 });

async function openTicket(f: OrganizationFixture, overrides: Parameters<typeof ticketInput>[1] = {}) {
  const input = ticketInput(f, overrides);
  const summary = await h.commands.open(input, { waitForTicket: true });
  return { input, summary: summary!, ticketId: input.ticketId };
}

async function saveHistory(name: string, ticketId: string) {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await env.client.workflow.getHandle(ticketWorkflowId(ticketId)).fetchHistory();
  const json = temporal.api.history.v1.History.toObject(history as temporal.api.history.v1.History, {
    longs: String,
    enums: String,
    bytes: String,
  });
  writeFileSync(`tests/fixtures/histories/${name}.json`, JSON.stringify(json, null, 1));
}

describe('ticket workflow', () => {
  it('opens the ticket, acknowledges it to the customer and sets the first deadline', async () => {
    const f = await createOrganizationFixture(db);
    const { ticketId, summary, input } = await openTicket(f);
    expect(summary).toMatchObject({ ticketId, ticketNumber: 1, status: 'open', priority: 'medium' });

    const ack = await h.sink.waitFor((m) => m.envelope.to.includes(f.customer.email));
    expect(ack.subject).toBe('[#1] Cannot log in');
    expect(ack.headers.get('auto-submitted')).toBe('auto-replied');
    expect(ack.inReplyTo).toBe(`<${input.message!.emailMessageId}>`);

    const row = await eventually(async () => {
      const t = await ticketRow(ticketId);
      expect(t.slaDeadline).not.toBeNull();
      return t;
    });
    // Medium priority without a policy of the organisation: the seed's 8 hours to first response.
    expect(row.slaDeadline!.getTime() - row.createdAt.getTime()).toBe(8 * HOUR);

    // A second start for the same ticket is a no-op.
    const again = await h.commands.open(input, { waitForTicket: true });
    expect(again).toEqual(summary);
    expect(await db.adminDb.$count(tickets, eq(tickets.organizationId, f.org.id))).toBe(1);
  });

  it('records no breach when the first response is on time', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 240);
    const { ticketId } = await openTicket(f, { priority: 'high' });
    await h.commands.agentReply(ticketId, {
      authorId: f.agent.id,
      content: 'Try resetting it.',
      internal: false,
    });
    await env.sleep(2 * HOUR);
    const sla = await h.commands.slaState(ticketId);
    expect(sla?.clocks.first_response.outcome).toBe('met');
    expect(await breachesOf(ticketId)).toEqual([]);
    expect(mailsTo(f.owner.email, /SLA breach/)).toEqual([]);
    await saveHistory('first-response-met', ticketId);
  });

  it('breaches a missed first response once and escalates to the managers', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 24 * 60);
    await db.adminDb
      .update(organizations)
      .set({ settings: { notifications: { escalationEmails: ['Escalations@Acme.test'] } } })
      .where(eq(organizations.id, f.org.id));
    const { ticketId } = await openTicket(f, { priority: 'high', assigneeId: f.agent.id });
    await env.sleep(HOUR + 5 * MINUTE);

    const [breach] = await eventually(async () => {
      const rows = await breachesOf(ticketId);
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(breach!.kind).toBe('first_response');
    const escalation = await h.sink.waitFor((m) => /SLA breach/.test(m.subject ?? ''));
    expect(escalation.envelope.to.sort()).toEqual([f.owner.email, 'escalations@acme.test'].sort());
    expect(escalation.subject).toBe('[SLA breach] first response overdue on ticket #1: Cannot log in');
    expect(escalation.text).toContain(`Customer: Carla Customer <${f.customer.email}>`);
    expect(escalation.text).toContain(`Assignee: Adam Agent <${f.agent.email}>`);
    expect(escalation.text).toMatch(/Late by: \d/);
    const breachedRow = await ticketRow(ticketId);
    expect(breachedRow.slaBreached).not.toBeNull();
    // The next deadline due is now the resolution's, 24 hours after creation.
    expect(breachedRow.slaDeadline!.getTime() - breachedRow.createdAt.getTime()).toBe(24 * HOUR);
    expect(await actionsOf(ticketId)).toContain('sla_breached');

    // More time passing adds no second escalation for the same deadline.
    await env.sleep(2 * HOUR);
    expect(await breachesOf(ticketId)).toHaveLength(1);
    expect(mailsTo(f.owner.email, /first response overdue/)).toHaveLength(1);
    await saveHistory('first-response-breached', ticketId);
  });

  // Five tickets' breaches, a digest workflow and its mail, in real time after the skipped hour.
  const DIGEST_WAIT = 120_000;
  it('tells the managers of a burst of breaches in one digest, each breach still recorded at its deadline', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 24 * 60);
    const opened: Awaited<ReturnType<typeof openTicket>>[] = [];
    for (let i = 0; i < 5; i++)
      opened.push(await openTicket(f, { priority: 'high', title: `Queue item ${i}` }));
    await env.sleep(HOUR + 5 * MINUTE);

    await eventually(async () => {
      for (const { ticketId } of opened) expect(await breachesOf(ticketId)).toHaveLength(1);
    });
    // The first breach of the quiet queue goes out at once; the four found in its window wait for one digest.
    const digest = await h.sink.waitFor(
      (m) => m.envelope.to.includes(f.owner.email) && /4 tickets overdue/.test(m.subject ?? ''),
      DIGEST_WAIT,
    );
    expect(digest.subject).toBe(`[SLA breach] 4 tickets overdue in ${f.org.name}`);
    const mails = mailsTo(f.owner.email, /SLA breach/);
    expect(mails).toHaveLength(2);
    const single = mails.find((m) => m !== digest)!;
    const singleNumber = Number(/ticket #(\d+)/.exec(single.subject ?? '')![1]);
    const listed = [...(digest.text ?? '').matchAll(/^#(\d+) Queue item \d — first response due /gm)].map(
      (m) => Number(m[1]),
    );
    expect([singleNumber, ...listed].sort()).toEqual([1, 2, 3, 4, 5]);
    expect(digest.headers.get('auto-submitted')).toBe('auto-generated');
    // Every breach points at the one escalation that told of it.
    const breaches = (await Promise.all(opened.map(({ ticketId }) => breachesOf(ticketId)))).flat();
    expect(breaches.every((b) => b.escalationId !== null)).toBe(true);
    expect(new Set(breaches.map((b) => b.escalationId)).size).toBe(2);

    // A breach long after the window is told of at once again.
    const late = await openTicket(f, { priority: 'high', title: 'Later one' });
    await env.sleep(HOUR + 5 * MINUTE);
    await h.sink.waitFor(
      (m) =>
        m.envelope.to.includes(f.owner.email) &&
        /first response overdue on ticket #6: Later one/.test(m.subject ?? ''),
      DIGEST_WAIT,
    );
    expect(await breachesOf(late.ticketId)).toHaveLength(1);
    expect(mailsTo(f.owner.email, /SLA breach/)).toHaveLength(3);
  }, 360_000);

  it('keeps the first-response clock running after an internal note', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 24 * 60);
    const { ticketId } = await openTicket(f, { priority: 'high' });
    await h.commands.agentReply(ticketId, {
      authorId: f.agent.id,
      content: 'Looking into it',
      internal: true,
    });
    await env.sleep(HOUR + MINUTE);
    await eventually(async () => expect(await breachesOf(ticketId)).toHaveLength(1));
    // The note never left the building.
    expect(h.sink.messages.filter((m) => m.text?.includes('Looking into it'))).toEqual([]);
  });

  it('pauses the resolution clock while pending and resumes it when the customer answers', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 120);
    const { ticketId } = await openTicket(f, { priority: 'high' });
    await h.commands.agentReply(ticketId, {
      authorId: f.agent.id,
      content: 'Which browser?',
      internal: false,
    });
    await env.sleep(30 * MINUTE);
    await h.commands.change(ticketId, { actorId: f.agent.id, status: 'pending' });
    const paused = await h.commands.slaState(ticketId);
    expect(paused!.clocks.resolution.clock.runningSince).toBeNull();

    await env.sleep(5 * HOUR);
    expect(await breachesOf(ticketId)).toEqual([]);

    await h.commands.customerMessage(ticketId, {
      senderId: f.customer.id,
      content: 'Firefox',
      emailMessageId: `firefox-${ticketId}@customer.test`,
    });
    const resumed = await eventually(async () => {
      const s = await h.commands.slaState(ticketId);
      expect(s!.status).toBe('open');
      return s!;
    });
    // About 90 of the 120 minutes are left.
    expect(resumed.clocks.resolution.clock.consumedMinutes).toBeGreaterThanOrEqual(30);
    expect(resumed.clocks.resolution.clock.consumedMinutes).toBeLessThan(31);
    await env.sleep(80 * MINUTE);
    expect(await breachesOf(ticketId)).toEqual([]);
    await env.sleep(15 * MINUTE);
    await eventually(async () =>
      expect((await breachesOf(ticketId)).map((b) => b.kind)).toEqual(['resolution']),
    );
    expect(await actionsOf(ticketId)).toEqual(
      expect.arrayContaining(['created', 'message_added', 'status_changed', 'sla_breached']),
    );
  });

  it('holds agents to a next-response time after each later customer message', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 24 * 60, 30);
    const { ticketId } = await openTicket(f, { priority: 'high' });
    const customerWrites = (n: number) =>
      h.commands.customerMessage(ticketId, {
        senderId: f.customer.id,
        content: `More ${n}`,
        emailMessageId: `more-${n}-${ticketId}@customer.test`,
      });
    await h.commands.agentReply(ticketId, { authorId: f.agent.id, content: 'On it', internal: false });

    await customerWrites(1);
    await eventually(async () =>
      expect((await h.commands.slaState(ticketId))?.clocks.next_response?.outcome).toBe('running'),
    );
    await env.sleep(20 * MINUTE);
    await h.commands.agentReply(ticketId, {
      authorId: f.agent.id,
      content: 'Answered in time',
      internal: false,
    });
    await env.sleep(20 * MINUTE);
    expect(await breachesOf(ticketId)).toEqual([]);

    await customerWrites(2);
    await eventually(async () =>
      expect((await h.commands.slaState(ticketId))?.clocks.next_response?.outcome).toBe('running'),
    );
    await env.sleep(31 * MINUTE);
    await eventually(async () =>
      expect((await breachesOf(ticketId)).map((b) => b.kind)).toEqual(['next_response']),
    );
    await eventually(() => expect(mailsTo(f.owner.email, /next response overdue/)).toHaveLength(1));
  });

  it('moves the deadlines when the priority changes, measured from creation', async () => {
    const f = await createOrganizationFixture(db);
    const { ticketId } = await openTicket(f, { priority: 'low' });
    const before = await eventually(async () => {
      const t = await ticketRow(ticketId);
      expect(t.slaDeadline).not.toBeNull();
      return t;
    });
    await h.commands.change(ticketId, { actorId: f.agent.id, priority: 'urgent' });
    const after = await eventually(async () => {
      const t = await ticketRow(ticketId);
      expect(t.slaDeadline!.getTime() - t.createdAt.getTime()).toBe(HOUR);
      return t;
    });
    expect(after.priority).toBe('urgent');
    expect(before.slaDeadline!.getTime() - before.createdAt.getTime()).toBe(24 * HOUR);
    const sla = await h.commands.slaState(ticketId);
    expect(sla!.clocks.resolution.clock.budgetMinutes).toBe(4 * 60);
    expect(await actionsOf(ticketId)).toContain('priority_changed');
  });

  it('owes a closed ticket’s survey until its delay passed, then sends it once and finishes', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 120);
    await db.adminDb
      .update(organizations)
      .set({ settings: { autoCloseAfterDays: 1, satisfactionSurvey: { delayMinutes: 2 * 24 * 60 } } })
      .where(eq(organizations.id, f.org.id));
    const { ticketId } = await openTicket(f, { priority: 'high' });
    await h.commands.agentReply(ticketId, { authorId: f.agent.id, content: 'Fixed!', internal: false });
    await h.commands.change(ticketId, { actorId: f.agent.id, status: 'resolved' });

    await env.sleep(DAY_HOURS(1) + HOUR);
    await eventually(async () => expect((await ticketRow(ticketId)).status).toBe('closed'));
    const surveys = () => mailsTo(f.customer.email, /^How did we do\?/);
    expect(surveys()).toHaveLength(0);

    await env.sleep(DAY_HOURS(1));
    expect(await env.client.workflow.getHandle(ticketWorkflowId(ticketId)).result()).toMatchObject({
      status: 'closed',
    });
    await eventually(() => expect(surveys()).toHaveLength(1));
    expect(surveys()[0]!.text).toMatch(/http:\/\/insightdesk\.test\/csat\/[0-9a-f-]{36}\.[\w-]+/);
    await saveHistory('resolved-closed-surveyed', ticketId);
  });

  it('stops the clocks when resolved, closes after the set days, and a customer reply before that reopens', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 60, 120);
    await db.adminDb
      .update(organizations)
      .set({ settings: { autoCloseAfterDays: 2 } })
      .where(eq(organizations.id, f.org.id));

    const reopened = await openTicket(f, { priority: 'high' });
    const closing = await openTicket(f, { priority: 'high' });
    for (const t of [reopened, closing]) {
      await h.commands.agentReply(t.ticketId, { authorId: f.agent.id, content: 'Fixed!', internal: false });
      await h.commands.change(t.ticketId, { actorId: f.agent.id, status: 'resolved' });
    }
    await env.sleep(DAY_HOURS(1));
    await h.commands.customerMessage(reopened.ticketId, {
      senderId: f.customer.id,
      content: 'Still broken',
      emailMessageId: `still-${reopened.ticketId}@customer.test`,
    });
    await eventually(async () => expect((await ticketRow(reopened.ticketId)).status).toBe('open'));
    expect(await actionsOf(reopened.ticketId)).toContain('reopened');

    await env.sleep(DAY_HOURS(1) + HOUR);
    await eventually(async () => expect((await ticketRow(closing.ticketId)).status).toBe('closed'));
    expect(await env.client.workflow.getHandle(ticketWorkflowId(closing.ticketId)).result()).toMatchObject({
      status: 'closed',
    });
    expect(await actionsOf(closing.ticketId)).toEqual(['created', 'message_added', 'resolved', 'closed']);
    expect(await breachesOf(closing.ticketId)).toEqual([]);
    await saveHistory('resolved-auto-closed', closing.ticketId);

    // The reopened one kept going: its resolution clock had 120 minutes, so it is breached by now.
    await eventually(async () =>
      expect((await breachesOf(reopened.ticketId)).map((b) => b.kind)).toEqual(['resolution']),
    );
    expect((await ticketRow(reopened.ticketId)).status).toBe('open');
  });

  it('refuses invalid changes with a clear error and changes nothing', async () => {
    const f = await createOrganizationFixture(db);
    const { ticketId } = await openTicket(f);
    await h.commands.change(ticketId, { actorId: f.agent.id, status: 'resolved' });
    await expect(h.commands.change(ticketId, { actorId: f.agent.id, status: 'pending' })).rejects.toThrow(
      new TicketCommandError('cannot change status from resolved to pending'),
    );
    await expect(
      h.commands.change(ticketId, { actorId: f.agent.id, assigneeId: f.customer.id }),
    ).rejects.toThrow('assigneeId must be an active agent of this organisation');
    const other = await createOrganizationFixture(db);
    await expect(
      h.commands.change(ticketId, { actorId: f.agent.id, assigneeId: other.agent.id }),
    ).rejects.toThrow('assigneeId must be an active agent of this organisation');
    await h.commands.change(ticketId, { actorId: f.agent.id, status: 'closed' });
    await expect(h.commands.change(ticketId, { actorId: f.agent.id, status: 'open' })).rejects.toThrow(
      TicketCommandError,
    );
    await expect(
      h.commands.agentReply(ticketId, { authorId: f.agent.id, content: 'late', internal: false }),
    ).rejects.toThrow(/the ticket is closed/);
    expect((await ticketRow(ticketId)).status).toBe('closed');
    expect((await ticketRow(ticketId)).assigneeId).toBeNull();
  });

  it('still fires a pending breach exactly once after the worker restarted', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'urgent', 30, 24 * 60);
    const { ticketId } = await openTicket(f, { priority: 'urgent' });
    await eventually(async () => expect((await ticketRow(ticketId)).slaDeadline).not.toBeNull());
    // A new worker, with no cached state, takes over the ticket whose timer is pending. (The test server
    // cannot skip time while nobody serves the queue, so the time passes after the restart.)
    await h.stopWorker();
    await h.startWorker();
    await env.sleep(45 * MINUTE);
    await eventually(async () => expect(await breachesOf(ticketId)).toHaveLength(1));
    await eventually(() =>
      expect(mailsTo(f.owner.email, /first response overdue on ticket/)).toHaveLength(1),
    );
    const outbox = await db.adminDb
      .select()
      .from(outboundEmails)
      .where(and(eq(outboundEmails.ticketId, ticketId), eq(outboundEmails.kind, 'escalation')));
    expect(outbox).toHaveLength(1);
    await eventually(async () => {
      const [row] = await db.adminDb
        .select()
        .from(outboundEmails)
        .where(eq(outboundEmails.id, outbox[0]!.id));
      expect(row!.status).toBe('sent');
    });
  });
});

describe('long-lived tickets', () => {
  it('continue as new with their state, and their timers still fire once', async () => {
    const f = await createOrganizationFixture(db);
    await setPolicy(db, f, 'high', 24 * 60, 48 * 60);
    const open = ticketInput(f, { priority: 'high' });
    const handle = await env.client.workflow.start(ticketWorkflow, {
      workflowId: ticketWorkflowId(open.ticketId),
      taskQueue: h.taskQueue,
      args: [{ open, historyLimit: 60 }],
    });
    await h.commands.open(open, { waitForTicket: true });
    const before = await h.commands.slaState(open.ticketId);
    for (let i = 0; i < 12; i++)
      await h.commands.change(open.ticketId, { actorId: f.agent.id, tags: [`t${i}`] });

    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    expect(description.status.name).toBe('RUNNING');
    const after = await h.commands.slaState(open.ticketId);
    expect(after!.clocks).toEqual(before!.clocks);
    expect((await ticketRow(open.ticketId)).tags).toEqual(['t11']);

    await env.sleep(24 * HOUR + MINUTE);
    await eventually(async () =>
      expect((await breachesOf(open.ticketId)).map((b) => b.kind)).toEqual(['first_response']),
    );
  });
});

function DAY_HOURS(days: number) {
  return days * 24 * HOUR;
}
