// The ticket view's composer attachments, merge control and customer panel, and the person's notification
// settings, in headless Chromium against the API on real services (PostgreSQL, a Temporal ticket worker,
// the SMTP sink); another organisation's agent sees none of it.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { type ApiFixture, as, createApiFixture, useApiHarness } from '../support/api.js';
import {
  type AgentPage,
  BROWSER_WAIT,
  givePassword,
  launchChromium,
  openAgentPage,
  serveForBrowser,
  signIn,
  signInToInbox,
} from '../support/browser.js';
import { joinOrganization } from '../support/db.js';

const PASSWORD = 'a long enough password';
const h = useApiHarness();
let app: Awaited<ReturnType<typeof h.buildApp>>;
let base: string;
let browser: Browser;
let acme: ApiFixture;
let globex: ApiFixture;
let adam: AgentPage;
const casey = `casey-${randomUUID().slice(0, 8)}@customer.test`;
type Opened = { id: string; ticketNumber: number };
let jammed: Opened;
let toner: Opened;
let closed: Opened;
let attachmentUrl = '';

async function openTicket(f: ApiFixture, title: string, email = casey): Promise<Opened> {
  const response = await as(app, f.tokens.agent).post('/tickets', {
    customer: { email, name: 'Casey' },
    title,
    description: `About: ${title}`,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

const file = (name: string, text: string, mimeType = 'text/plain') => ({
  name,
  mimeType,
  buffer: Buffer.from(text),
});

beforeAll(async () => {
  await buildWeb();
  app = await h.buildApp();
  base = await serveForBrowser(app);
  acme = await createApiFixture(h.db, 'Acme');
  globex = await createApiFixture(h.db, 'Globex');
  for (const user of [acme.agent, acme.owner, globex.agent]) await givePassword(h.db, user.id, PASSWORD);
  // Acme's owner also works for Globex: their notification choices are kept per organisation.
  await joinOrganization(h.db, acme.owner, globex.org.id, 'agent');
  jammed = await openTicket(acme, 'Printer jammed');
  toner = await openTicket(acme, 'Toner smudges');
  closed = await openTicket(acme, 'Old question', `someone-${randomUUID().slice(0, 8)}@customer.test`);
  const closing = await as(app, acme.tokens.agent).patch(`/tickets/${closed.id}`, { status: 'closed' });
  expect(closing.statusCode, closing.body).toBe(200);
  await openTicket(globex, 'Globex printer');
  browser = await launchChromium();
  adam = await openAgentPage(browser, base, 'ticket-adam');
  await signInToInbox(adam, acme.agent.email, PASSWORD);
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

describe('the ticket view', () => {
  it('shows the customer’s details and their other tickets', async () => {
    const { page } = adam;
    await page.goto(`/t/${jammed.id}`);
    await page.getByRole('heading', { name: /Printer jammed/ }).waitFor();
    const customer = page.getByRole('region', { name: 'Customer' });
    await customer.getByRole('link', { name: casey }).waitFor();
    await page
      .locator('.other-tickets')
      .getByRole('link', { name: `#${toner.ticketNumber} Toner smudges` })
      .click();
    await page.getByRole('heading', { name: /Toner smudges/ }).waitFor();
    await page
      .locator('.other-tickets')
      .getByRole('link', { name: `#${jammed.ticketNumber} Printer jammed` })
      .click();
    await page.getByRole('heading', { name: /Printer jammed/ }).waitFor();
    // The closed ticket is another customer's.
    expect(await page.locator('.other-tickets').getByText('Old question').count()).toBe(0);
    await adam.screenshot('customer-and-other-tickets');
  }, 120_000);

  it('sends a reply with files: shown at once, downloadable, and carried by the email', async () => {
    const { page } = adam;
    await page.getByLabel('Reply to the customer').fill('The steps are attached.');
    const attach = page.getByLabel('Attach files');
    await attach.setInputFiles([file('steps.txt', 'step 1: open the tray'), file('empty.txt', '')]);
    await attach.setInputFiles([file('résumé.pdf', '%PDF-1.4 pretend', 'application/pdf')]);
    const pending = page.getByRole('list', { name: 'Files to send' });
    expect(await pending.getByRole('listitem').count()).toBe(3);
    // An empty file cannot go: the page says why and sends nothing until it is removed.
    await page.getByRole('alert').filter({ hasText: 'empty.txt is empty' }).waitFor();
    expect(await page.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Remove empty.txt' }).click();
    await page.getByRole('alert').waitFor({ state: 'detached' });
    await adam.screenshot('files-to-send');
    await page.getByRole('button', { name: 'Send reply' }).click();

    const sent = page.locator('.msg-agent', { hasText: 'The steps are attached.' });
    const link = sent.getByRole('link', { name: 'steps.txt' });
    await link.waitFor();
    await sent.getByRole('link', { name: 'résumé.pdf' }).waitFor();
    expect(await page.getByRole('list', { name: 'Files to send' }).count()).toBe(0);
    attachmentUrl = (await link.getAttribute('href'))!;
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('steps.txt');
    expect(await readFile((await download.path())!, 'utf8')).toBe('step 1: open the tray');
    await adam.screenshot('reply-with-files');

    const mail = await h.tickets.sink.waitFor(
      (m) => m.envelope.to.includes(casey) && m.attachments.some((a) => a.filename === 'steps.txt'),
      BROWSER_WAIT,
    );
    expect(mail.text).toContain('The steps are attached.');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()]).sort()).toEqual([
      ['résumé.pdf', 'application/pdf', '%PDF-1.4 pretend'],
      ['steps.txt', 'text/plain', 'step 1: open the tray'],
    ]);
  }, 120_000);

  it('adds an internal note with a file, shown at once', async () => {
    const { page } = adam;
    await page.getByRole('tab', { name: /Internal note/ }).click();
    await page.getByLabel('Internal note', { exact: true }).fill('Log from the customer’s printer');
    await page.getByLabel('Attach files').setInputFiles([file('printer.log', 'E05 paper jam')]);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page
      .locator('.msg-note', { hasText: 'Log from the customer’s printer' })
      .getByRole('link', { name: 'printer.log' })
      .waitFor();
    expect(adam.problems).toEqual([]);
  }, 120_000);

  it('merges the ticket into another found by number or words, and shows the API’s refusals', async () => {
    const { page } = adam;
    const merge = page.getByRole('region', { name: 'Merge' });
    const target = merge.getByLabel('Merge into (number or words)');
    // Itself is never offered.
    await target.fill(`#${jammed.ticketNumber}`);
    await merge.getByRole('button', { name: 'Find' }).click();
    await merge.getByText('No other ticket matches.').waitFor();
    // A closed ticket is offered, and the API refuses it in its words.
    await target.fill(String(closed.ticketNumber));
    await merge.getByRole('button', { name: 'Find' }).click();
    await merge.getByRole('button', { name: `Merge into #${closed.ticketNumber}` }).click();
    await merge.getByRole('button', { name: 'Confirm merge' }).click();
    await merge.getByRole('alert').filter({ hasText: 'the ticket to merge into is closed' }).waitFor();
    await adam.screenshot('merge-refused');

    await target.fill('toner');
    await merge.getByRole('button', { name: 'Find' }).click();
    await merge.getByRole('button', { name: `Merge into #${toner.ticketNumber}` }).click();
    await merge
      .getByText(`Merge #${jammed.ticketNumber} into #${toner.ticketNumber} Toner smudges?`)
      .waitFor();
    await merge.getByRole('button', { name: 'Confirm merge' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Merged into #${toner.ticketNumber}` })
      .waitFor();
    const activity = page.locator('.activity-merged', {
      hasText: `Adam Agent merged this ticket into #${toner.ticketNumber}`,
    });
    await activity.waitFor();
    await page.locator('.meta .status', { hasText: 'closed' }).waitFor();
    expect(await page.getByRole('region', { name: 'Merge' }).count()).toBe(0);
    await adam.screenshot('merged');

    // The target holds the conversation now, files included, and says where it came from.
    await activity.getByRole('link', { name: 'open it' }).click();
    await page.getByRole('heading', { name: /Toner smudges/ }).waitFor();
    await page
      .locator('.activity-merged', { hasText: `merged #${jammed.ticketNumber} into this ticket` })
      .waitFor();
    await page
      .locator('.msg-agent', { hasText: 'The steps are attached.' })
      .getByRole('link', { name: 'steps.txt' })
      .waitFor();
    await page.locator('.msg-note').getByRole('link', { name: 'printer.log' }).waitFor();
    await adam.screenshot('merge-target');
    expect(adam.problems).toEqual([]);
  }, 120_000);
});

describe('notification settings', () => {
  it('keeps the person’s choices, per organisation', async () => {
    const owner = await openAgentPage(browser, base, 'notifications');
    const { page } = owner;
    await signIn(owner, acme.owner.email, PASSWORD);
    await page.getByRole('button', { name: 'Acme' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('heading', { name: 'Email notifications' }).waitFor();
    await page.getByText('Your choices in Acme').waitFor();
    const newTickets = page.getByLabel('New tickets');
    expect(await newTickets.inputValue()).toBe('default');
    await newTickets.selectOption({ label: 'Email me' });
    await page.getByRole('status').filter({ hasText: 'New tickets: emailed from now on' }).waitFor();
    await page.getByLabel('Mentions').selectOption({ label: 'Do not email me' });
    await page.getByRole('status').filter({ hasText: 'Mentions: not emailed from now on' }).waitFor();
    await owner.screenshot('notifications-changed');

    // Stored: a reload shows them, and the API agrees.
    await page.reload();
    await page.getByRole('heading', { name: 'Email notifications' }).waitFor();
    await page.locator('tr[data-event="newTicket"] td.enabled', { hasText: 'yes' }).waitFor();
    expect(await page.getByLabel('New tickets').inputValue()).toBe('on');
    expect(await page.getByLabel('Mentions').inputValue()).toBe('off');
    const stored = await as(app, acme.tokens.owner).get('/account/notifications');
    expect(stored.json().chosen).toEqual({
      newTicket: 'on',
      customerReply: 'default',
      assigned: 'default',
      mention: 'off',
    });

    // Globex knows nothing of Acme's choices.
    await page.getByLabel('Organisation').selectOption({ label: 'Globex' });
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByText('Your choices in Globex').waitFor();
    await page.locator('tr[data-event="mention"] td.enabled').waitFor();
    for (const label of ['New tickets', 'Customer replies', 'Assigned to me', 'Mentions'])
      expect(await page.getByLabel(label).inputValue(), label).toBe('default');
    await owner.screenshot('notifications-other-organisation');
    expect(owner.problems).toEqual([]);
    await owner.context.close();
  }, 120_000);
});

describe('another organisation', () => {
  it('sees none of the tickets, files, merge targets or choices', async () => {
    const outsider = await openAgentPage(browser, base, 'ticket-outsider');
    const { page } = outsider;
    await signInToInbox(outsider, globex.agent.email, PASSWORD);
    await page.goto(`/t/${toner.id}`);
    await page.getByRole('alert').filter({ hasText: 'ticket not found' }).waitFor();
    expect(await page.getByText('Toner smudges').count()).toBe(0);
    expect((await page.request.get(attachmentUrl)).status()).toBe(404);

    // Their own ticket's merge control finds none of Acme's tickets, by number or by words.
    await page.goto('/inbox');
    // Casey writes to both organisations: Globex's view of her lists none of her Acme tickets.
    const hers = page.waitForResponse((r) => r.url().includes('/tickets?customerId='));
    await page.locator('tr.ticket-row', { hasText: 'Globex printer' }).getByRole('link').click();
    await page.getByRole('heading', { name: /Globex printer/ }).waitFor();
    expect((await (await hers).json()).data.map((t: { title: string }) => t.title)).toEqual([
      'Globex printer',
    ]);
    expect(await page.locator('.other-tickets').count()).toBe(0);
    const merge = page.getByRole('region', { name: 'Merge' });
    for (const [query, asked] of [
      [`#${toner.ticketNumber}`, `number=${toner.ticketNumber}`],
      ['toner', '/tickets/search?q=toner'],
    ]) {
      const answer = page.waitForResponse((r) => r.url().includes(asked!));
      await merge.getByLabel('Merge into (number or words)').fill(query!);
      await merge.getByRole('button', { name: 'Find' }).click();
      expect((await (await answer).json()).data).toEqual([]);
      await merge.getByText('No other ticket matches.').waitFor();
    }

    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByText('Your choices in Globex').waitFor();
    await page.locator('tr[data-event="mention"] td.enabled').waitFor();
    expect(await page.getByLabel('Mentions').inputValue()).toBe('default');
    await outsider.screenshot('sees-nothing-of-acme');
    expect(outsider.problems).toEqual([]);
    await outsider.context.close();
  }, 120_000);
});
