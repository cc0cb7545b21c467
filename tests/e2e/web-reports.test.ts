// The reports dashboard in headless Chromium against the API on real services: seeded tickets, breaches
// and survey answers drawn as charts whose hidden tables carry the numbers; the period selector; another
// organisation's agent sees only their own (zero) figures.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { createTicket } from '../../src/db/queries/tickets.js';
import { type ApiFixture, createApiFixture, useApiHarness } from '../support/api.js';
import {
  type AgentPage,
  givePassword,
  launchChromium,
  openAgentPage,
  serveForBrowser,
  signInToInbox,
} from '../support/browser.js';
import { seedReportTickets } from '../support/report-seed.js';

const PASSWORD = 'a long enough password';
const DAY_MS = 86_400_000;
const h = useApiHarness();
let app: Awaited<ReturnType<typeof h.buildApp>>;
let base: string;
let browser: Browser;
let acme: ApiFixture;
let globex: ApiFixture;
/** The two seeded days, as the charts label them (MM-DD). */
const seededDay = new Date(Date.now() - 3 * DAY_MS).toISOString().slice(0, 10);
const label = (daysAfter: number) =>
  new Date(Date.parse(seededDay) + daysAfter * DAY_MS).toISOString().slice(5, 10);

async function reportsOf(who: string, email: string): Promise<AgentPage> {
  const agent = await openAgentPage(browser, base, who);
  await signInToInbox(agent, email, PASSWORD);
  await agent.page.getByRole('link', { name: 'Reports', exact: true }).click();
  await agent.page.getByRole('heading', { name: 'Reports' }).waitFor();
  return agent;
}

/** The numbers of one row of a chart's text alternative. */
async function row(agent: AgentPage, chart: string | RegExp, heading: string) {
  const table = agent.page.getByRole('table', { name: chart });
  const line = table.locator('tr', {
    has: agent.page.getByRole('rowheader', { name: heading, exact: true }),
  });
  await line.waitFor({ state: 'attached' });
  return (await line.locator('td').allTextContents()).map(Number);
}

const VOLUME = 'Tickets opened and resolved per day';
const SLA = /^SLA met and breached per policy/;

beforeAll(async () => {
  await buildWeb();
  app = await h.buildApp();
  base = await serveForBrowser(app);
  acme = await createApiFixture(h.db, 'Acme');
  globex = await createApiFixture(h.db, 'Globex');
  for (const user of [acme.agent, globex.agent]) await givePassword(h.db, user.id, PASSWORD);
  await seedReportTickets(h, acme, seededDay);
  // In the last 30 days but not the last 7: an open low-priority ticket.
  await h.db.withTenant({ organizationId: acme.org.id }, (tx) =>
    createTicket(tx, {
      organizationId: acme.org.id,
      customerId: acme.customer.id,
      title: 'Older',
      description: 'Older',
      priority: 'low',
      createdAt: new Date(Date.now() - 20 * DAY_MS),
    }),
  );
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

describe('the reports dashboard', () => {
  it('draws an organisation’s volumes, SLA outcomes, times and satisfaction, for the chosen period', async () => {
    const agent = await reportsOf('reports-agent', acme.agent.email);
    const { page } = agent;
    expect(await row(agent, VOLUME, label(0))).toEqual([2, 0]);
    expect(await row(agent, VOLUME, label(1))).toEqual([2, 2]);
    expect(await page.getByRole('table', { name: VOLUME }).locator('tbody tr').count()).toBe(30);
    expect(await row(agent, SLA, 'Priority support')).toEqual([1, 1, 0]);
    expect(await row(agent, SLA, 'Built-in urgent')).toEqual([0, 1, 0]);
    expect(await row(agent, SLA, 'Built-in low')).toEqual([0, 0, 2]);
    const firstResponse = 'Time to first response (median 10 min over 3)';
    expect(await row(agent, firstResponse, '< 15 min')).toEqual([2]);
    expect(await row(agent, firstResponse, '< 4 h')).toEqual([1]);
    const resolution = 'Time to resolution (median 840 min over 2)';
    expect(await row(agent, resolution, '< 4 h')).toEqual([1]);
    expect(await row(agent, resolution, '< 3 d')).toEqual([1]);
    const csat = 'Satisfaction ratings (average 3.5 of 5, CSAT 50%, 2 answers, 2 surveys sent)';
    expect(await row(agent, csat, '5 ★')).toEqual([1]);
    expect(await row(agent, csat, '2 ★')).toEqual([1]);
    expect(await row(agent, csat, '1 ★')).toEqual([0]);
    // Each chart is an image named by its caption.
    await page.getByRole('img', { name: VOLUME }).waitFor();
    await agent.screenshot('30-days');

    await page.getByLabel('Reporting period', { exact: true }).selectOption('7');
    await page.waitForURL(/\/reports\?days=7$/);
    await page.getByRole('table', { name: VOLUME }).locator('tbody tr').nth(6).waitFor({ state: 'attached' });
    expect(await page.getByRole('table', { name: VOLUME }).locator('tbody tr').count()).toBe(7);
    expect(await row(agent, SLA, 'Built-in low')).toEqual([0, 0, 1]);
    await agent.screenshot('7-days');
    // The period is in the address: it survives a reload.
    await page.reload();
    expect(await row(agent, SLA, 'Built-in low')).toEqual([0, 0, 1]);
    expect(await page.getByLabel('Reporting period', { exact: true }).inputValue()).toBe('7');
    expect(agent.problems).toEqual([]);
    await agent.context.close();
  }, 180_000);

  it('show another organisation’s agent their own figures only: zeros', async () => {
    const other = await reportsOf('reports-other', globex.agent.email);
    expect(await row(other, VOLUME, label(0))).toEqual([0, 0]);
    expect(await row(other, VOLUME, label(1))).toEqual([0, 0]);
    for (const policy of ['Built-in low', 'Built-in medium', 'Built-in high', 'Built-in urgent'])
      expect(await row(other, SLA, policy)).toEqual([0, 0, 0]);
    expect(await row(other, 'Time to first response (no tickets)', '< 15 min')).toEqual([0]);
    expect(await row(other, 'Satisfaction ratings (no answers yet)', '5 ★')).toEqual([0]);
    expect(await other.page.getByText('Priority support').count()).toBe(0);
    await other.screenshot('zeros');
    expect(other.problems).toEqual([]);
    await other.context.close();
  }, 120_000);
});
