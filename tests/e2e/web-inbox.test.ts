// An agent's day in the web inbox, in headless Chromium against the real stack: Dovecot (IMAP), the
// ingest and ticket workers on a Temporal dev server, PostgreSQL, the SMTP sink and the API serving
// the app. A one-minute first-response SLA lets a breach happen during the test.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { cannedResponses } from '../../src/db/schema/index.js';
import { buildTestApp } from '../support/api.js';
import {
  type AgentPage,
  BROWSER_WAIT,
  givePassword,
  launchChromium,
  openAgentPage,
  signIn,
} from '../support/browser.js';
import { createOrganizationFixture, type OrganizationFixture } from '../support/db.js';
import {
  bare,
  customerEmail,
  type IngestHarness,
  startIngestHarness,
  type TestMailbox,
} from '../support/ingest-harness.js';
import { setPolicy } from '../support/ticket-harness.js';

const PASSWORD = 'correct horse battery staple';
const WAIT = BROWSER_WAIT;

let h: IngestHarness;
let app: FastifyInstance;
let browser: Browser;
let f: OrganizationFixture;
let other: OrganizationFixture;
let mailbox: TestMailbox;
let adam: AgentPage;
let olivia: AgentPage;
let outsider: AgentPage;
let carlasTicketUrl = '';
// Which email became which number depends on the order ingest handled them in.
let carlaNumber = '';
let daveNumber = '';
const carla = `carla-${randomUUID().slice(0, 6)}@customer.test`;
const dave = `dave-${randomUUID().slice(0, 6)}@customer.test`;
const erin = `erin-${randomUUID().slice(0, 6)}@customer.test`;

beforeAll(async () => {
  await buildWeb();
  h = await startIngestHarness();
  const { taskQueue } = await h.startWorker();
  f = await createOrganizationFixture(h.db, 'Northwind');
  other = await createOrganizationFixture(h.db, 'Globex');
  await setPolicy(h.db, f, 'medium', 1, 24 * 60);
  for (const user of [f.agent, f.owner, other.agent]) await givePassword(h.db, user.id, PASSWORD);
  await h.db.adminDb.insert(cannedResponses).values({
    organizationId: f.org.id,
    title: 'Thanks',
    shortcut: '/thanks',
    content: 'Hi {{customer.name}}, thanks for writing about ticket #{{ticket.number}}. — {{agent.name}}',
  });
  mailbox = await h.createMailbox(f.org.id);
  await h.startReader(mailbox.id, taskQueue);
  app = await buildTestApp(h);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  adam = await openAgentPage(browser, base, 'adam');
  olivia = await openAgentPage(browser, base, 'olivia');
  outsider = await openAgentPage(browser, base, 'outsider');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await h?.close();
});

const row = (agent: AgentPage, subject: string) => agent.page.locator('tr.ticket-row', { hasText: subject });

