// The account emails' links open pages of the web app (`/account/<page>#token=…`), in headless Chromium
// against the API on real services: forgot password → the emailed link → a new password that signs in; a used,
// forged or incomplete link is refused in words.
import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWeb } from '../../scripts/build-web.js';
import { type ApiFixture, createApiFixture, useApiHarness } from '../support/api.js';
import {
  type AgentPage,
  givePassword,
  launchChromium,
  openAgentPage,
  serveForBrowser,
  signInToInbox,
} from '../support/browser.js';

const h = useApiHarness();
let base: string;
let browser: Browser;
let acme: ApiFixture;

beforeAll(async () => {
  await buildWeb();
  const app = await h.buildApp();
  base = await serveForBrowser(app);
  acme = await createApiFixture(h.db, 'Acme');
  await givePassword(h.db, acme.agent.id, 'the old long password');
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
});

/** The page the newest account mail to `to` (after `seen`) links, on this test's server. */
async function linkMailedTo(to: string, seen: number): Promise<string> {
  const mail = await h.tickets.sink.waitFor(
    (m) => m.seq > seen && m.envelope.to.includes(to.toLowerCase()),
    60_000,
  );
  const link = /https?:\/\/\S+?(\/account\/[a-z-]+#token=[\w-]+)/.exec(mail.text ?? '');
  expect(link, mail.text).not.toBeNull();
  return link![1]!;
}

describe('the account emails’ links', () => {
  it('reset a forgotten password through the emailed link, once; the new password signs in', async () => {
    const person: AgentPage = await openAgentPage(browser, base, 'account-reset');
    const { page } = person;
    await page.goto('/account/forgot-password');
    await page.getByRole('heading', { name: 'Forgot your password?' }).waitFor();
    const seen = h.tickets.sink.messages.length;
    await page.getByLabel('Email address').fill(acme.agent.email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'a link to choose a new password is on its way' })
      .waitFor();

    const link = await linkMailedTo(acme.agent.email, seen);
    expect(link.startsWith('/account/reset-password#token=')).toBe(true);
    await page.goto(link);
    await page.getByLabel('New password (10 or more characters)').fill('a brand new password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
    await person.screenshot('password-reset');

    // The link works once.
    await page.goto('/inbox');
    await page.goto(link);
    await page.getByLabel('New password (10 or more characters)').fill('yet another password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/used/i);

    await signInToInbox(person, acme.agent.email, 'a brand new password');
    expect(person.problems).toEqual([]);
    await person.context.close();
  }, 180_000);

  it('refuse an incomplete or forged link in words', async () => {
    const person = await openAgentPage(browser, base, 'account-forged');
    const { page } = person;
    await page.goto('/account/verify-email');
    await page.getByRole('alert').filter({ hasText: 'This link is incomplete' }).waitFor();
    expect(await page.getByRole('button', { name: 'Confirm my address' }).isDisabled()).toBe(true);

    await page.goto(`/account/confirm-email#token=idv_${randomUUID().replace(/-/g, '')}abcdefghijk`);
    await page.getByRole('button', { name: 'Use this address' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).not.toBe('');
    expect(person.problems).toEqual([]);
    await person.context.close();
  }, 120_000);
});
