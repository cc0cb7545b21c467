// Signing in to the web app (password, second factor, organisation choice and switch, sign-out) and
// the inbox's filters, saved filters and paging, in headless Chromium against the API on real services.
import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { and, eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { createOAuthClient } from '../../src/auth/oauth.js';
import { totpCode, totpStep } from '../../src/auth/two-factor.js';
import { tickets } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, useApiHarness } from '../support/api.js';
import { type AgentPage, givePassword, launchChromium, openAgentPage, signIn } from '../support/browser.js';
import { joinOrganization } from '../support/db.js';
import { startOidcProvider, type TestOidcProvider } from '../support/oidc-provider.js';

const PASSWORD = 'a long enough password';
const h = useApiHarness();
let app: Awaited<ReturnType<typeof h.buildApp>>;
let base: string;
let browser: Browser;
let acme: ApiFixture;
let globex: ApiFixture;
let provider: TestOidcProvider | undefined;

/** A port free now, for an app whose own address (its OAuth redirect URI) must be known before it listens. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function openTicket(f: ApiFixture, title: string, priority = 'medium') {
  const response = await as(app, f.tokens.agent).post('/tickets', {
    customer: { email: `c-${randomUUID().slice(0, 8)}@example.test`, name: 'Casey' },
    title,
    description: 'Help',
    priority,
  });
  expect(response.statusCode, response.body).toBe(201);
}

const agentPage = (who: string): Promise<AgentPage> => openAgentPage(browser, base, who);

beforeAll(async () => {
  await buildWeb();
  app = await h.buildApp();
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  acme = await createApiFixture(h.db, 'Acme');
  globex = await createApiFixture(h.db, 'Globex');
  for (const user of [acme.agent, acme.owner, acme.admin]) await givePassword(h.db, user.id, PASSWORD);
  // Acme's owner also works for Globex.
  await joinOrganization(h.db, acme.owner, globex.org.id, 'agent');
  await openTicket(globex, 'Globex only');
  for (let i = 1; i <= 27; i += 1)
    await openTicket(acme, `Acme question ${i}`, i === 5 ? 'urgent' : 'medium');
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await provider?.close();
});

describe('signing in to the web app', () => {
  it('shows the API’s words for a wrong password', async () => {
    const agent = await agentPage('wrong-password');
    await signIn(agent, acme.agent.email, 'not the password');
    await agent.page
      .getByRole('alert')
      .filter({ hasText: /password/i })
      .waitFor();
    await agent.screenshot('wrong-password');
    await agent.context.close();
  }, 120_000);

  it('asks for the second factor when the account has one', async () => {
    // The agent turns on two-factor sign-in through the API, as the account page would.
    const signedIn = await as(app).post('/auth/sign-in', { email: acme.agent.email, password: PASSWORD });
    const cookie = String([signedIn.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const headers = { cookie, 'x-csrf-token': signedIn.json().csrfToken };
    const setup = await as(app).post('/me/two-factor', { currentPassword: PASSWORD }, headers);
    const { secret } = setup.json();
    const step = totpStep(new Date());
    const confirmed = await as(app).post('/me/two-factor/confirm', { code: totpCode(secret, step) }, headers);
    expect(confirmed.statusCode, confirmed.body).toBe(200);

    const agent = await agentPage('two-factor');
    await signIn(agent, acme.agent.email, PASSWORD);
    const code = agent.page.getByLabel(/Code from your authenticator app/);
    await code.fill('000000');
    await agent.page.getByRole('button', { name: 'Continue' }).click();
    await agent.page.getByRole('alert').waitFor();
    await code.fill(totpCode(secret, step + 1));
    await agent.page.getByRole('button', { name: 'Continue' }).click();
    await agent.page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await agent.screenshot('signed-in-with-second-factor');
    expect(agent.problems).toEqual([]);
    await agent.context.close();
  }, 120_000);

  it('offers no provider buttons when none is configured', async () => {
    const visitor = await agentPage('no-providers');
    const listed = visitor.page.waitForResponse((r) => r.url().endsWith('/auth/oauth/providers'));
    await visitor.page.goto('/');
    expect((await listed).status()).toBe(200);
    await visitor.page.getByRole('button', { name: 'Sign in' }).waitFor();
    // A frame after the answer: the list would be drawn by now.
    await visitor.page.evaluate('new Promise(requestAnimationFrame)');
    expect(await visitor.page.getByRole('link', { name: /Sign in with/ }).count()).toBe(0);
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  }, 120_000);

  it('signs in with Google when it is configured: the button leads to the provider and back', async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      redirectUris: [`${publicUrl}/auth/oauth/google/callback`],
      accounts: { ada: { email: acme.admin.email, emailVerified: true, name: 'Ada Admin' } },
    });
    const withGoogle = await h.buildApp({
      oauth: createOAuthClient({
        google: { clientId: provider.clientId, clientSecret: provider.clientSecret, issuer: provider.issuer },
      }),
      invitations: { apiUrl: publicUrl },
    });
    await withGoogle.listen({ host: '127.0.0.1', port });
    const visitor = await openAgentPage(browser, publicUrl, 'google-sign-in');
    await visitor.page.goto('/');
    const google = visitor.page.getByRole('link', { name: 'Sign in with Google' });
    await google.waitFor();
    expect(await visitor.page.getByRole('link', { name: /Sign in with/ }).all()).toHaveLength(1);
    const toProvider = visitor.page.waitForRequest((r) =>
      r.url().startsWith(`${provider!.authorizationEndpoint}?`),
    );
    await google.click();
    const authorization = (await toProvider).url();
    await visitor.page.waitForURL((url) => url.href.startsWith(provider!.issuer));
    await visitor.screenshot('at-the-provider');
    // The provider's login step (its test double has no form), then its redirect back, in this browser.
    const back = await provider.signIn(authorization, 'ada');
    await visitor.page.goto(back.href);
    await visitor.page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await visitor.screenshot('signed-in-with-google');
    expect(await visitor.page.getByRole('link', { name: /Sign in with/ }).count()).toBe(0);
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  }, 120_000);

  it('lets a person in several organisations choose one, switch, and sign out', async () => {
    const owner = await agentPage('two-organisations');
    await signIn(owner, acme.owner.email, PASSWORD);
    await owner.page.getByText('Choose the organisation to work in:').waitFor();
    await owner.screenshot('choose-organisation');
    await owner.page.getByRole('button', { name: 'Acme' }).click();
    await owner.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor();
    expect(await owner.page.getByText('Globex only').count()).toBe(0);

    await owner.page.getByLabel('Organisation').selectOption({ label: 'Globex' });
    await owner.page.locator('tr.ticket-row', { hasText: 'Globex only' }).waitFor();
    expect(await owner.page.getByText('Acme question').count()).toBe(0);
    await owner.screenshot('switched-organisation');

    // A reload keeps the session and its organisation.
    await owner.page.reload();
    await owner.page.locator('tr.ticket-row', { hasText: 'Globex only' }).waitFor();

    await owner.page.getByRole('button', { name: 'Sign out' }).click();
    await owner.page.getByRole('button', { name: 'Sign in' }).waitFor();
    await owner.page.reload();
    await owner.page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(owner.problems).toEqual([]);
    await owner.context.close();
  }, 120_000);
});

describe('the inbox list', () => {
  it('pages with the keyset cursor, filters, and saves a shared filter a colleague can use', async () => {
    const admin = await agentPage('filters');
    await signIn(admin, acme.admin.email, PASSWORD);
    const rows = admin.page.locator('tr.ticket-row');
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor();
    expect(await rows.count()).toBe(25);
    await admin.page.getByRole('button', { name: 'Load more' }).click();
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 1' }).last().waitFor();
    await admin.page.locator('tr.ticket-row[data-ticket="1"]').waitFor();
    expect(await rows.count()).toBe(27);
    expect(await admin.page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // The mailbox filter: one ticket came in through the organisation's mailbox.
    const mailbox = await as(app, acme.tokens.admin).post('/mailboxes', {
      name: 'Billing',
      address: `billing-${randomUUID().slice(0, 8)}@acme.test`,
    });
    expect(mailbox.statusCode, mailbox.body).toBe(201);
    await h.db.adminDb
      .update(tickets)
      .set({ mailboxId: mailbox.json().id })
      .where(and(eq(tickets.organizationId, acme.org.id), eq(tickets.title, 'Acme question 3')));
    await admin.page.reload();
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor();
    await admin.page.getByLabel('Mailbox').selectOption({ label: `Billing <${mailbox.json().address}>` });
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 3' }).waitFor();
    await admin.page.getByLabel('Mailbox').selectOption('');
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor();

    await admin.page.getByLabel('Priority').selectOption('urgent');
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 5' }).waitFor();
    await admin.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor({ state: 'detached' });
    expect(await rows.count()).toBe(1);

    await admin.page.getByLabel('Save these filters as').fill('Urgent ones');
    await admin.page.getByLabel('share with the team').check();
    await admin.page.getByRole('button', { name: 'Save filter' }).click();
    await admin.page
      .getByLabel('Saved filter')
      .locator('option', { hasText: 'Urgent ones (shared)' })
      .waitFor({ state: 'attached' });
    await admin.screenshot('saved-filter');

    const colleague = await agentPage('shared-filter');
    await signIn(colleague, acme.owner.email, PASSWORD);
    await colleague.page.getByRole('button', { name: 'Acme' }).click();
    await colleague.page.locator('tr.ticket-row', { hasText: 'Acme question 27' }).waitFor();
    await colleague.page.getByLabel('Saved filter').selectOption({ label: 'Urgent ones (shared)' });
    await colleague.page
      .locator('tr.ticket-row', { hasText: 'Acme question 27' })
      .waitFor({ state: 'detached' });
    await colleague.page.locator('tr.ticket-row', { hasText: 'Acme question 5' }).waitFor();
    expect(await colleague.page.locator('tr.ticket-row').count()).toBe(1);
    expect([...admin.problems, ...colleague.problems]).toEqual([]);
  }, 180_000);
});
