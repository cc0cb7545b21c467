// Hostile email (issue #7): hundreds of malformed and adversarial messages through the real reader
// (Dovecot → IMAP reader → pipeline → ticket workflows). None may stop the reader, each must end in the
// inbound ledger exactly once (ingested, or quarantined / ignored with a reason), and nothing read back
// through the agents' API may carry script.
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/app.js';
import type { IngestOutcome } from '../../src/ingest/pipeline.js';
import { buildTestApp, tokenFor } from '../support/api.js';
import { createOrganizationFixture } from '../support/db.js';
import {
  customerEmail,
  eventually,
  type IngestHarness,
  ledgerOf,
  startIngestHarness,
  ticketsOf,
} from '../support/ingest-harness.js';
import { type HostileCase, hostileCases, INJECTED_DOMAIN, wordsOf } from './hostile-mime.js';
import { activeContentIn, lineBreakersIn } from './html-safety.js';
import { printFigures } from './profile.js';

let h: IngestHarness;
let app: Api;

beforeAll(async () => {
  h = await startIngestHarness();
  app = await buildTestApp(h);
});
afterAll(async () => {
  await app?.close();
  await h?.close();
});

// Every case in both profiles: the whole set takes about a minute on the 2-core machine (measured, see README).
const all = hostileCases();

interface TicketDetail {
  id: string;
  title: string;
  description: string | null;
  customer: { name: string; email: string };
  messages: {
    content: string;
    contentHtml: string | null;
    sender: { name: string } | null;
    attachments: { id: string; filename: string; url: string }[];
  }[];
}

