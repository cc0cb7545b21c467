// The admin pages of the web app in headless Chromium against the API on real services: members and
// invitations, mailboxes, canned responses, tags and API tokens, SLA policies with business hours and the
// due-time preview, categories, organisation settings, plan and usage, for admins and owners; agents are
// told the pages are not theirs; another organisation's admin sees only their own.
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

  it('let an admin set business hours and a policy, and preview when a ticket opened on a Friday afternoon is due', async () => {
    const admin = await signedIn('sla-admin', acme.admin.email);
    const { page } = admin;
    await page.goto('/admin');
    await section(admin, 'SLA policies');
    await page.getByText('No SLA policies yet').waitFor();
    // Business hours: our words for a line we cannot read, the API's for a zone it does not know.
    const hours = page.getByRole('form', { name: 'Business hours' });
    await hours.getByLabel('Time zone').fill('Mars/Olympus');
    await hours.getByLabel('Monday hours').fill('9 to 5');
    await hours.getByRole('button', { name: 'Save business hours' }).click();
    await page.getByRole('alert').filter({ hasText: 'Monday: “9 to 5” is not a time range' }).waitFor();
    await hours.getByLabel('Monday hours').fill('09:00-17:00');
    await hours.getByRole('button', { name: 'Save business hours' }).click();
    await page.getByRole('alert').filter({ hasText: 'is not a known IANA time zone' }).waitFor();
    await hours.getByLabel('Time zone').fill('Europe/Berlin');
    for (const day of ['Tuesday', 'Wednesday', 'Thursday', 'Friday'])
      await hours.getByLabel(`${day} hours`).fill('09:00-17:00');
    for (const day of ['Saturday', 'Sunday']) await hours.getByLabel(`${day} hours`).fill('');
    await hours.getByLabel('Holidays', { exact: false }).fill('2026-01-12');
    await hours.getByRole('button', { name: 'Save business hours' }).click();
    await page.getByRole('status').filter({ hasText: 'The business hours were saved.' }).waitFor();
    const saved = (await as(app, acme.tokens.admin).get('/organization')).json().settings.businessHours;
    expect(saved).toMatchObject({ timeZone: 'Europe/Berlin', holidays: ['2026-01-12'] });
    expect(saved.weekly.sat).toBeUndefined();

    // A policy, typed as a person would (labels in tab order).
    await page.getByLabel('Policy name').fill('Urgent in hours');
    await page.getByLabel('Priority', { exact: true }).selectOption('urgent');
    await page.getByLabel('First response (minutes)').fill('120');
    await page.getByLabel('Next response (minutes, optional)').fill('90');
    await page.getByLabel('Resolution (minutes)').fill('480');
    await page.getByRole('button', { name: 'Create policy' }).click();
    const row = page.locator('tr[data-policy="Urgent in hours"]');
    await row.getByText('2 h').waitFor();
    await row.getByText('business hours').waitFor();

    // Opened Friday 9 January 2026, 16:00 Berlin: an hour counts on Friday, Monday is a holiday.
    await page.getByLabel('Opened at (Europe/Berlin)').fill('2026-01-09T16:00');
    await page.getByRole('button', { name: 'Preview', exact: true }).click();
    await page.getByRole('heading', { name: 'When a ticket opened Fri 9 Jan, 16:00 would be due' }).waitFor();
    const preview = page.locator('tr[data-preview="Urgent in hours"]');
    await preview.getByRole('cell', { name: 'Tue 13 Jan, 10:00', exact: true }).waitFor(); // first response
    await preview.getByRole('cell', { name: 'Tue 13 Jan, 09:30', exact: true }).waitFor(); // next response
    await preview.getByRole('cell', { name: 'Tue 13 Jan, 16:00', exact: true }).waitFor(); // resolution
    await preview.getByText('Calendar').click();
    await preview.getByText('Fri 9 Jan: counts 16:00–17:00').waitFor();
    await preview.getByText('Tue 13 Jan: counts 09:00–16:00').waitFor();
    expect(await preview.getByText('Mon 12 Jan').count()).toBe(0);
    await admin.screenshot('sla-preview');

    // Edited in place: 24/7 now, so the preview follows the wall clock.
    await page.getByRole('button', { name: 'Edit Urgent in hours' }).click();
    const editing = page.locator('form.policy-form').first();
    expect(await editing.getByLabel('Priority', { exact: true }).inputValue()).toBe('urgent');
    await editing.getByLabel('Count business hours only').uncheck();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await row.getByText('24/7').waitFor();
    await row.getByRole('cell', { name: 'urgent', exact: true }).waitFor();
    await preview.getByRole('cell', { name: 'Fri 9 Jan, 18:00', exact: true }).waitFor();
    await row.getByRole('button', { name: 'Delete the policy Urgent in hours' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByText('No SLA policies yet').waitFor();
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 180_000);

  it('let an admin add, nest, rename and delete categories, with the API’s refusals in words', async () => {
    const admin = await signedIn('categories-admin', acme.admin.email);
    const { page } = admin;
    await page.goto('/admin?section=categories');
    await page.getByText('No categories yet.').waitFor();
    await page.getByLabel('Category name').fill('Billing');
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByLabel('Name of category Billing').waitFor();
    await page.getByLabel('Category name').fill('Refunds');
    await page.getByLabel('Parent (optional)').selectOption({ label: 'Billing' });
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.locator('li.subcategory[data-category="Refunds"]').waitFor();
    expect(await page.getByLabel('Parent of Refunds').locator('option:checked').textContent()).toBe(
      'Billing',
    );
    await page.getByLabel('Category name').fill('Refunds');
    await page.getByLabel('Parent (optional)').selectOption({ label: 'Billing' });
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByRole('alert').filter({ hasText: 'a category of that name already exists' }).waitFor();
    await page.getByLabel('Name of category Billing').fill('Billing and invoices');
    await page.getByRole('button', { name: 'Save category Billing' }).click();
    await page.getByRole('status').filter({ hasText: 'Billing and invoices was saved' }).waitFor();
    await page.getByRole('button', { name: 'Delete the category Billing and invoices' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('alert').filter({ hasText: 'the category has subcategories' }).waitFor();
    await admin.screenshot('categories-refused');
    await page.getByRole('button', { name: 'Delete the category Refunds' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Refunds was deleted' }).waitFor();
    const left = (await as(app, acme.tokens.agent).get('/categories')).json().data;
    expect(left.map((c: { name: string }) => c.name)).toEqual(['Billing and invoices']);
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 180_000);

  it('let an owner change the organisation’s settings, refusals in the API’s words', async () => {
    const owner = await signedIn('settings-owner', acme.owner.email);
    const { page } = owner;
    await page.goto('/admin?section=organization');
    await page.getByLabel('Name', { exact: true }).waitFor();
    await page.getByLabel('Email staff about new tickets').check();
    await page.getByLabel('Slack incoming-webhook URL', { exact: false }).fill('ftp://hooks.example.test/x');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('alert').filter({ hasText: 'slackWebhookUrl: must be http or https' }).waitFor();
    await page.getByLabel('Slack incoming-webhook URL', { exact: false }).fill('');
    await page
      .getByLabel('Also send SLA escalations to', { exact: false })
      .fill('Boss@acme.test, ops@acme.test');
    await page.getByLabel('Warn when this share', { exact: false }).fill('80');
    await page.getByLabel('Email the customer a survey', { exact: false }).check();
    await page.getByLabel('Survey delay', { exact: false }).fill('30');
    await page.getByLabel('Close resolved tickets after (days)').fill('5');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'The settings were saved.' }).waitFor();
    expect((await as(app, acme.tokens.agent).get('/organization')).json().settings).toMatchObject({
      emailOnNewTicket: true,
      emailOnTicketUpdate: false,
      escalationEmails: ['boss@acme.test', 'ops@acme.test'],
      slaWarningRatio: 0.8,
      satisfactionSurvey: { delayMinutes: 30 },
      autoCloseAfterDays: 5,
      slackWebhookUrl: null,
    });
    // A member whose choice is "default" now gets new-ticket mail.
    const mine = (await as(app, acme.tokens.agent).get('/account/notifications')).json();
    expect(mine.enabled.newTicket).toBe(true);
    await owner.screenshot('settings');
    // Saving again unchanged sends nothing.
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Nothing changed.' }).waitFor();
    expect(owner.problems).toEqual([]);
    await owner.context.close();
  }, 180_000);

  it('let an admin reword an email with a preview, go back to the default, and sign a mailbox’s mail', async () => {
    const admin = await signedIn('templates-admin', acme.admin.email);
    const { page } = admin;
    await page.goto('/admin?section=templates');
    await page.getByLabel('Email', { exact: true }).selectOption('reply');
    const subject = page.getByLabel('Subject');
    await subject.waitFor();
    expect(await subject.inputValue()).toBe('Re: [#{{ticket.number}}] {{ticket.title}}');
    await page.getByLabel('Body (plain text)').fill('{{reply.content}}\n\nThe {{organization.name}} team');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('.preview-text', { hasText: 'we corrected the address' }).waitFor();
    await page.locator('.preview-text', { hasText: 'The Acme team' }).waitFor();
    await admin.screenshot('template-preview');
    // Nothing is saved by a preview; a wording without the reply's text is refused in the API's words.
    expect((await as(app, acme.tokens.admin).get('/email-templates/reply')).json().customized).toBe(false);
    await page.getByLabel('Body (plain text)').fill('Thanks!');
    await page.getByRole('button', { name: 'Save wording' }).click();
    await page.getByRole('alert').filter({ hasText: 'must use {{reply.content}}' }).waitFor();
    await page.getByLabel('Body (plain text)').fill('{{reply.content}}\n\nThe {{organization.name}} team');
    await page.getByRole('button', { name: 'Save wording' }).click();
    await page.getByRole('status').filter({ hasText: 'The wording was saved' }).waitFor();
    expect((await as(app, acme.tokens.admin).get('/email-templates/reply')).json()).toMatchObject({
      customized: true,
      body: '{{reply.content}}\n\nThe {{organization.name}} team',
    });
    await page.getByRole('button', { name: 'Go back to the default the reply wording' }).click();
    await page.getByRole('button', { name: 'Yes, go back to the default' }).click();
    await page.getByRole('status').filter({ hasText: 'The default wording is back.' }).waitFor();
    expect((await as(app, acme.tokens.admin).get('/email-templates/reply')).json().customized).toBe(false);

    await page.goto('/admin?section=mailboxes');
    await page.getByLabel('Display name (shown beside the address)').fill('Acme Support');
    await page.getByLabel('Signature (ends replies, notices and surveys)').fill('The Acme support team');
    await page.getByRole('button', { name: 'Save sender' }).click();
    await page.getByRole('status').filter({ hasText: 'was saved' }).waitFor();
    const [box] = (await as(app, acme.tokens.admin).get('/mailboxes')).json().data;
    expect(box).toMatchObject({ displayName: 'Acme Support', signature: 'The Acme support team' });
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 180_000);

  it('show the plan and this month’s usage', async () => {
    const admin = await signedIn('plan-admin', acme.admin.email);
    const { page } = admin;
    await page.goto('/admin?section=plan');
    const { plan, usage } = (await as(app, acme.tokens.admin).get('/subscription')).json();
    await page.getByText(`Plan: ${plan.name}`).waitFor();
    // Each row: what, used, allowed, its meter.
    const figures = async (what: string) => {
      const row = page.locator(`tr[data-usage="${what}"]`);
      await row.waitFor();
      return (await row.locator('td').allTextContents()).slice(0, 2);
    };
    expect(await figures('Agents, admins and owners')).toEqual([
      String(usage.agents),
      String(plan.limits.agents),
    ]);
    expect(usage.agents).toBe(3);
    expect(await figures('Mailboxes')).toEqual(['1', String(plan.limits.mailboxes)]);
    await page.getByRole('meter', { name: `Mailboxes: 1 of ${plan.limits.mailboxes}` }).waitFor();
    expect(await figures('Tickets this month')).toEqual([
      String(usage.ticketsCreated),
      String(plan.limits.ticketsPerMonth),
    ]);
    await admin.screenshot('plan');
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 120_000);

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
    for (const key of ['sla', 'categories', 'organization', 'plan']) {
      await agent.page.goto(`/admin?section=${key}`);
      await agent.page.getByRole('alert').filter({ hasText: 'Admins only' }).waitFor();
      expect(await agent.page.locator('.admin-panel').count()).toBe(0);
    }
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
    // Acme's business hours, categories, settings and mailbox are not Globex's.
    await section(other, 'SLA policies');
    await other.page.getByText('No business hours: every clock runs 24/7.', { exact: false }).waitFor();
    await section(other, 'Categories');
    await other.page.getByText('No categories yet.').waitFor();
    await section(other, 'Organisation');
    expect(await other.page.getByLabel('Name', { exact: true }).inputValue()).toBe(globex.org.name);
    expect(await other.page.getByLabel('Email staff about new tickets').isChecked()).toBe(false);
    expect(await other.page.getByLabel('Also send SLA escalations to', { exact: false }).inputValue()).toBe(
      '',
    );
    await section(other, 'Plan and usage');
    await other.page.locator('tr[data-usage="Mailboxes"]').waitFor();
    expect(await other.page.locator('tr[data-usage="Mailboxes"] td').first().textContent()).toBe('0');
    expect(await other.page.getByText('acme.test').count()).toBe(0);
    await other.screenshot('own-members-only');
    expect(other.problems).toEqual([]);
    await other.context.close();
  }, 120_000);
});
