// Mailbox settings under attack (issue #12): a tenant's IMAP/SMTP hosts cannot point the server at its own
// networks (checked when saved and again at every connection), connection errors cannot map open ports,
// and an address routes mail to an organisation only once it proved the address is theirs.
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/api/auth/tokens.js';
import { type Mailbox, mailboxes } from '../../src/db/schema/index.js';
import { readMailbox } from '../../src/ingest/imap-reader.js';
import type { HostPolicy } from '../../src/net/host-policy.js';
import { buildTestApp } from '../support/api.js';
import { createOrganizationFixture, createUser, joinOrganization } from '../support/db.js';
import {
  customerEmail,
  eventually,
  type IngestHarness,
  startIngestHarness,
  ticketsOf,
} from '../support/ingest-harness.js';

const SECRET = 'inbound-secret-0123456789';
let h: IngestHarness;
/** Public hosts only, as in production. */
let strict: FastifyInstance;
/** As in tests and the embedded default (MAILBOX_ALLOW_PRIVATE_HOSTS on), with POST /inbound. */
let open: FastifyInstance;

beforeAll(async () => {
  h = await startIngestHarness();
  strict = await buildTestApp(h, { mailboxHosts: { allowPrivate: false } });
  open = await buildTestApp(h, {
    mailboxHosts: { allowPrivate: true },
    inbound: { secret: SECRET, pipeline: h.pipeline, maxBytes: 1024 * 1024 },
  });
}, 120_000);
afterAll(async () => {
  await strict?.close();
  await open?.close();
  await h?.close();
});

