// The same story against `npm start`'s embedded default, run as users run it: one process, no
// DATABASE_URL, TEMPORAL_ADDRESS or SMTP_URL (PGlite, the local Temporal dev server, mail as .eml files),
// reading a real IMAP mailbox.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DovecotServer, startDovecot } from '../support/dovecot.js';
import { addUserAndWait, bare, customerEmail, eventually } from '../support/ingest-harness.js';
import { getFreePort } from '../support/ports.js';

const SUPPORT = 'support@embedded.test';
const PASSWORD = 'support-secret';

let dovecot: DovecotServer;
let dataDir: string;
let app: ChildProcess;
let output = '';
let baseUrl: string;
let token: string;

beforeAll(async () => {
  dovecot = await startDovecot();
  await addUserAndWait(dovecot, SUPPORT, PASSWORD);
  dataDir = mkdtempSync(join(tmpdir(), 'insightdesk-embedded-'));
  const apiPort = await getFreePort();
  const { DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL, ...inherited } = process.env;
  app = spawn('npx', ['tsx', 'src/main.ts'], {
    env: {
      ...inherited,
      DATA_DIR: dataDir,
      API_PORT: String(apiPort),
      TEMPORAL_DEV_PORT: String(await getFreePort()),
      TEMPORAL_UI_PORT: String(await getFreePort()),
      MAIL_FROM: SUPPORT,
      IMAP_URL: `imap://${encodeURIComponent(SUPPORT)}:${PASSWORD}@${dovecot.host}:${dovecot.port}`,
      SUPPORT_ADDRESS: SUPPORT,
      SUPPORT_ORGANIZATION: 'demo',
      IMAP_POLL_SECONDS: '2',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  app.stdout!.on('data', (chunk) => (output += chunk));
  app.stderr!.on('data', (chunk) => (output += chunk));
  await eventually(() => expect(output).toContain('InsightDesk is running'), 150_000);
  token = output.match(/API token \(shown once\):\s+(idk_\S+)/)![1]!;
  baseUrl = `http://127.0.0.1:${apiPort}`;
}, 180_000);

afterAll(async () => {
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app.once('exit', resolve));
    app.kill('SIGTERM');
    await exited;
  }
  await dovecot?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api<T = ApiBody>(method: string, path: string, body?: object): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await response.json()) as T;
  expect(response.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

interface ApiBody {
  data: { id: string; title: string }[];
  messages: { content: string }[];
}

/** The outbox: every mail the helpdesk sent, as files. */
async function outbox(): Promise<ParsedMail[]> {
  const dir = join(dataDir, 'outbox');
  const files = readdirSync(dir, { withFileTypes: true }).filter((e) => e.name.endsWith('.eml'));
  return Promise.all(files.map((e) => simpleParser(readFileSync(join(dir, e.name)))));
}
const mailWithSubject = (subject: RegExp) =>
  eventually(async () => {
    const found = (await outbox()).filter((m) => subject.test(m.subject ?? ''));
    expect(found).toHaveLength(1);
    return found[0]!;
  }, 120_000);

describe('npm start (embedded default)', () => {
  it('tells the same story with PGlite, the local dev server and the file outbox', async () => {
    await api('POST', '/sla-policies', {
      name: 'Fast',
      priority: 'medium',
      firstResponseTime: 1,
      resolutionTime: 1440,
      businessHoursOnly: false,
      isDefault: true,
    });
    const append = (raw: string) => dovecot.append(SUPPORT, PASSWORD, raw);
    await append(
      customerEmail({
        from: 'Carla <carla@customer.test>',
        to: SUPPORT,
        subject: 'Printer on fire',
        body: 'Smoke.',
      }),
    );
    await mailWithSubject(/^\[#1\] Printer on fire$/);
    await append(
      customerEmail({
        from: 'Dave <dave@customer.test>',
        to: SUPPORT,
        subject: 'Invoice missing',
        body: '?',
      }),
    );

    const tickets = await eventually(async () => {
      const body = await api('GET', '/tickets?sort=created&order=asc');
      expect(body.data).toHaveLength(2);
      return body.data as { id: string; title: string }[];
    }, 60_000);
    const carlas = tickets.find((t) => t.title === 'Printer on fire')!;
    await api('POST', `/tickets/${carlas.id}/messages`, { content: 'Please unplug it.' });
    const reply = await mailWithSubject(/^Re: \[#1\] Printer on fire$/);

    await append(
      customerEmail({
        from: 'Carla <carla@customer.test>',
        to: SUPPORT,
        subject: `Re: ${reply.subject}`,
        body: 'Done, thanks!',
        inReplyTo: bare(reply.messageId),
        references: [bare(reply.messageId)],
      }),
    );
    await eventually(async () => {
      const detail = await api('GET', `/tickets/${carlas.id}`);
      expect(detail.messages.map((m: { content: string }) => m.content)).toContain('Done, thanks!');
    }, 60_000);

    const escalation = await mailWithSubject(/^\[SLA breach\]/);
    expect(escalation.subject).toBe('[SLA breach] first response overdue on ticket #2: Invoice missing');
  }, 300_000);
});
