// Headless Chromium (Debian's package) driven by playwright-core, for the web app's end-to-end tests.
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { hashPassword } from '../../src/api/auth/passwords.js';
import type { DatabaseHandle } from '../../src/db/client.js';
import { users } from '../../src/db/schema/index.js';

export const CHROMIUM = '/usr/bin/chromium';
/** How long a page step may wait: generous for a loaded machine at a third of the speed; each wait ends as soon as its condition holds. */
export const BROWSER_WAIT = 90_000;
const SCREENSHOTS = path.resolve('data/test/web');

/** A browser of its own: every launch starts from a fresh temporary profile, every context is isolated. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface AgentPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions and CSP violations seen so far. */
  problems: string[];
  screenshot(name: string): Promise<void>;
}

/** A signed-out browser window of laptop width on the app, recording anything the page complains about. */
export async function openAgentPage(browser: Browser, baseUrl: string, who: string): Promise<AgentPage> {
  const context = await browser.newContext({ baseURL: baseUrl, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(BROWSER_WAIT);
  const problems: string[] = [];
  page.on('console', (message) => {
    // An API refusal the page handles (401 before signing in, 404 of a foreign ticket) is not a problem.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await mkdir(SCREENSHOTS, { recursive: true });
  let step = 0;
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      step += 1;
      await page.screenshot({
        path: path.join(SCREENSHOTS, `${who}-${String(step).padStart(2, '0')}-${name}.png`),
      });
    },
  };
}

/** Signs in through the form as a person would. */
export async function signIn(agent: AgentPage, email: string, password: string) {
  const { page } = agent;
  await page.goto('/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in through the form and waits for the inbox. */
export async function signInToInbox(agent: AgentPage, email: string, password: string) {
  await signIn(agent, email, password);
  await agent.page.getByRole('heading', { name: 'Inbox' }).waitFor();
}

/** Listens on a free loopback port; the address the browser opens. */
export async function serveForBrowser(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** Gives a fixture's person a password, so they can sign in through the form. */
export async function givePassword(db: DatabaseHandle, userId: string, password: string) {
  await db.adminDb
    .update(users)
    .set({ passwordHash: await hashPassword(password) })
    .where(eq(users.id, userId));
}