describe('an agent’s day in the web inbox', () => {
  it('signs in with a password and sees an empty inbox', async () => {
    await signIn(adam, f.agent.email, PASSWORD);
    await adam.page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await adam.page.getByText('No tickets match.').waitFor();
    await adam.screenshot('signed-in');
  }, 120_000);

  it('shows tickets that arrive by email without a reload, with a ticking SLA countdown', async () => {
    await mailbox.append(
      customerEmail({
        from: `Carla <${carla}>`,
        to: mailbox.address,
        subject: 'Printer on fire',
        body: 'Smoke everywhere.',
      }),
    );
    await mailbox.append(
      customerEmail({
        from: `Dave <${dave}>`,
        to: mailbox.address,
        subject: 'Invoice missing',
        body: 'Where is it?',
      }),
    );
    await row(adam, 'Printer on fire').waitFor();
    await row(adam, 'Invoice missing').waitFor();
    const carlaRow = row(adam, 'Printer on fire');
    carlaNumber = (await carlaRow.getAttribute('data-ticket'))!;
    daveNumber = (await row(adam, 'Invoice missing').getAttribute('data-ticket'))!;
    expect([carlaNumber, daveNumber].sort()).toEqual(['1', '2']);
    expect(await carlaRow.textContent()).toContain('Carla');
    const first = await carlaRow.locator('td.sla').textContent();
    expect(first).toMatch(/left$/);
    await vi.waitFor(async () => expect(await carlaRow.locator('td.sla').textContent()).not.toBe(first), {
      timeout: WAIT,
      interval: 200,
    });
    await adam.screenshot('tickets-arrived');
  }, 180_000);

  it('opens the ticket and replies with a canned response, placeholders filled, shown at once', async () => {
    await row(adam, 'Printer on fire').getByRole('link').click();
    await adam.page.getByRole('heading', { name: /Printer on fire/ }).waitFor();
    carlasTicketUrl = adam.page.url();
    await adam.page.locator('.msg-customer', { hasText: 'Smoke everywhere.' }).waitFor();
    await adam.page.getByLabel('Reply to the customer').fill('/thanks');
    await adam.page.locator('.canned-preview', { hasText: '{{customer.name}}' }).waitFor();
    await adam.page.getByRole('button', { name: 'Send reply' }).click();
    const sent = adam.page.locator('.msg-agent', {
      hasText: `Hi Carla, thanks for writing about ticket #${carlaNumber}. — Adam Agent`,
    });
    await sent.waitFor();
    await adam.screenshot('replied-with-canned-response');
    const mail = await h.tickets.sink.waitFor(
      (m) => m.envelope.to.includes(carla) && m.subject === `Re: [#${carlaNumber}] Printer on fire`,
      WAIT,
    );
    expect(mail.text).toContain('Hi Carla, thanks for writing');

    // Carla answers from her mail program: the answer appears in the open ticket without a reload.
    await mailbox.append(
      customerEmail({
        from: `Carla <${carla}>`,
        to: mailbox.address,
        subject: `Re: ${mail.subject}`,
        body: 'Done, thanks!\n\nOn Monday, support wrote:\n> Hi Carla',
        inReplyTo: bare(mail.messageId),
        references: [...mail.references.map(bare), bare(mail.messageId)],
      }),
    );
    await adam.page.locator('.msg-customer', { hasText: 'Done, thanks!' }).waitFor();
    await adam.screenshot('customer-answer-live');
  }, 180_000);

  it('adds a follower, shows their email as theirs, and removes them', async () => {
    const { page } = adam;
    await page.getByLabel('Add a follower (email)').fill(erin);
    await page.getByRole('button', { name: 'Add follower' }).click();
    await page.locator('.followers li', { hasText: erin }).waitFor();
    await page.locator('.activity', { hasText: `added ${erin} as a follower` }).waitFor();
    // A follower may write into the ticket by its [#N] subject token, and is named as a follower.
    await mailbox.append(
      customerEmail({
        from: `Erin <${erin}>`,
        to: mailbox.address,
        subject: `Re: [#${carlaNumber}] Printer on fire`,
        body: 'I am Carla’s colleague: the printer is ours.',
      }),
    );
    const erinsMessage = page.locator('.msg-follower', { hasText: 'the printer is ours' });
    await erinsMessage.waitFor();
    expect(await erinsMessage.locator('.badge').textContent()).toBe('Follower');
    await adam.screenshot('follower-added-and-writing');
    await page.getByRole('button', { name: `Remove ${erin} from the followers` }).click();
    await page.getByText('None: replies go to the customer alone.').waitFor();
    expect(await page.locator('.followers').count()).toBe(0);
    // An address that cannot follow is refused in the API's words.
    await page.getByLabel('Add a follower (email)').fill(mailbox.address);
    await page.getByRole('button', { name: 'Add follower' }).click();
    await page.getByRole('alert').waitFor();
    expect(adam.problems).toEqual([]);
  }, 180_000);

  it('shows a colleague viewing and typing in the same ticket', async () => {
    await signIn(olivia, f.owner.email, PASSWORD);
    await olivia.page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await olivia.page.goto(carlasTicketUrl);
    await olivia.page.getByRole('heading', { name: /Printer on fire/ }).waitFor();
    await adam.page.locator('.collision', { hasText: 'Olivia Owner is viewing this ticket' }).waitFor();
    await adam.page.getByLabel('Reply to the customer').fill('Let me check the');
    await olivia.page.locator('.collision', { hasText: 'Adam Agent is typing a reply' }).waitFor();
    await olivia.screenshot('collision-indicator');
    await adam.page.getByLabel('Reply to the customer').fill('');
  }, 120_000);

  it('assigns to me and resolves with the keyboard, and the colleague sees it live', async () => {
    await adam.page.locator('body').click({ position: { x: 5, y: 5 } });
    await adam.page.keyboard.press('a');
    await adam.page.locator('.meta', { hasText: 'assigned to Adam Agent' }).waitFor();
    await adam.page.keyboard.press('e');
    await adam.page.locator('.meta .status', { hasText: 'resolved' }).waitFor();
    await olivia.page.locator('.meta .status', { hasText: 'resolved' }).waitFor();
    await olivia.page.locator('.activity', { hasText: 'Adam Agent assigned it to Adam Agent' }).waitFor();
    await adam.screenshot('assigned-and-resolved');
  }, 120_000);

  it('turns the unanswered ticket’s row red once its SLA is breached', async () => {
    await adam.page.keyboard.press('Escape');
    const daveRow = row(adam, 'Invoice missing');
    await daveRow.waitFor();
    // Resolved tickets leave the default view (open and pending).
    await row(adam, 'Printer on fire').waitFor({ state: 'detached' });
    await adam.page
      .locator('tr.ticket-row.sla-breached', { hasText: 'Invoice missing' })
      .waitFor({ timeout: 240_000 });
    expect(await daveRow.locator('td.sla').textContent()).toMatch(/^breached \d+ min ago$/);
    // The workflow records the breach, and the stream tells the page (the colour is not only the local clock).
    await h.tickets.sink.waitFor(
      (m) => m.subject === `[SLA breach] first response overdue on ticket #${daveNumber}: Invoice missing`,
      240_000,
    );
    await adam.screenshot('sla-breached');
  }, 360_000);

  it('shows an agent of another organisation none of it', async () => {
    await signIn(outsider, other.agent.email, PASSWORD);
    await outsider.page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await outsider.page.getByText('No tickets match.').waitFor();
    await outsider.page.goto(carlasTicketUrl);
    await outsider.page.getByRole('alert').filter({ hasText: 'ticket not found' }).waitFor();
    expect(await outsider.page.getByText('Printer on fire').count()).toBe(0);
    await outsider.page.goto('/search?q=printer');
    await outsider.page.getByText('Nothing matches.').waitFor();
    await outsider.screenshot('other-organisation-sees-nothing');
  }, 120_000);

  it('works with the keyboard alone: move, open, search with highlights, shortcuts', async () => {
    const { page } = adam;
    await page.goto('/inbox');
    await page.locator('#inbox-title').waitFor();
    await page.getByLabel('Status').selectOption('');
    await row(adam, 'Printer on fire').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await adam.screenshot('inbox-all-statuses');
    const numbers = await page
      .locator('tr.ticket-row')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket')));
    const selected = () => page.locator('tr.ticket-row.selected').getAttribute('data-ticket');
    // The first row is selected; j moves down, k back up.
    expect(await selected()).toBe(numbers[0]);
    await page.keyboard.press('j');
    await page.locator(`tr.ticket-row.selected[data-ticket="${numbers[1]}"]`).waitFor();
    await page.keyboard.press('k');
    await page.locator(`tr.ticket-row.selected[data-ticket="${numbers[0]}"]`).waitFor();
    // Down (or up) to Dave's ticket in the list's order as it is now: live updates may reorder rows, and
    // the selection stays on its ticket when they do.
    for (let presses = 0; (await selected()) !== daveNumber; presses++) {
      expect(presses, 'presses to reach the ticket').toBeLessThan(20);
      const order = await page
        .locator('tr.ticket-row')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket')));
      const before = await selected();
      await page.keyboard.press(order.indexOf(daveNumber) > order.indexOf(before) ? 'j' : 'k');
      await page.locator(`tr.ticket-row.selected:not([data-ticket="${before}"])`).waitFor();
    }
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Invoice missing/ }).waitFor();
    await page.keyboard.press('n');
    await page.locator('#composer:focus').waitFor();
    await page.keyboard.type('Customer is on holiday');
    await page.keyboard.press('Control+Enter');
    await page.locator('.msg-note', { hasText: 'Customer is on holiday' }).waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await adam.screenshot('shortcuts');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.keyboard.press('/');
    await page.keyboard.type('printer');
    await page.keyboard.press('Enter');
    await page
      .locator('.search-results mark', { hasText: /printer/i })
      .first()
      .waitFor();
    await adam.screenshot('search-highlights');
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Printer on fire/ }).waitFor();
  }, 180_000);

  it('loaded everything from its own origin, with no CSP violation or script error', () => {
    expect([...adam.problems, ...olivia.problems, ...outsider.problems]).toEqual([]);
  });
});