/** A fresh organisation and a bearer token of its admin. */
async function tenant(name: string) {
  const f = await createOrganizationFixture(h.db, name);
  const admin = await createUser(h.db, `${name} Admin`);
  await joinOrganization(h.db, admin, f.org.id, 'admin');
  const { token } = await h.db.withTenant({ organizationId: f.org.id, userId: admin.id }, (tx) =>
    issueApiToken(tx, {
      organizationId: f.org.id,
      userId: admin.id,
      name: 't',
      createdById: null,
      expiresAt: null,
    }),
  );
  const send = (app: FastifyInstance, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
  return { ...f, send };
}

const newAddress = (domain = 'acme.test') => `support-${randomUUID().slice(0, 8)}@${domain}`;

const inbound = (to: string, subject: string) =>
  open.inject({
    method: 'POST',
    url: '/inbound',
    payload: customerEmail({ to, subject }),
    headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${SECRET}` },
  });

const mailboxRow = async (id: string) =>
  (await h.db.adminDb.select().from(mailboxes).where(eq(mailboxes.id, id)))[0]!;

describe('mailbox hosts', () => {
  const HIDDEN = [
    '127.0.0.1',
    'localhost',
    '10.1.2.3',
    '172.20.0.5',
    '192.168.0.10',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.251',
    '[::1]',
    '::ffff:127.0.0.1',
    'fd00:ec2::254',
    'fe80::1',
    'no-such-host.invalid',
  ];

  it('refuses hosts on loopback, private, link-local, CGNAT, metadata and unknown, with one message', async () => {
    const t = await tenant('Prober');
    const messages = new Set<string>();
    for (const host of HIDDEN) {
      for (const field of ['imapHost', 'smtpHost']) {
        const response = await t.send(strict, 'POST', '/mailboxes', {
          name: 'Probe',
          address: newAddress(),
          [field]: host,
          imapPort: 22,
        });
        expect(response.statusCode, `${field} ${host}`).toBe(422);
        const { error } = response.json();
        expect(error.details).toEqual([{ field: `body.${field}`, message: expect.any(String) }]);
        messages.add(error.details[0].message.replace(host, '<host>'));
      }
    }
    expect([...messages]).toEqual([
      '<host> is not a host on the public internet (it does not resolve, or resolves to a loopback, private, link-local or reserved address)',
    ]);
    expect((await t.send(strict, 'GET', '/mailboxes')).json().data).toEqual([]);
  });

  it('refuses them on a change too, and accepts public hosts', async () => {
    const t = await tenant('Changer');
    const created = await t.send(strict, 'POST', '/mailboxes', {
      name: 'Support',
      address: newAddress(),
      imapHost: '93.184.216.34',
      smtpHost: '2606:4700:4700::1111',
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    for (const body of [{ imapHost: '169.254.169.254' }, { smtpHost: 'localhost' }]) {
      expect((await t.send(strict, 'PATCH', `/mailboxes/${id}`, body)).statusCode).toBe(422);
    }
    expect((await mailboxRow(id)).imapHost).toBe('93.184.216.34');
  });

  it('accepts them when the operator allows private hosts', async () => {
    const t = await tenant('Local');
    const created = await t.send(open, 'POST', '/mailboxes', {
      name: 'Local',
      address: newAddress(),
      imapHost: '127.0.0.1',
    });
    expect(created.statusCode, created.body).toBe(201);
  });
});

/** A TCP server on 127.0.0.1 that counts connections and treats each with `onConnection`. */
async function tcpServer(onConnection: (socket: Socket) => void) {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    connections: () => connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs the mailbox reader (as the ingest worker does) until `until` holds for the mailbox row. */
async function readUntil(mailbox: Pick<Mailbox, 'id'>, policy: HostPolicy, until: (row: Mailbox) => boolean) {
  const controller = new AbortController();
  const run = readMailbox(
    { db: h.db, pipeline: h.pipeline, maxEmailBytes: 1024 * 1024, hostPolicy: policy },
    mailbox.id,
    {
      signal: controller.signal,
      reconnect: { initialMs: 50, maxMs: 200 },
      connectionTimeoutMs: 1_000,
      pollIntervalMs: 1_000,
    },
  );
  try {
    return await eventually(async () => {
      const row = await mailboxRow(mailbox.id);
      expect(until(row), JSON.stringify({ lastError: row.lastError, verifiedAt: row.verifiedAt })).toBe(true);
      return row;
    }, 30_000);
  } finally {
    controller.abort();
    await run;
  }
}

async function insertMailbox(organizationId: string, values: Partial<Mailbox>) {
  const [row] = await h.db.adminDb
    .insert(mailboxes)
    .values({
      organizationId,
      name: 'Support',
      address: newAddress(),
      imapSecure: false,
      imapPassword: 'pw',
      ...values,
    })
    .returning();
  return row!;
}

describe('the mailbox reader', () => {
  it('checks the host again when it connects (DNS may have changed), and then never connects', async () => {
    const f = await createOrganizationFixture(h.db, 'Rebound');
    const server = await tcpServer((socket) => socket.write('* OK IMAP ready\r\n'));
    try {
      // Saved while the name looked public; now it resolves to the server itself.
      const mailbox = await insertMailbox(f.org.id, { imapHost: 'localhost', imapPort: server.port });
      const row = await readUntil(mailbox, { allowPrivate: false }, (r) => r.lastError !== null);
      expect(row.lastError).toMatch(/^localhost is not a host on the public internet/);
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('shows the tenant the same error for a closed port, a port of another service and a silent one', async () => {
    const f = await createOrganizationFixture(h.db, 'Scanner');
    const http = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const ssh = await tcpServer((socket) => socket.write('SSH-2.0-OpenSSH_9.2\r\n'));
    const silent = await tcpServer(() => undefined);
    const closed = await tcpServer(() => undefined);
    const closedPort = closed.port;
    await closed.close();
    try {
      const shown: string[] = [];
      for (const port of [closedPort, http.port, ssh.port, silent.port]) {
        const mailbox = await insertMailbox(f.org.id, { imapHost: '127.0.0.1', imapPort: port });
        const row = await readUntil(mailbox, { allowPrivate: true }, (r) => r.lastError !== null);
        shown.push(row.lastError!.replace(String(port), '<port>'));
      }
      expect(new Set(shown)).toEqual(new Set(['could not connect to an IMAP server at 127.0.0.1:<port>']));
    } finally {
      await Promise.all([http.close(), ssh.close(), silent.close()]);
    }
  });

  it('verifies an address by logging in as it on a server of its domain, not elsewhere', async () => {
    const f = await createOrganizationFixture(h.db, 'Login');
    const ownDomain = await h.createMailbox(f.org.id, {
      verified: false,
      address: newAddress('localhost'),
      host: 'localhost',
    });
    const otherHost = await h.createMailbox(f.org.id, { verified: false });
    expect(
      (await readUntil(ownDomain, { allowPrivate: true }, (r) => r.verifiedAt !== null)).lastError,
    ).toBeNull();
    await readUntil(otherHost, { allowPrivate: true }, (r) => r.uidValidity !== null);
    // The reader has stopped: whatever it did after logging in is done.
    expect((await mailboxRow(otherHost.id)).verifiedAt).toBeNull();
  });
});

describe('mailbox addresses', () => {
  /** Asks for the verification email and returns the token of its link. */
  async function verificationToken(
    t: Awaited<ReturnType<typeof tenant>>,
    mailboxId: string,
    address: string,
  ) {
    const seen = h.tickets.sink.messages.length;
    const asked = await t.send(open, 'POST', `/mailboxes/${mailboxId}/verification`);
    expect(asked.statusCode, asked.body).toBe(202);
    expect(asked.json().sentTo).toBe(address);
    const mail = await h.tickets.sink.waitFor((m) => m.seq > seen && m.envelope.to.includes(address), 30_000);
    const token = /mailbox-verification\?token=(idm_[\w-]{43})/.exec(mail.text ?? '')?.[1];
    expect(token, mail.text).toBeDefined();
    return token!;
  }
  const click = (token: string) => open.inject(`/mailbox-verification?token=${token}`);

  it('an address another organisation verified stays theirs: a claim gets none of its mail', async () => {
    const owner = await createOrganizationFixture(h.db, 'Owner');
    const theirs = await h.createMailbox(owner.org.id);
    const squatter = await tenant('Squatter');
    const claim = await squatter.send(open, 'POST', '/mailboxes', { name: 'Mine', address: theirs.address });
    expect(claim.statusCode, claim.body).toBe(201);
    expect(claim.json().verifiedAt).toBeNull();

    expect((await inbound(theirs.address, 'For the owner')).statusCode).toBe(202);
    await eventually(async () =>
      expect((await ticketsOf(h.db, owner.org.id)).map((t) => t.title)).toEqual(['For the owner']),
    );
    expect(await ticketsOf(h.db, squatter.org.id)).toEqual([]);

    // Even the verification email (reaching the real owner's mailbox) cannot take it over.
    const token = await verificationToken(squatter, claim.json().id, theirs.address);
    const taken = await click(token);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.code).toBe('address_taken');
    expect((await mailboxRow(claim.json().id)).verifiedAt).toBeNull();
  });

  it('an unverified address routes nothing until its emailed link is opened, once', async () => {
    const t = await tenant('Claimer');
    const address = newAddress();
    const created = await t.send(open, 'POST', '/mailboxes', { name: 'Support', address });
    const { id } = created.json();
    const refused = await inbound(address, 'Too early');
    expect(refused.statusCode).toBe(422);
    expect(await ticketsOf(h.db, t.org.id)).toEqual([]);

    const token = await verificationToken(t, id, address);
    const verified = await click(token);
    expect(verified.statusCode, verified.body).toBe(200);
    expect(verified.json()).toEqual({ address, verified: true });
    expect((await t.send(open, 'GET', `/mailboxes/${id}`)).json().verifiedAt).not.toBeNull();
    expect((await click(token)).statusCode).toBe(404);
    expect((await t.send(open, 'POST', `/mailboxes/${id}/verification`)).statusCode).toBe(409);

    expect((await inbound(address, 'Now routed')).statusCode).toBe(202);
    await eventually(async () =>
      expect((await ticketsOf(h.db, t.org.id)).map((x) => x.title)).toEqual(['Now routed']),
    );

    // A new address is a new claim.
    const moved = newAddress();
    const patched = await t.send(open, 'PATCH', `/mailboxes/${id}`, { address: moved });
    expect(patched.json().verifiedAt).toBeNull();
    expect((await inbound(moved, 'Moved')).statusCode).toBe(422);
  });

  it('refuses an expired link, a replaced one, and another organisation’s mailbox', async () => {
    const t = await tenant('Slow');
    const address = newAddress();
    const { id } = (await t.send(open, 'POST', '/mailboxes', { name: 'Support', address })).json();
    const first = await verificationToken(t, id, address);
    const second = await verificationToken(t, id, address);
    expect((await click(first)).statusCode).toBe(404);
    await h.db.adminDb
      .update(mailboxes)
      .set({ verificationSentAt: new Date(Date.now() - 25 * 3_600_000) })
      .where(eq(mailboxes.id, id));
    const expired = await click(second);
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.code).toBe('verification_expired');
    expect((await click('idm_forged')).statusCode).toBe(404);
    expect((await open.inject('/mailbox-verification')).statusCode).toBe(400);

    const other = await tenant('Other');
    expect((await other.send(open, 'POST', `/mailboxes/${id}/verification`)).statusCode).toBe(404);
  });
});
