// Soak (issue #7): a bounded run of mixed traffic (customers' emails through Dovecot IMAP and POST /inbound,
// agents reading and writing through the API over HTTP, one-minute first-response SLAs firing throughout)
// with this process's memory and every operation's latency sampled. Everything runs here: ingest worker,
// ticket worker, API, on real PostgreSQL, a Temporal dev server, Dovecot and an SMTP sink.
// Asserted: no 5xx, every email became exactly one ticket or message, every due breach fired once and none
// for a ticket answered in time. Printed, never asserted: latencies, breach lag and memory growth.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentile } from '../../bench/support.js';
import type { Api } from '../../src/api/app.js';
import { slaBreaches, slaPolicies, ticketMessages, tickets } from '../../src/db/schema/index.js';
import { buildTestApp, tokenFor } from '../support/api.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import {
  customerEmail,
  INGEST_LIMITS,
  type IngestHarness,
  startIngestHarness,
  type TestMailbox,
} from '../support/ingest-harness.js';
import { printFigures, scaled } from './profile.js';

/** The compressed "30 minutes": how long traffic flows. */
const TRAFFIC_MS = scaled({ ci: 90_000, full: 300_000 });
/** After the traffic: time for the last emails to land and for more deadlines to pass. */
const SETTLE_MS = scaled({ ci: 30_000, full: 60_000 });
/** Per channel (IMAP and POST /inbound): one email every this often. */
const EMAIL_EVERY_MS = 1_500;
const FOLLOW_UP_SHARE = 0.3;
const AGENTS = 3;
const AGENT_THINK_MS = 150;
const ANSWER_SHARE = 0.5;
/** The agent only answers while this much of the first-response time is left, so "in time" is clear-cut. */
const ANSWER_MARGIN_MS = 20_000;
const FIRST_RESPONSE_MS = 60_000;
/** A breach counts as due once its deadline is this far behind us (timer, workflow task, transaction). */
const BREACH_GRACE_MS = 15_000;
const SAMPLE_EVERY_MS = 5_000;
const INBOUND_SECRET = `soak-${randomUUID()}`;
const MIB = 1024 * 1024;

let h: IngestHarness;
let app: Api;
let apiUrl: string;
let token: string;
let f: OrganizationFixture;
let mailbox: TestMailbox;

beforeAll(async () => {
  h = await startIngestHarness();
  f = await createOrganizationFixture(h.db, 'Soak');
  // The shortest policy there is (whole minutes), for every priority the classifier may pick.
  await h.db.adminDb.insert(slaPolicies).values(
    (['low', 'medium', 'high', 'urgent'] as const).map((priority) => ({
      organizationId: f.org.id,
      name: `${priority} soak policy`,
      priority,
      firstResponseTime: FIRST_RESPONSE_MS / 60_000,
      resolutionTime: 7 * 24 * 60,
      businessHoursOnly: false,
      isDefault: true,
    })),
  );
  mailbox = await h.createMailbox(f.org.id);
  const worker = await h.startWorker();
  await h.startReader(mailbox.id, worker.taskQueue);
  app = await buildTestApp(h, {
    inbound: { secret: INBOUND_SECRET, pipeline: h.pipeline, maxBytes: INGEST_LIMITS.maxTotalBytes },
  });
  apiUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  token = await tokenFor(h.db, f, f.agent);
}, 180_000);

afterAll(async () => {
  await app?.close();
  await h?.close();
});

/** A GC on demand without --expose-gc, so heap samples compare live data rather than garbage. */
function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
const ms = (value: number) => `${Math.round(value)} ms`;

interface SentEmail {
  messageId: string;
  channel: 'imap' | 'inbound';
  sentAt: number;
}

