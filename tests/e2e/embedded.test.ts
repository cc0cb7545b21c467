// The same story against `npm start`'s embedded default, run as users run it: `npm start` as a child
// process, no DATABASE_URL, TEMPORAL_ADDRESS or SMTP_URL (its own PostgreSQL, the local Temporal dev
// server, mail as .eml files), reading a real IMAP mailbox; then the CLI beside it, Ctrl-C, and a second
// start on the same DATA_DIR.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type ParsedMail, simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../../src/net/free-port.js';
import { type DovecotServer, startDovecot } from '../support/dovecot.js';
import { addUserAndWait, bare, customerEmail, eventually } from '../support/ingest-harness.js';

const SUPPORT = 'support@embedded.test';
const PASSWORD = 'support-secret';
const run = promisify(execFile);

let dovecot: DovecotServer;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let app: Started;
let baseUrl: string;
let token: string;

interface Started {
  child: ChildProcess;
  /** Everything it printed, stdout and stderr. */
  output(): string;
  exited: Promise<number | null>;
}

/** `npm start` in a process group of its own, as a terminal runs it (Ctrl-C signals the whole group). */
function npmStart(extra: NodeJS.ProcessEnv = {}): Started {
  const child = spawn('npm', ['start'], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** The log's messages (one JSON object per line when not on a terminal). */
function messages(output: string): string[] {
  return output.split('\n').flatMap((line) => {
    try {
      return [(JSON.parse(line) as { msg: string }).msg];
    } catch {
      return [];
    }
  });
}

async function banner(started: Started): Promise<string> {
  return eventually(() => {
    const found = messages(started.output()).find((m) => m.startsWith('InsightDesk is running'));
    expect(found, started.output().slice(-2000)).toBeDefined();
    return found!;
  }, 240_000);
}

/** A fresh DATA_DIR the `postgres` user can enter (mkdtemp makes it root's only), as `data/` in a checkout is. */
function enterableDataDir(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

const ctrlC = (started: Started) => process.kill(-started.child.pid!, 'SIGINT');

/** The CLI as users run it beside the server: only DATA_DIR tells it where the running instance is. */
const cli = (...args: string[]) => run('npm', ['run', '-s', 'cli', '--', ...args], { env });

beforeAll(async () => {
  dovecot = await startDovecot();
  await addUserAndWait(dovecot, SUPPORT, PASSWORD);
  dataDir = enterableDataDir('insightdesk-embedded-');
  const apiPort = await getFreePort();
  const { DATABASE_URL, TEMPORAL_ADDRESS, SMTP_URL, ...inherited } = process.env;
  env = {
    ...inherited,
    DATA_DIR: dataDir,
    API_PORT: String(apiPort),
    EMBEDDED_POSTGRES_PORT: String(await getFreePort()),
    TEMPORAL_DEV_PORT: String(await getFreePort()),
    TEMPORAL_UI_PORT: String(await getFreePort()),
    MAIL_FROM: SUPPORT,
    IMAP_URL: `imap://${encodeURIComponent(SUPPORT)}:${PASSWORD}@${dovecot.host}:${dovecot.port}`,
    SUPPORT_ADDRESS: SUPPORT,
    SUPPORT_ORGANIZATION: 'demo',
    IMAP_POLL_SECONDS: '2',
  };
  app = npmStart();
  token = (await banner(app)).match(/API token \(shown once, keep it\):\s+(idk_\S+)/)![1]!;
  baseUrl = `http://127.0.0.1:${apiPort}`;
}, 300_000);

afterAll(async () => {
  if (app && app.child.exitCode === null) {
    process.kill(-app.child.pid!, 'SIGTERM');
    await app.exited;
  }
  await dovecot?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api<T = ApiBody>(method: string, path: string, body?: object, bearer = token): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
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
  it('tells the same story with its own PostgreSQL, the local dev server and the file outbox', async () => {
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

  it('works beside the CLI, stops cleanly on Ctrl-C and starts again with every row intact', async () => {
    // The CLI finds the running instance through DATA_DIR: its token is one the running API accepts.
    const created = await cli('create-token', '--org', 'demo', '--email', 'admin@demo.localhost');
    const cliToken = created.stdout.match(/API token \(shown once\): (idk_\S+)/)![1]!;
    const tickets = await api<ApiBody>('GET', '/tickets?sort=created&order=asc', undefined, cliToken);
    expect(tickets.data.length).toBeGreaterThanOrEqual(2);
    const sla = await cli('sla', tickets.data[0]!.id);
    expect(sla.stdout).toContain(`ticket ${tickets.data[0]!.id}:`);
    expect(JSON.parse(sla.stdout.slice(sla.stdout.indexOf('{')))).toHaveProperty('clocks');

    await api('POST', '/mailboxes', { name: 'Sales', address: 'sales@embedded.test', isActive: false });
    // What a restart may change: sync times and last use (kept to the minute); everything else is compared.
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.id).localeCompare(String(b.id));
    const rows = async () => ({
      tickets: await api('GET', '/tickets?sort=created&order=asc'),
      mailboxes: (await api<{ data: Record<string, unknown>[] }>('GET', '/mailboxes')).data
        .map(({ updatedAt, lastSyncedAt, lastError, ...kept }) => kept)
        .sort(byId),
      tokens: (await api<{ data: Record<string, unknown>[] }>('GET', '/tokens')).data
        .map(({ lastUsedAt, ...kept }) => kept)
        .sort(byId),
    });
    const before = await rows();
    expect(before.mailboxes.map((m) => m.address).sort()).toEqual(['sales@embedded.test', SUPPORT]);
    expect(before.tokens.map((t) => t.name).sort()).toEqual(['cli', 'demo']);

    const stopAt = app.output().length;
    ctrlC(app);
    expect(await app.exited).toBe(0);
    const stopping = app.output().slice(stopAt);
    expect(
      messages(stopping).some((m) => /^stopped in \d/.test(m)),
      stopping,
    ).toBe(true);
    expect(stopping).not.toMatch(/\n\s+at |Error:|IllegalStateError/);

    app = npmStart();
    const again = await banner(app);
    expect(again).toContain('npm run cli -- create-token --org demo --email admin@demo.localhost');
    expect(again).not.toContain('shown once');
    // Both tokens still work, and every row is as it was.
    expect(await api('GET', '/tickets?sort=created&order=asc', undefined, cliToken)).toEqual(before.tickets);
    expect(await rows()).toEqual(before);
  }, 400_000);

  it('refuses a second start on the same DATA_DIR, and a taken port, with one line naming what to change', async () => {
    const second = npmStart({ API_PORT: String(await getFreePort()) });
    expect(await second.exited).toBe(1);
    const ours = (text: string) => text.split('\n').filter((line) => line.startsWith('{'));
    expect(messages(second.output())).toEqual([
      expect.stringMatching(
        /^DATA_DIR .* is in use by another InsightDesk \(pid \d+\); stop it first, or set DATA_DIR/,
      ),
    ]);
    expect(ours(second.output())).toHaveLength(1);

    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const otherDir = enterableDataDir('insightdesk-port-');
    try {
      const refused = npmStart({
        DATA_DIR: otherDir,
        API_PORT: String(taken),
        // The running instance holds the others.
        EMBEDDED_POSTGRES_PORT: String(await getFreePort()),
        TEMPORAL_DEV_PORT: String(await getFreePort()),
        TEMPORAL_UI_PORT: String(await getFreePort()),
      });
      expect(await refused.exited).toBe(1);
      expect(messages(refused.output())).toEqual([
        `port ${taken} on 127.0.0.1 is in use by another program; stop it or set API_PORT to a free port`,
      ]);
      expect(ours(refused.output())).toHaveLength(1);
      expect(refused.output()).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 120_000);
});