describe('hostile email', () => {
  it('the checker itself sees script where there is some', () => {
    expect(activeContentIn('<p>fine</p><a href="https://x.test">ok</a>')).toEqual([]);
    for (const bad of [
      '<img src=x onerror=alert(1)>',
      '<a href="jav&#x09;ascript:alert(1)">x</a>',
      '<svg></svg>',
      '<div style="background:url(x)">',
    ])
      expect(activeContentIn(bad), bad).not.toEqual([]);
    expect(lineBreakersIn('Hello\r\nBcc: x')).toEqual(['U+000d', 'U+000a']);
  });

  it(`every one of ${all.length} cases ends in the ledger once, the reader keeps going, the API renders no script`, async () => {
    const f = await createOrganizationFixture(h.db, 'Hostile');
    const mailbox = await h.createMailbox(f.org.id);
    const { taskQueue } = await h.startWorker();
    await h.startReader(mailbox.id, taskQueue);
    const agentToken = await tokenFor(h.db, f, f.agent);
    const api = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${agentToken}` } });

    // One IMAP session appends everything (APPEND answers with the UID: UIDPLUS), as fast as it can.
    const started = Date.now();
    const byUid = new Map<number, HostileCase>();
    const refused: { kase: HostileCase; outcome: IngestOutcome; error: string }[] = [];
    const appender = new ImapFlow({
      ...h.dovecot.clientOptions(mailbox.user, mailbox.password),
      disableAutoIdle: true,
    });
    await appender.connect();
    try {
      for (const entry of all) {
        const kase = entry.build();
        const appended = await appender.append(mailbox.folder, kase.raw).catch((error: Error) => error);
        if (appended && !(appended instanceof Error) && appended.uid) {
          byUid.set(appended.uid, kase);
          continue;
        }
        // The IMAP server refused the bytes (so no reader could ever see them): the same pipeline the
        // webhook uses still has to cope with them.
        const outcome = await h.pipeline.ingest(kase.raw, { mailboxId: mailbox.id });
        refused.push({
          kase,
          outcome,
          error: appended instanceof Error ? appended.message : 'no UID returned',
        });
      }
    } finally {
      await appender.logout().catch(() => appender.close());
    }

    // Every appended case reaches an outcome; none may hold the reader up.
    const outcomeOf = new Map<number, IngestOutcome>();
    await eventually(() => {
      for (const event of h.outcomes) {
        if (event.mailboxId !== mailbox.id || !byUid.has(event.uid)) continue;
        // A batch retried after a failure reports `duplicate` for what the first attempt did.
        if (!outcomeOf.has(event.uid) || outcomeOf.get(event.uid)?.outcome === 'duplicate')
          outcomeOf.set(event.uid, event.outcome);
      }
      const missing = [...byUid].filter(([uid]) => !outcomeOf.has(uid)).map(([, c]) => c.name);
      expect(missing, `no outcome yet for ${missing.length} cases`).toEqual([]);
    }, 600_000);
    const wallMs = Date.now() - started;

    // The reader still works: an ordinary email afterwards becomes a ticket.
    await mailbox.append(customerEmail({ to: mailbox.address, subject: 'Still listening after the storm' }));
    await eventually(async () =>
      expect((await ticketsOf(h.db, f.org.id)).map((t) => t.title)).toContain(
        'Still listening after the storm',
      ),
    );

    const results = [
      ...[...byUid].map(([uid, kase]) => ({ kase, outcome: outcomeOf.get(uid)!, via: 'imap' as const })),
      ...refused.map(({ kase, outcome }) => ({ kase, outcome, via: 'pipeline' as const })),
    ];

    // The ledger: one row per distinct email, with the outcome the reader reported, and a reason for
    // everything that did not become a ticket or a message. Ticket rows are written by the ticket
    // workflow, so they can trail the reader by a moment.
    const keyed = new Map<string, (typeof results)[number]>();
    for (const r of results) if (r.outcome.outcome !== 'duplicate') keyed.set(r.outcome.messageKey, r);
    const ledger = await eventually(async () => {
      const rows = await ledgerOf(h.db, f.org.id);
      const keys = new Set(rows.map((row) => row.messageKey));
      const absent = [...keyed.keys()].filter((k) => !keys.has(k));
      expect(
        absent.map((k) => keyed.get(k)!.kase.name),
        'cases missing from the ledger',
      ).toEqual([]);
      return rows;
    }, 120_000);
    const ledgerByKey = new Map(ledger.map((row) => [row.messageKey, row]));
    const problems: string[] = [];
    for (const r of results) {
      const { kase, outcome } = r;
      const row = ledgerByKey.get(outcome.messageKey);
      if (!row) {
        problems.push(`${kase.name}: ${outcome.outcome} but no ledger row`);
        continue;
      }
      if (outcome.outcome === 'duplicate') {
        // Only a case that reuses another's Message-ID may be a duplicate of something.
        const first = keyed.get(outcome.messageKey);
        if (!first || first.kase === kase) problems.push(`${kase.name}: duplicate of nothing we sent`);
        continue;
      }
      if (row.outcome !== outcome.outcome)
        problems.push(`${kase.name}: reader said ${outcome.outcome}, ledger ${row.outcome}`);
      if ((row.outcome === 'quarantined' || row.outcome === 'ignored') && !row.reason?.trim())
        problems.push(`${kase.name}: ${row.outcome} without a reason`);
      const ingested = outcome.outcome === 'ticket_created' || outcome.outcome === 'message_added';
      if (kase.expect === 'ingested' && !ingested)
        problems.push(
          `${kase.name}: expected a ticket, got ${outcome.outcome} (${'reason' in outcome ? outcome.reason : ''})`,
        );
      if (kase.expect === 'quarantined' && outcome.outcome !== 'quarantined')
        problems.push(`${kase.name}: expected quarantine, got ${outcome.outcome}`);
    }
    const normalKey = ledger.filter((row) => !keyed.has(row.messageKey));
    expect(
      normalKey.map((row) => row.subject),
      'ledger rows no case explains',
    ).toEqual(['Still listening after the storm']);

    // Nothing twice: one ticket per created outcome (plus the ordinary email), never two for one email.
    const orgTickets = await ticketsOf(h.db, f.org.id);
    const created = results.filter((r) => r.outcome.outcome === 'ticket_created');
    expect(orgTickets).toHaveLength(created.length + 1);

    // Through the API, as an agent would see it.
    const findings: string[] = [];
    const ticketOfCase = new Map<string, HostileCase>();
    for (const r of created)
      if ('ticketId' in r.outcome && r.outcome.ticketId) ticketOfCase.set(r.outcome.ticketId, r.kase);
    let attachmentsDownloaded = 0;
    for (const ticket of orgTickets) {
      const kase = ticketOfCase.get(ticket.id);
      const label = kase?.name ?? ticket.title;
      const response = await api(`/tickets/${ticket.id}`);
      if (response.statusCode !== 200) {
        findings.push(
          `${label}: GET /tickets/:id answered ${response.statusCode} ${response.body.slice(0, 200)}`,
        );
        continue;
      }
      const detail = response.json() as TicketDetail;
      const oneLine: [string, string][] = [
        ['title', detail.title],
        ['customer.name', detail.customer.name],
        ['customer.email', detail.customer.email],
        ...detail.messages.flatMap((m) => [
          ['sender.name', m.sender?.name ?? ''] as [string, string],
          ...m.attachments.map((a) => ['attachment filename', a.filename] as [string, string]),
        ]),
      ];
      for (const [field, value] of oneLine) {
        const bad = lineBreakersIn(value);
        if (bad.length > 0) findings.push(`${label}: ${field} contains ${bad.join(' ')}`);
      }
      for (const m of detail.messages) {
        if (m.content.includes('\u0000')) findings.push(`${label}: content contains NUL`);
        const active = m.contentHtml === null ? [] : activeContentIn(m.contentHtml);
        if (active.length > 0) findings.push(`${label}: contentHtml renders ${active.join(', ')}`);
        for (const a of m.attachments) {
          const download = await api(a.url);
          attachmentsDownloaded++;
          if (download.statusCode !== 200) {
            findings.push(`${label}: attachment ${a.filename.slice(0, 40)} answered ${download.statusCode}`);
            continue;
          }
          if (!String(download.headers['content-disposition']).startsWith('attachment;'))
            findings.push(`${label}: attachment not served as a download`);
          if (!String(download.headers['content-security-policy']).includes('sandbox'))
            findings.push(`${label}: attachment without a sandboxing CSP`);
        }
      }
      if (kase) {
        const shown = detail.messages.map((m) => `${m.content}\n${m.contentHtml ?? ''}`).join('\n');
        const kept = detail.messages.some((m) => m.attachments.length > 0);
        if (kase.visibleText && !shown.includes(kase.visibleText))
          problems.push(`${kase.name}: the customer's words are not shown`);
        // Whatever else happens, words the email carried are never silently dropped.
        else if (
          kase.raw.includes(wordsOf(kase.name)) &&
          !shown.includes(wordsOf(kase.name)) &&
          !kept &&
          !kase.wordsUnrecoverable
        )
          problems.push(`${kase.name}: the customer's words are neither shown nor kept`);
      }
    }

    // No mail went to an address a hostile header tried to smuggle in.
    await eventually(() => expect(h.tickets.sink.messages.length).toBeGreaterThan(0));
    const injected = h.tickets.sink.messages.filter(
      (m) =>
        m.envelope.to.some((to) => to.endsWith(INJECTED_DOMAIN)) ||
        /^(?:bcc|cc|to|reply-to):.*injected\.invalid/im.test(
          m.raw.toString('latin1').split('\r\n\r\n')[0] ?? '',
        ),
    );

    const byFamily = new Map<string, number>();
    for (const r of results) byFamily.set(r.kase.family, (byFamily.get(r.kase.family) ?? 0) + 1);
    const count = (...kinds: IngestOutcome['outcome'][]) =>
      results.filter((r) => kinds.includes(r.outcome.outcome)).length;
    const quarantineReasons = new Map<string, number>();
    for (const r of results) {
      if (r.outcome.outcome !== 'quarantined') continue;
      const reason = r.outcome.reason.replace(/\(.*\)|:.*$/, '').trim();
      quarantineReasons.set(reason, (quarantineReasons.get(reason) ?? 0) + 1);
    }
    printFigures('hostile email through Dovecot, the reader and the API', {
      cases: results.length,
      ...Object.fromEntries([...byFamily].map(([family, n]) => [`  ${family}`, n])),
      'refused by Dovecot (fed to the pipeline)': refused.length,
      'ingested (ticket / message)': `${count('ticket_created')} / ${count('message_added')}`,
      quarantined: count('quarantined'),
      ...Object.fromEntries([...quarantineReasons].map(([reason, n]) => [`  quarantined: ${reason}`, n])),
      'ignored / bounce': `${count('ignored')} / ${count('bounce')}`,
      'duplicate (same Message-ID)': count('duplicate'),
      lost: results.length - [...results].filter((r) => ledgerByKey.has(r.outcome.messageKey)).length,
      duplicated: orgTickets.length - created.length - 1,
      'tickets read through the API': orgTickets.length,
      'attachments downloaded': attachmentsDownloaded,
      'script findings in API output': findings.length,
      'mails to injected recipients': injected.length,
      'wall time (append → last outcome)': `${(wallMs / 1000).toFixed(1)} s`,
      'emails/s': (results.length / (wallMs / 1000)).toFixed(1),
    });

    expect(problems).toEqual([]);
    expect(findings).toEqual([]);
    expect(injected.map((m) => m.envelope.to)).toEqual([]);
  });
});