describe('soak', () => {
  it('mixed traffic: no 5xx, every email one ticket or message, every due breach once', async () => {
    const startedAt = Date.now();
    const trafficEnd = startedAt + TRAFFIC_MS;
    const flowing = () => Date.now() < trafficEnd;
    const sent: SentEmail[] = [];
    const originals: string[] = [];
    const latencies = new Map<string, number[]>();
    const serverErrors: string[] = [];
    let networkErrors = 0;

    const call = async (op: string, method: string, url: string, body?: unknown, headers = {}) => {
      const begun = performance.now();
      try {
        const response = await fetch(`${apiUrl}${url}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          body: body ? JSON.stringify(body) : undefined,
        });
        const json = await response.json().catch(() => null);
        latencies.set(op, [...(latencies.get(op) ?? []), performance.now() - begun]);
        if (response.status >= 500) serverErrors.push(`${op} ${response.status} ${JSON.stringify(json)}`);
        return { status: response.status, json };
      } catch {
        networkErrors++;
        return { status: 0, json: null };
      }
    };

    const nextEmail = (channel: SentEmail['channel'], i: number) => {
      const followUp = originals.length > 0 && Math.random() < FOLLOW_UP_SHARE;
      const original = followUp ? originals[Math.floor(Math.random() * originals.length)] : undefined;
      const messageId = `soak-${channel}-${i}-${randomUUID().slice(0, 8)}@customer.test`;
      if (!original) originals.push(messageId);
      const raw = customerEmail({
        // A follow-up comes from the customer who started the conversation.
        from: `customer-${(original ?? messageId).split('@')[0]}@customer.test`,
        to: mailbox.address,
        messageId,
        subject: original ? 'Re: Invoice question' : `Invoice question ${i}`,
        body: `Soak email ${i} via ${channel}.`,
        ...(original ? { inReplyTo: original } : {}),
      });
      return { raw, email: { messageId, channel, sentAt: Date.now() } };
    };

    const imapCustomers = async () => {
      for (let i = 0; flowing(); i++) {
        const { raw, email } = nextEmail('imap', i);
        await mailbox.append(raw);
        sent.push(email);
        await sleep(EMAIL_EVERY_MS);
      }
    };

    const inboundStatuses: number[] = [];
    const webhookCustomers = async () => {
      for (let i = 0; flowing(); i++) {
        const { raw, email } = nextEmail('inbound', i);
        const begun = performance.now();
        const response = await fetch(`${apiUrl}/inbound`, {
          method: 'POST',
          headers: { authorization: `Bearer ${INBOUND_SECRET}`, 'content-type': 'message/rfc822' },
          body: raw,
        }).catch(() => undefined);
        latencies.set('POST /inbound', [
          ...(latencies.get('POST /inbound') ?? []),
          performance.now() - begun,
        ]);
        inboundStatuses.push(response?.status ?? 0);
        sent.push(email);
        await sleep(EMAIL_EVERY_MS);
      }
    };

    // Agents: read lists, details, search and stats; answer about half the tickets in time; add notes,
    // tags and tickets of their own.
    type Known = { id: string; createdAt: string };
    let known: Known[] = [];
    const answered = new Set<string>();
    const pick = () => known[Math.floor(Math.random() * known.length)];
    const agent = async () => {
      while (flowing()) {
        const roll = Math.random();
        const ticket = pick();
        if (roll < 0.3 || !ticket) {
          const list = await call('GET /tickets', 'GET', '/tickets?sort=created&order=desc&limit=50');
          if (list.status === 200) known = (list.json as { data: Known[] }).data;
        } else if (roll < 0.5) {
          await call('GET /tickets/:id', 'GET', `/tickets/${ticket.id}`);
        } else if (roll < 0.6) {
          await call('GET /tickets/search', 'GET', '/tickets/search?q=invoice&limit=20');
        } else if (roll < 0.65) {
          await call('GET /stats', 'GET', '/stats');
        } else if (roll < 0.8) {
          const deadline = Date.parse(ticket.createdAt) + FIRST_RESPONSE_MS;
          const inTime = Date.now() < deadline - ANSWER_MARGIN_MS;
          if (inTime && !answered.has(ticket.id) && Math.random() < ANSWER_SHARE) {
            answered.add(ticket.id);
            await call('POST /tickets/:id/messages', 'POST', `/tickets/${ticket.id}/messages`, {
              content: 'Thanks, we are on it.',
            });
          }
        } else if (roll < 0.88) {
          await call('POST /tickets/:id/messages (note)', 'POST', `/tickets/${ticket.id}/messages`, {
            content: 'Internal: checking the invoice.',
            internal: true,
          });
        } else if (roll < 0.96) {
          await call('PATCH /tickets/:id', 'PATCH', `/tickets/${ticket.id}`, {
            tags: [`soak-${Math.floor(Math.random() * 5)}`],
          });
        } else {
          await call('POST /tickets', 'POST', '/tickets', {
            customer: { email: `phone-${randomUUID().slice(0, 8)}@customer.test` },
            title: 'Invoice question by phone',
            description: 'Called about an invoice.',
          });
        }
        await sleep(AGENT_THINK_MS);
      }
    };

    const gc = gcFunction();
    const samples: { rss: number; heap: number }[] = [];
    const sampler = async () => {
      while (flowing()) {
        gc();
        const { rss, heapUsed } = process.memoryUsage();
        samples.push({ rss, heap: heapUsed });
        await sleep(SAMPLE_EVERY_MS);
      }
    };

    await Promise.all([
      imapCustomers(),
      webhookCustomers(),
      sampler(),
      ...Array.from({ length: AGENTS }, agent),
    ]);

    // Settle: the last emails land and more deadlines pass; then everything due must be there.
    const ourIds = () => sent.map((e) => e.messageId);
    const messageRows = async () =>
      h.db.adminDb
        .select({
          emailMessageId: ticketMessages.emailMessageId,
          ticketId: ticketMessages.ticketId,
          createdAt: ticketMessages.createdAt,
        })
        .from(ticketMessages)
        .where(inArray(ticketMessages.emailMessageId, ourIds()));
    await sleep(Math.max(0, trafficEnd + SETTLE_MS - Date.now()));
    for (let waited = 0; (await messageRows()).length < sent.length && waited < 60_000; waited += 1_000) {
      await sleep(1_000);
    }
    const checkedAt = Date.now();

    const rows = await messageRows();
    const rowsById = new Map<string, typeof rows>();
    for (const r of rows) rowsById.set(r.emailMessageId!, [...(rowsById.get(r.emailMessageId!) ?? []), r]);
    const lost = sent.filter((e) => !rowsById.has(e.messageId));
    const doubled = [...rowsById.values()].filter((r) => r.length > 1);
    const ingestLatency = (channel: SentEmail['channel']) =>
      sent
        .filter((e) => e.channel === channel && rowsById.has(e.messageId))
        .map((e) => rowsById.get(e.messageId)![0]!.createdAt.getTime() - e.sentAt)
        .sort((a, b) => a - b);

    const ticketRows = await h.db.adminDb
      .select({ id: tickets.id, createdAt: tickets.createdAt, firstResponseAt: tickets.firstResponseAt })
      .from(tickets)
      .where(eq(tickets.organizationId, f.org.id));
    const breaches = await h.db.adminDb
      .select()
      .from(slaBreaches)
      .where(eq(slaBreaches.organizationId, f.org.id));
    const firstResponseBreaches = (id: string) =>
      breaches.filter((b) => b.ticketId === id && b.kind === 'first_response').length;
    const deadlineOf = (t: (typeof ticketRows)[number]) => t.createdAt.getTime() + FIRST_RESPONSE_MS;
    const answeredInTime = (t: (typeof ticketRows)[number]) =>
      t.firstResponseAt !== null && t.firstResponseAt.getTime() < deadlineOf(t) - 1_000;
    const due = ticketRows.filter((t) => deadlineOf(t) < checkedAt - BREACH_GRACE_MS && !answeredInTime(t));
    const missed = due.filter((t) => firstResponseBreaches(t.id) !== 1);
    const wronglyBreached = ticketRows.filter((t) => answeredInTime(t) && firstResponseBreaches(t.id) > 0);
    const breachLag = breaches
      .map((b) => b.detectedAt.getTime() - b.deadline.getTime())
      .sort((a, b) => a - b);

    const thirds = Math.max(1, Math.floor(samples.length / 3));
    const first = samples.slice(0, thirds);
    const last = samples.slice(-thirds);
    const growth = (key: 'rss' | 'heap') =>
      (median(last.map((s) => s[key])) - median(first.map((s) => s[key]))) / MIB;
    const mib = (key: 'rss' | 'heap', part: typeof samples) =>
      `${(median(part.map((s) => s[key])) / MIB).toFixed(0)}`;
    const latencyFigures = Object.fromEntries(
      [...latencies.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([op, values]) => {
          const sorted = [...values].sort((a, b) => a - b);
          return [
            `${op} (n=${values.length}) p50 / p99`,
            `${ms(percentile(sorted, 50))} / ${ms(percentile(sorted, 99))}`,
          ];
        }),
    );
    const imapLatency = ingestLatency('imap');
    const inboundLatency = ingestLatency('inbound');
    printFigures('soak', {
      'traffic / settle': `${TRAFFIC_MS / 1000} s / ${Math.round((checkedAt - trafficEnd) / 1000)} s`,
      'emails (IMAP / POST /inbound)': `${sent.filter((e) => e.channel === 'imap').length} / ${
        sent.filter((e) => e.channel === 'inbound').length
      }`,
      'emails lost / doubled': `${lost.length} / ${doubled.length}`,
      'IMAP email → message row p50 / p99': `${ms(percentile(imapLatency, 50))} / ${ms(percentile(imapLatency, 99))}`,
      'POST /inbound email → message row p50 / p99': `${ms(percentile(inboundLatency, 50))} / ${ms(
        percentile(inboundLatency, 99),
      )}`,
      ...latencyFigures,
      'API requests / 5xx / network errors': `${[...latencies.values()].reduce((n, v) => n + v.length, 0)} / ${
        serverErrors.length
      } / ${networkErrors}`,
      tickets: ticketRows.length,
      'answered in time': ticketRows.filter(answeredInTime).length,
      'breaches due / fired once / missing': `${due.length} / ${due.length - missed.length} / ${missed.length}`,
      'breaches recorded in all (incl. not yet due at check)': breaches.length,
      'breach recorded late by p50 / p99 / max': `${ms(percentile(breachLag, 50))} / ${ms(
        percentile(breachLag, 99),
      )} / ${ms(breachLag.at(-1) ?? Number.NaN)}`,
      'memory samples (after GC, every 5 s)': samples.length,
      'RSS median first → last third (MiB)': `${mib('rss', first)} → ${mib('rss', last)} (${growth('rss') >= 0 ? '+' : ''}${growth('rss').toFixed(1)})`,
      'heap median first → last third (MiB)': `${mib('heap', first)} → ${mib('heap', last)} (${growth('heap') >= 0 ? '+' : ''}${growth('heap').toFixed(1)})`,
    });

    expect(serverErrors).toEqual([]);
    expect(networkErrors).toBe(0);
    expect(inboundStatuses.filter((s) => s !== 202)).toEqual([]);
    expect(lost.map((e) => e.messageId)).toEqual([]);
    expect(doubled.map((r) => r[0]!.emailMessageId)).toEqual([]);
    expect(due.length).toBeGreaterThan(0);
    expect(missed.map((t) => t.id)).toEqual([]);
    expect(wronglyBreached.map((t) => t.id)).toEqual([]);
  });
});
