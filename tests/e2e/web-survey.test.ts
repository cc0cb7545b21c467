// The customer's satisfaction survey in a browser: the emailed link opens a page, one click rates.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { csatSurveys } from '../../src/db/schema/index.js';
import { as, createApiFixture, useApiHarness } from '../support/api.js';
import { launchChromium, openAgentPage } from '../support/browser.js';

const h = useApiHarness();
let app: Awaited<ReturnType<typeof h.buildApp>>;
let base: string;
let browser: Browser;

beforeAll(async () => {
  await buildWeb();
  app = await h.buildApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
});

describe('the satisfaction survey page', () => {
  it('opens from the emailed link and records a rating with one click', async () => {
    const f = await createApiFixture(h.db, 'Survey Co');
    const email = `customer-${randomUUID().slice(0, 8)}@example.test`;
    expect(
      (await as(app, f.tokens.admin).patch('/organization', { satisfactionSurvey: { delayMinutes: 5 } }))
        .statusCode,
    ).toBe(200);
    const opened = await as(app, f.tokens.agent).post('/tickets', {
      customer: { email, name: 'Casey' },
      title: 'Printer jammed',
      description: 'Paper everywhere',
    });
    const ticketId = opened.json().id as string;
    await as(app, f.tokens.agent).patch(`/tickets/${ticketId}`, { status: 'resolved' });
    await h.env.sleep(6 * 60_000);
    const mail = await vi.waitFor(
      () => {
        const found = h.tickets.sink.messages.find(
          (m) => m.envelope.to.includes(email) && /^How did we do\?/.test(m.subject ?? ''),
        );
        expect(found).toBeDefined();
        return found!;
      },
      { timeout: 60_000, interval: 100 },
    );
    const link = /http:\/\/insightdesk\.test(\/csat\/\S+)/.exec(mail.text ?? '')![1]!;

    const customer = await openAgentPage(browser, base, 'customer');
    await customer.page.goto(link);
    await customer.page.getByRole('heading', { name: 'How did Survey Co do?' }).waitFor();
    // The token went into the fragment: it never reaches the server again, nor its logs.
    expect(new URL(customer.page.url()).pathname).toBe('/survey');
    await customer.screenshot('survey');
    await customer.page.getByLabel(/Anything to add/).fill('Quick and kind');
    await customer.page.getByRole('button', { name: '5 · Very happy' }).click();
    await customer.page.getByText('Thank you for your answer.').waitFor();
    await customer.screenshot('survey-answered');
    const [survey] = await h.db.adminDb.select().from(csatSurveys).where(eq(csatSurveys.ticketId, ticketId));
    expect(survey).toMatchObject({ rating: 5, comment: 'Quick and kind' });

    // Opened again, the page says it is answered; a forged link says so in words.
    await customer.page.goto(link);
    await customer.page.getByText('Thank you for your answer.').waitFor();
    await customer.page.goto(`${link.slice(0, -3)}xyz`);
    await customer.page.getByRole('alert').filter({ hasText: 'survey not found' }).waitFor();
    expect(customer.problems).toEqual([]);

    // API clients still get JSON from the same address.
    const json = await as(app).get(link);
    expect(json.statusCode).toBe(200);
    expect(json.json()).toMatchObject({ answered: true, rating: 5 });
  }, 240_000);
});
