import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DovecotServer, startDovecot } from '../support/dovecot.js';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.js';

const USER = 'support@acme.test';
const PASSWORD = 'correct horse battery';

function rawMessage(n: number, body: string): string {
  return [
    'From: Customer <customer@example.test>',
    `To: ${USER}`,
    `Subject: Test message ${n}`,
    `Message-ID: <msg-${n}@example.test>`,
    'Date: Tue, 01 Apr 2025 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Dovecot test server', () => {
  let dovecot: DovecotServer;
  const clients: ImapFlow[] = [];

  const connect = async (): Promise<ImapFlow> => {
    const client = new ImapFlow({ ...dovecot.clientOptions(USER, PASSWORD), disableAutoIdle: true });
    // A dropped connection (restart test) emits 'error'; keep it from failing the run as unhandled.
    client.on('error', () => undefined);
    clients.push(client);
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    const started = Date.now();
    dovecot = await startDovecot();
    console.info(`dovecot started on ${dovecot.host}:${dovecot.port} in ${Date.now() - started}ms`);
    await dovecot.addUser(USER, PASSWORD);
    await dovecot.append(USER, PASSWORD, rawMessage(1, 'First body line.'));
    await dovecot.append(USER, PASSWORD, Buffer.from(rawMessage(2, 'Second body, with ünïcödé.')));
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) {
      if (client.usable) await client.logout().catch(() => client.close());
      else client.close();
    }
  });

  afterAll(async () => {
    await dovecot?.stop();
  });

  it('rejects a wrong password', async () => {
    const client = new ImapFlow({ ...dovecot.clientOptions(USER, 'wrong'), disableAutoIdle: true });
    client.on('error', () => undefined);
    await expect(client.connect()).rejects.toMatchObject({ authenticationFailed: true });
    client.close();
  });

  it('serves appended messages with UIDVALIDITY and bodies', async () => {
    const client = await connect();
    const mailbox = await client.mailboxOpen('INBOX');
    expect(mailbox.uidValidity).toBeGreaterThan(0n);
    expect(mailbox.exists).toBe(2);

    const messages = await client.fetchAll('1:*', { uid: true, envelope: true, source: true });
    expect(messages.map((m) => m.uid)).toEqual([1, 2]);
    expect(messages.map((m) => m.envelope?.messageId)).toEqual([
      '<msg-1@example.test>',
      '<msg-2@example.test>',
    ]);
    expect(messages[0]?.source?.toString('utf8')).toContain('First body line.');
    expect(messages[1]?.source?.toString('utf8')).toContain('Second body, with ünïcödé.');
  });

  it('appends to other folders, creating them', async () => {
    await dovecot.append(USER, PASSWORD, rawMessage(99, 'Archived.'), 'Archive');
    const client = await connect();
    const status = await client.status('Archive', { messages: true });
    expect(status).toMatchObject({ messages: 1 });
  });

  it('pushes EXISTS to an idling client', async () => {
    const client = await connect();
    await client.mailboxOpen('INBOX');
    const existsEvent = new Promise<{ count: number; prevCount: number }>((resolve) => {
      client.on('exists', (data) => resolve(data));
    });
    const idling = client.idle();
    await until(() => client.idling, 5_000, 'the client to enter IDLE');

    const appendedAt = Date.now();
    await dovecot.append(USER, PASSWORD, rawMessage(3, 'Third body.'));
    const event = await Promise.race([
      existsEvent,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no EXISTS within 5s')), 5_000)),
    ]);
    expect(event).toMatchObject({ count: 3, prevCount: 2 });
    console.info(`EXISTS pushed ${Date.now() - appendedAt}ms after APPEND`);

    const [third] = await client.fetchAll('3', { uid: true, source: true });
    expect(third?.source?.toString('utf8')).toContain('Third body.');
    await idling;
  });

  it('keeps mail across a restart and accepts fresh connections', async () => {
    const before = await connect();
    const { uidValidity } = await before.mailboxOpen('INBOX');
    const closed = new Promise<void>((resolve) => before.once('close', () => resolve()));

    const started = Date.now();
    await dovecot.restart();
    console.info(`dovecot restarted in ${Date.now() - started}ms`);
    await closed;
    expect(before.usable).toBe(false);

    const after = await connect();
    const mailbox = await after.mailboxOpen('INBOX');
    expect(mailbox.uidValidity).toBe(uidValidity);
    expect(mailbox.exists).toBe(3);
  });
});

