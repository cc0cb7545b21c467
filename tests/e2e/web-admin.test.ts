// The admin pages of the web app in headless Chromium against the API on real services: members and
// invitations, mailboxes, canned responses, tags and API tokens for admins and owners; agents are told the
// pages are not theirs; another organisation's admin sees only their own.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { mailboxes } from '../../src/db/schema/index.js';
import { type ApiFixture, as, createApiFixture, useApiHarness } from '../support/api.js';
import {
  type AgentPage,
  givePassword,
  launchChromium,
  openAgentPage,
  serveForBrowser,
  signInToInbox,
} from '../support/browser.js';

const PASSWORD = 'a long enough password';
const h = useApiHarness();
let app: Awaited<ReturnType<typeof h.buildApp>>;
let base: string;
let browser: Browser;
let acme: ApiFixture;
let globex: ApiFixture;

async function signedIn(who: string, email: string): Promise<AgentPage> {
  const agent = await openAgentPage(browser, base, who);
  await signInToInbox(agent, email, PASSWORD);
  return agent;
}

const section = (agent: AgentPage, name: string) =>
  agent.page.getByRole('navigation', { name: 'Administration sections' }).getByRole('link', { name }).click();

beforeAll(async () => {
  await buildWeb();
  app = await h.buildApp();
  base = await serveForBrowser(app);
  acme = await createApiFixture(h.db, 'Acme');
  globex = await createApiFixture(h.db, 'Globex');
  for (const user of [acme.owner, acme.admin, acme.agent, globex.admin])
    await givePassword(h.db, user.id, PASSWORD);
  const mailbox = await as(app, acme.tokens.admin).post('/mailboxes', {
    name: 'Support',
    address: `support-${randomUUID().slice(0, 8)}@acme.test`,
  });
  expect(mailbox.statusCode, mailbox.body).toBe(201);
  await h.db.adminDb
    .update(mailboxes)
    .set({ lastError: 'IMAP login refused: check the password' })
    .where(eq(mailboxes.id, mailbox.json().id));
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

describe('the admin pages', () => {
  it('let an owner invite someone, write canned responses, add tags, and create a token seen once', async () => {
    const owner = await signedIn('owner', acme.owner.email);
    const { page } = owner;
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('heading', { name: 'Members' }).waitFor();
    for (const person of [acme.owner, acme.admin, acme.agent])
      await page.locator(`tr[data-member="${person.email}"]`).waitFor();
    expect(await page.getByText(globex.admin.email).count()).toBe(0);
    await owner.screenshot('members');

    await section(owner, 'Invitations');
    const invitee = `new-agent-${randomUUID().slice(0, 6)}@example.test`;
    await page.getByLabel('Email to invite').fill(invitee);
    await page.getByRole('button', { name: 'Invite' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `emailed to ${invitee}` })
      .waitFor();
    await page.locator(`tr[data-invitation="${invitee}"]`, { hasText: 'open' }).waitFor();
    await owner.screenshot('invited');

    await section(owner, 'Mailboxes');
    await page.getByRole('cell', { name: 'IMAP login refused: check the password' }).waitFor();
    await owner.screenshot('mailboxes');

    await section(owner, 'Canned responses');
    await page.getByText('No canned responses yet.').waitFor();
    await page.getByLabel('Title').fill('Refund on its way');
    await page.getByLabel('Shortcut (optional, like /thanks)').fill('/refund');
    await page.getByLabel('Text').fill('Hi {{customer.name}}, your refund is on its way.');
    await page.getByRole('button', { name: 'Create canned response' }).click();
    const canned = page.locator('li[data-canned="Refund on its way"]');
    await canned.getByText('your refund is on its way').waitFor();
    // The API's words for a refusal: the shortcut is taken.
    await page.getByLabel('Title').last().fill('Another refund');
    await page.getByLabel('Shortcut (optional, like /thanks)').last().fill('/refund');
    await page.getByLabel('Text').last().fill('Also a refund.');
    await page.getByRole('button', { name: 'Create canned response' }).click();
    await page.getByRole('alert').filter({ hasText: 'the shortcut /refund is already used' }).waitFor();
    await owner.screenshot('canned-refused');
    // Edited in place, by keyboard.
    await page.getByRole('button', { name: 'Edit Refund on its way' }).click();
    await canned.getByLabel('Text').fill('Hi {{customer.name}}, the refund left today.');
    await canned.getByLabel('Text').press('Tab');
    await page.keyboard.press('Enter');
    await canned.getByText('the refund left today').waitFor();

    await section(owner, 'Tags');
    await page.getByLabel('New tag').fill('billing');
    await page.getByRole('button', { name: 'Add tag' }).click();
    await page.getByLabel('Name of tag billing').waitFor();

    await section(owner, 'API tokens');
    await page.getByLabel('Token name').fill('Reporting export');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.getByLabel('New token').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    const row = page.locator('tr[data-token="Reporting export"]');
    await row.waitFor();
    const prefix = (await row.locator('code').textContent())!.replace('…', '');
    expect(secret.startsWith(prefix)).toBe(true);
    await owner.screenshot('token-once');
    // The token works, and it is shown once: leaving and coming back shows its prefix only.
    expect((await as(app, secret).get('/tickets')).statusCode).toBe(200);
    await section(owner, 'Tags');
    await section(owner, 'API tokens');
    await row.waitFor();
    expect(await page.getByLabel('New token').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await row.getByRole('button', { name: 'Revoke the token Reporting export' }).click();
    await page.getByRole('button', { name: 'Yes, revoke' }).click();
    await row.getByText(/revoked/).waitFor();
    expect((await as(app, secret).get('/tickets')).statusCode).toBe(401);
    expect(owner.problems).toEqual([]);
    await owner.context.close();
  }, 180_000);

  it('show an admin the API’s refusal in words, and keep the member list as it was', async () => {
    const admin = await signedIn('admin', acme.admin.email);
    await admin.page.goto('/admin?section=members');
    const role = admin.page.locator(`tr[data-member="${acme.agent.email}"]`).getByRole('combobox');
    await role.selectOption('owner');
    await admin.page.getByRole('alert').filter({ hasText: 'only an owner can manage owners' }).waitFor();
    expect(await role.inputValue()).toBe('agent');
    await admin.screenshot('refused');
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 120_000);

  it('tell an agent the pages are for admins only, and show no member list', async () => {
    const agent = await signedIn('agent', acme.agent.email);
    expect(await agent.page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    await agent.page.goto('/admin?section=members');
    await agent.page.getByRole('alert').filter({ hasText: 'Admins only' }).waitFor();
    expect(await agent.page.getByRole('table').count()).toBe(0);
    expect(await agent.page.getByText(acme.owner.email).count()).toBe(0);
    await agent.screenshot('admins-only');
    expect(agent.problems).toEqual([]);
    await agent.context.close();
  }, 120_000);

  it('show another organisation’s admin their own members only', async () => {
    const other = await signedIn('other-admin', globex.admin.email);
    await other.page.goto('/admin');
    await other.page.locator(`tr[data-member="${globex.admin.email}"]`).waitFor();
    for (const person of [acme.owner, acme.admin, acme.agent])
      expect(await other.page.getByText(person.email).count()).toBe(0);
    await section(other, 'Canned responses');
    await other.page.getByText('No canned responses yet.').waitFor();
    await section(other, 'Mailboxes');
    await other.page.getByText('No mailboxes yet', { exact: false }).waitFor();
    await section(other, 'API tokens');
    expect(await other.page.locator('tr[data-token="Reporting export"]').count()).toBe(0);
    await other.screenshot('own-members-only');
    expect(other.problems).toEqual([]);
    await other.context.close();
  }, 120_000);
});
