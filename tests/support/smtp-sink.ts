import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type Attachment, type Headers, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message accepted by the sink (250 after DATA). */
export interface CapturedMail {
  /** 1-based order of acceptance. */
  seq: number;
  envelope: {
    /** MAIL FROM address ('' for the null sender <>). */
    from: string;
    /** RCPT TO addresses. */
    to: string[];
  };
  /** The message exactly as received (dot-unstuffed DATA). */
  raw: Buffer;
  parsed: ParsedMail;
  subject: string | undefined;
  messageId: string | undefined;
  inReplyTo: string | undefined;
  /** References header as a list (mailparser gives a string for a single id). */
  references: string[];
  headers: Headers;
  text: string | undefined;
  html: string | undefined;
  attachments: Attachment[];
  /** AUTH user name if the client authenticated (any credentials are accepted). */
  authUser: string | undefined;
  receivedAt: Date;
}

/** A transaction the sink refused because of failNext(). */
export interface RejectedTransaction {
  stage: FailStage;
  code: number;
  envelope: { from: string; to: string[] };
  at: Date;
}

/** Where an injected failure is answered: at MAIL FROM, at RCPT TO, or after the DATA has been received. */
export type FailStage = 'mail' | 'rcpt' | 'data';

export interface SmtpSink {
  host: string;
  port: number;
  /** Accepted messages, in order. */
  messages: CapturedMail[];
  /** Transactions refused by failNext(), in order. */
  rejected: RejectedTransaction[];
  /**
   * Resolves with the first captured message (already received or arriving later) matching `predicate`;
   * rejects after `timeoutMs`.
   */
  waitFor(predicate?: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** Makes the next `n` transactions fail with `code` (4xx = temporary, 5xx = permanent). */
  failNext(n: number, code?: number, stage?: FailStage): void;
  /** Forgets captured and rejected messages and pending failures. */
  clear(): void;
  stop(): Promise<void>;
}

export interface SmtpSinkOptions {
  /** Port to listen on; 0 (default) lets the OS pick a free one. */
  port?: number;
  /** Maximum message size advertised and enforced (bytes); unlimited by default. */
  size?: number;
}

const HOST = '127.0.0.1';

function envelopeOf(session: SMTPServerSession): { from: string; to: string[] } {
  const { mailFrom, rcptTo } = session.envelope;
  return { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((r) => r.address) };
}

function smtpError(message: string, code: number): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function normaliseReferences(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : value.split(/\s+/).filter(Boolean);
}

/**
 * Starts a capturing SMTP server on 127.0.0.1 (plaintext, no STARTTLS, AUTH optional and any
 * credentials accepted). Every accepted message is parsed with mailparser and kept in `messages`.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: CapturedMail[] = [];
  const rejected: RejectedTransaction[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  let pendingFailures: { code: number; stage: FailStage }[] = [];
  let seq = 0;

  // A failure armed by failNext() belongs to the next transaction: it is claimed at MAIL FROM and
  // answered at its stage. Claims are tracked per session so concurrent connections don't share one.
  interface Claim {
    code: number;
    stage: FailStage;
    from: string;
    to: string[];
  }
  const claims = new WeakMap<SMTPServerSession, Claim>();

  const refuse = (claim: Claim, record = true): Error => {
    if (record) {
      // `to` is the claim's own array: recipients refused later in the transaction show up here too.
      rejected.push({
        stage: claim.stage,
        code: claim.code,
        envelope: { from: claim.from, to: claim.to },
        at: new Date(),
      });
    }
    const kind = claim.code >= 500 ? 'Permanent' : 'Temporary';
    return smtpError(`${kind} failure injected by test SMTP sink`, claim.code);
  };

  const server = new SMTPServer({
    name: 'smtp-sink.test',
    banner: 'InsightDesk test SMTP sink',
    secure: false,
    disabledCommands: ['STARTTLS'],
    hideSTARTTLS: true,
    authOptional: true,
    allowInsecureAuth: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1_000,
    ...(options.size ? { size: options.size } : {}),
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' });
    },
    onMailFrom(address, session, callback) {
      const failure = pendingFailures.shift();
      if (!failure) {
        claims.delete(session);
        callback();
        return;
      }
      const claim: Claim = { ...failure, from: address.address, to: [] };
      claims.set(session, claim);
      if (claim.stage === 'mail') {
        claims.delete(session);
        callback(refuse(claim));
        return;
      }
      callback();
    },
    onRcptTo(address, session, callback) {
      const claim = claims.get(session);
      if (claim?.stage !== 'rcpt') {
        callback();
        return;
      }
      // Refuse every recipient of the transaction, so the whole transaction fails; record it once.
      claim.to.push(address.address);
      callback(refuse(claim, claim.to.length === 1));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error: Error) => callback(error));
      stream.on('end', () => {
        const claim = claims.get(session);
        if (claim?.stage === 'data') {
          claims.delete(session);
          claim.to = envelopeOf(session).to;
          callback(refuse(claim));
          return;
        }
        if (stream.sizeExceeded) {
          callback(smtpError('Message exceeds the maximum size', 552));
          return;
        }
        const raw = Buffer.concat(chunks);
        const envelope = envelopeOf(session);
        simpleParser(raw)
          .then((parsed) => {
            seq += 1;
            const mail: CapturedMail = {
              seq,
              envelope,
              raw,
              parsed,
              subject: parsed.subject,
              messageId: parsed.messageId,
              inReplyTo: parsed.inReplyTo,
              references: normaliseReferences(parsed.references),
              headers: parsed.headers,
              text: parsed.text,
              html: parsed.html === false ? undefined : parsed.html,
              attachments: parsed.attachments,
              authUser: typeof session.user === 'string' ? session.user : undefined,
              receivedAt: new Date(),
            };
            messages.push(mail);
            events.emit('message', mail);
            callback(null, `Message queued as sink-${seq}`);
          })
          .catch((error: unknown) => {
            callback(smtpError(`Could not parse message: ${String(error)}`, 554));
          });
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port ?? 0, HOST, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Keep later socket errors (client resets) from becoming unhandled 'error' events.
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;

  let stopped = false;

  return {
    host: HOST,
    port,
    messages,
    rejected,
    waitFor(predicate = () => true, timeoutMs = 5_000) {
      const existing = messages.find(predicate);
      if (existing) return Promise.resolve(existing);
      return new Promise<CapturedMail>((resolve, reject) => {
        const onMessage = (mail: CapturedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          events.off('message', onMessage);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          events.off('message', onMessage);
          const seen = messages.map((m) => JSON.stringify(m.subject ?? '(no subject)')).join(', ');
          reject(
            new Error(
              `SMTP sink: no matching message within ${timeoutMs}ms (captured ${messages.length}: ${seen || 'none'})`,
            ),
          );
        }, timeoutMs);
        events.on('message', onMessage);
      });
    },
    failNext(n, code = 451, stage = 'data') {
      if (!Number.isInteger(n) || n < 0)
        throw new Error(`failNext: n must be a non-negative integer, got ${n}`);
      if (code < 400 || code > 599) throw new Error(`failNext: code must be 4xx or 5xx, got ${code}`);
      for (let i = 0; i < n; i++) pendingFailures.push({ code, stage });
    },
    clear() {
      messages.length = 0;
      rejected.length = 0;
      pendingFailures = [];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
