// Organisation webhooks and Slack notifications: admin routes, the outbox written with each change, and
// the dispatcher posting signed deliveries to a real local HTTP receiver through an outage.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { webhookDeliveries } from '../../src/db/schema/index.js';
import { startWebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { SIGNATURE_HEADER, verifyWebhookSignature } from '../../src/webhooks/signature.js';
import { type ApiFixture, as, createApiFixture, errorOf, useApiHarness } from '../support/api.js';
import { type HttpReceiver, startHttpReceiver } from '../support/http-receiver.js';
import { eventually } from '../support/ingest-harness.js';

const h = useApiHarness();
const silent = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(status = 200) {
  const r = await startHttpReceiver(status);
  cleanups.push(() => r.close());
  return r;
}

function dispatcher() {
  const d = startWebhookDispatcher({
    db: h.db,
    hostPolicy: { allowPrivate: true },
    log: silent,
    pollIntervalMs: 100,
    requestTimeoutMs: 5_000,
  });
  cleanups.push(() => d.stop());
  return d;
}

async function addWebhook(f: ApiFixture, url: string, events: string[]) {
  const response = await as(h.app, f.tokens.admin).post('/webhooks', { url, events });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; secret: string; url: string; events: string[] };
}

async function openTicket(f: ApiFixture, title = 'Printer on fire') {
  const response = await as(h.app, f.tokens.agent).post('/tickets', {
    customer: { email: `c-${randomUUID().slice(0, 8)}@example.test`, name: 'Carla Customer' },
    title,
    description: 'Smoke everywhere.',
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; ticketNumber: number };
}

const eventsOf = (r: HttpReceiver) =>
  r.requests.map((q) => JSON.parse(q.body) as { id: string; type: string; data: { ticket: { id: string } } });

describe('/webhooks', () => {
  it('admins add, list, change and remove webhooks; the secret is shown once; agents may not', async () => {
    const f = await createApiFixture(h.db);
    const hook = await addWebhook(f, 'https://hooks.example.test/in', ['ticket.created']);
    expect(hook.secret).toMatch(/^whsec_/);
    const listed = (await as(h.app, f.tokens.admin).get('/webhooks')).json().data;
    expect(listed).toEqual([
      expect.objectContaining({ id: hook.id, events: ['ticket.created'], isActive: true }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(hook.secret);
    const changed = await as(h.app, f.tokens.admin).patch(`/webhooks/${hook.id}`, {
      events: ['sla.breached', 'sla.warning'],
      isActive: false,
    });
    expect(changed.json()).toMatchObject({ events: ['sla.breached', 'sla.warning'], isActive: false });
    expect((await as(h.app, f.tokens.agent).get('/webhooks')).statusCode).toBe(403);
    expect(
      (
        await as(h.app, f.tokens.agent).post('/webhooks', {
          url: 'https://x.test',
          events: ['ticket.created'],
        })
      ).statusCode,
    ).toBe(403);
    expect((await as(h.app, f.tokens.admin).delete(`/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await as(h.app, f.tokens.admin).get('/webhooks')).json().data).toEqual([]);
  });

  it('refuses URLs that are not http(s), carry credentials, or point into the private network', async () => {
    const f = await createApiFixture(h.db);
    const strict = await h.buildApp({ mailboxHosts: { allowPrivate: false } });
    for (const url of [
      'ftp://files.example.test/x',
      'javascript:alert(1)',
      'not a url',
      'https://user:pw@hooks.example.test/',
    ]) {
      const response = await as(h.app, f.tokens.admin).post('/webhooks', { url, events: ['ticket.created'] });
      expect(response.statusCode, url).toBe(422);
    }
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/',
      'http://10.1.2.3/',
    ]) {
      const response = await as(strict, f.tokens.admin).post('/webhooks', {
        url,
        events: ['ticket.created'],
      });
      expect(response.statusCode, url).toBe(422);
      expect(errorOf(response).message).toMatch(/not a host on the public internet/);
    }
    const hook = await addWebhook(f, 'https://hooks.example.test/in', ['ticket.created']);
    const moved = await as(strict, f.tokens.admin).patch(`/webhooks/${hook.id}`, {
      url: 'http://192.168.1.1/',
    });
    expect(moved.statusCode).toBe(422);
  });

  it('another organisation’s webhooks answer 404 and never receive its events', async () => {
    const a = await createApiFixture(h.db, 'A');
    const b = await createApiFixture(h.db, 'B');
    const onA = await receiver();
    const hookA = await addWebhook(a, `${onA.url}/a`, ['ticket.created']);
    for (const response of [
      await as(h.app, b.tokens.admin).patch(`/webhooks/${hookA.id}`, { isActive: false }),
      await as(h.app, b.tokens.admin).delete(`/webhooks/${hookA.id}`),
      await as(h.app, b.tokens.admin).get(`/webhooks/${hookA.id}/deliveries`),
      await as(h.app, b.tokens.admin).post(`/webhooks/${hookA.id}/test`),
    ])
      expect(response.statusCode).toBe(404);
    await openTicket(b, 'B’s own ticket');
    const queued = await h.db.adminDb
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hookA.id));
    expect(queued).toEqual([]);
  });

  it('delivers signed events once per event id through a receiver outage, retrying with backoff', async () => {
    const f = await createApiFixture(h.db);
    const down = await receiver(503);
    const hook = await addWebhook(f, `${down.url}/hook`, [
      'ticket.created',
      'message.created',
      'ticket.updated',
    ]);
    const ticket = await openTicket(f);
    const reply = await as(h.app, f.tokens.agent).post(`/tickets/${ticket.id}/messages`, {
      content: 'On it.',
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const queued = await h.db.adminDb
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, hook.id));
    expect(queued.map((d) => d.eventType).sort()).toEqual(['message.created', 'ticket.created']);

    dispatcher();
    // Refused twice (the receiver is down), then it comes back.
    await eventually(() => expect(down.requests.length).toBeGreaterThanOrEqual(4), 30_000);
    down.answer(200);
    await eventually(async () => {
      const rows = await h.db.adminDb
        .select()
        .from(webhookDeliveries)
        .where(eq(webhookDeliveries.webhookId, hook.id));
      expect(rows.map((d) => d.status)).toEqual(['delivered', 'delivered']);
    }, 30_000);
    const accepted = down.requests.filter((q) => q.status === 200);
    const events = accepted.map(
      (q) =>
        JSON.parse(q.body) as { id: string; type: string; data: { ticket: { id: string; number: number } } },
    );
    expect(events.map((e) => e.type).sort()).toEqual(['message.created', 'ticket.created']);
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
    expect(
      events.every((e) => e.data.ticket.id === ticket.id && e.data.ticket.number === ticket.ticketNumber),
    ).toBe(true);
    // Every attempt of one event carried the same id and a valid signature.
    const now = Math.floor(Date.now() / 1000);
    for (const q of down.requests) {
      expect(verifyWebhookSignature(hook.secret, q.body, q.headers[SIGNATURE_HEADER] as string, now)).toBe(
        true,
      );
      expect(q.headers['x-insightdesk-event-id']).toBe(JSON.parse(q.body).id);
    }
    expect(
      verifyWebhookSignature(
        hook.secret,
        `${down.requests[0]!.body} `,
        down.requests[0]!.headers[SIGNATURE_HEADER] as string,
        now,
      ),
    ).toBe(false);
    expect(
      verifyWebhookSignature(
        'whsec_other',
        down.requests[0]!.body,
        down.requests[0]!.headers[SIGNATURE_HEADER] as string,
        now,
      ),
    ).toBe(false);

    const log = (await as(h.app, f.tokens.admin).get(`/webhooks/${hook.id}/deliveries`)).json().data;
    expect(log).toHaveLength(2);
    for (const entry of log) {
      expect(entry).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
      expect(entry.attempts).toBeGreaterThan(1);
    }
  });

  it('test-sends a ping, and posts new tickets to the organisation’s Slack webhook', async () => {
    const f = await createApiFixture(h.db);
    const hooks = await receiver();
    const slack = await receiver();
    const hook = await addWebhook(f, `${hooks.url}/hook`, ['sla.breached']);
    const slackUrl = `${slack.url}/services/T/B/x`;
    const set = await as(h.app, f.tokens.admin).patch('/organization', { slackWebhookUrl: slackUrl });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().settings.slackWebhookUrl).toBe(slackUrl);
    // The private-network rule holds for Slack too; agents cannot set it.
    const strict = await h.buildApp({ mailboxHosts: { allowPrivate: false } });
    const hidden = await as(strict, f.tokens.admin).patch('/organization', {
      slackWebhookUrl: 'http://169.254.169.254/latest',
    });
    expect(hidden.statusCode).toBe(422);
    expect(
      (await as(h.app, f.tokens.agent).patch('/organization', { slackWebhookUrl: null })).statusCode,
    ).toBe(403);
    const ping = await as(h.app, f.tokens.admin).post(`/webhooks/${hook.id}/test`);
    expect(ping.statusCode).toBe(202);
    const ticket = await openTicket(f, 'Server room flooded');
    dispatcher();
    await eventually(() => {
      expect(eventsOf(hooks).map((e) => e.type)).toEqual(['ping']);
      expect(slack.requests).toHaveLength(1);
    }, 30_000);
    expect(eventsOf(hooks)[0]!.id).toBe(ping.json().eventId);
    expect(JSON.parse(slack.requests[0]!.body)).toEqual({
      text: `New ticket #${ticket.ticketNumber} Server room flooded`,
    });
    expect(slack.requests[0]!.headers[SIGNATURE_HEADER]).toBeUndefined();
    // Turned off: the next ticket goes to Slack no more.
    const off = await as(h.app, f.tokens.admin).patch('/organization', { slackWebhookUrl: null });
    expect(off.json().settings.slackWebhookUrl).toBeNull();
    const later = await openTicket(f, 'Quiet one');
    const queued = await h.db.adminDb
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.url, slackUrl));
    expect(
      queued.map((d) => (d.payload as { data: { ticket: { id: string } } }).data.ticket.id),
    ).not.toContain(later.id);
  });
});