describe('SMTP sink', () => {
  let sink: SmtpSink;
  const transport = () =>
    createTransport({
      host: sink.host,
      port: sink.port,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 5_000,
    });

  beforeAll(async () => {
    sink = await startSmtpSink();
  });

  afterEach(() => {
    sink.clear();
  });

  afterAll(async () => {
    await sink?.stop();
  });

  it('captures envelope, threading headers, bodies and attachments', async () => {
    const mailer = transport();
    const info = await mailer.sendMail({
      envelope: { from: 'bounces@insightdesk.test', to: ['customer@example.test', 'cc@example.test'] },
      from: 'Acme Support <support@acme.test>',
      to: 'customer@example.test',
      subject: 'Re: Printer on fire [#42]',
      messageId: '<reply-42-1@insightdesk.test>',
      inReplyTo: '<original@example.test>',
      references: ['<root@example.test>', '<original@example.test>'],
      headers: { 'X-InsightDesk-Ticket': '42' },
      text: 'Have you tried turning it off?',
      html: '<p>Have you tried <b>turning it off</b>?</p>',
      attachments: [{ filename: 'steps.txt', content: 'step 1: unplug', contentType: 'text/plain' }],
    });
    mailer.close();
    expect(info.response).toMatch(/^250 /);

    const mail = await sink.waitFor((m) => m.messageId === '<reply-42-1@insightdesk.test>', 5_000);
    expect(mail.envelope).toEqual({
      from: 'bounces@insightdesk.test',
      to: ['customer@example.test', 'cc@example.test'],
    });
    expect(mail.subject).toBe('Re: Printer on fire [#42]');
    expect(mail.inReplyTo).toBe('<original@example.test>');
    expect(mail.references).toEqual(['<root@example.test>', '<original@example.test>']);
    expect(mail.headers.get('x-insightdesk-ticket')).toBe('42');
    expect(mail.text?.trim()).toBe('Have you tried turning it off?');
    expect(mail.html).toContain('<b>turning it off</b>');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]?.filename).toBe('steps.txt');
    expect(mail.attachments[0]?.content.toString('utf8')).toBe('step 1: unplug');
    expect(mail.raw.toString('utf8')).toContain('Message-ID: <reply-42-1@insightdesk.test>');
    expect(sink.messages).toHaveLength(1);
  });

  it('waitFor resolves for a message that arrives later and times out otherwise', async () => {
    const waiting = sink.waitFor((m) => m.subject === 'later', 5_000);
    const mailer = transport();
    await mailer.sendMail({ from: 'a@example.test', to: 'b@example.test', subject: 'later', text: 'x' });
    mailer.close();
    await expect(waiting).resolves.toMatchObject({ subject: 'later' });
    await expect(sink.waitFor((m) => m.subject === 'never', 100)).rejects.toThrow(/no matching message/);
  });

  it('failNext(1) fails one transaction with a 4xx, then accepts', async () => {
    sink.failNext(1);
    const mailer = transport();
    const message = { from: 'a@example.test', to: 'b@example.test', subject: 'retry me', text: 'x' };

    await expect(mailer.sendMail(message)).rejects.toMatchObject({ responseCode: 451 });
    expect(sink.messages).toHaveLength(0);
    expect(sink.rejected).toEqual([
      expect.objectContaining({
        code: 451,
        stage: 'data',
        envelope: { from: 'a@example.test', to: ['b@example.test'] },
      }),
    ]);

    const info = await mailer.sendMail(message);
    mailer.close();
    expect(info.accepted).toEqual(['b@example.test']);
    expect(sink.messages.map((m) => m.subject)).toEqual(['retry me']);
  });

  it('can fail at MAIL FROM or RCPT TO with a permanent code', async () => {
    sink.failNext(1, 550, 'mail');
    sink.failNext(1, 554, 'rcpt');
    const mailer = transport();
    const message = { from: 'a@example.test', to: 'b@example.test', subject: 'stages', text: 'x' };
    await expect(mailer.sendMail(message)).rejects.toMatchObject({ responseCode: 550 });
    await expect(mailer.sendMail(message)).rejects.toMatchObject({ responseCode: 554 });
    await mailer.sendMail(message);
    mailer.close();
    expect(sink.rejected.map((r) => [r.stage, r.code])).toEqual([
      ['mail', 550],
      ['rcpt', 554],
    ]);
    expect(sink.messages).toHaveLength(1);
  });
});
