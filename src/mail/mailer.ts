import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';

export interface OutgoingMail {
  from: string;
  /** Shown beside `from` (a mailbox's display name). */
  fromName?: string | null;
  to: string[];
  cc?: string[];
  replyTo?: string | null;
  subject: string;
  text: string;
  /** Our own Message-ID (without angle brackets), fixed before the first attempt. */
  messageId: string;
  inReplyTo?: string | null;
  references?: string[];
  headers?: Record<string, string>;
  attachments?: { filename: string; contentType: string; content: Buffer | Readable }[];
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** A permanent refusal (5xx): retrying the same message cannot succeed. */
export class PermanentMailError extends Error {
  override name = 'PermanentMailError';
}

const bracket = (id: string) => `<${id}>`;

function toNodemailer(mail: OutgoingMail): Mail.Options {
  return {
    from: mail.fromName ? { name: mail.fromName, address: mail.from } : mail.from,
    to: mail.to,
    cc: mail.cc?.length ? mail.cc : undefined,
    replyTo: mail.replyTo ?? undefined,
    subject: mail.subject,
    text: mail.text,
    messageId: bracket(mail.messageId),
    inReplyTo: mail.inReplyTo ? bracket(mail.inReplyTo) : undefined,
    references: mail.references?.length ? mail.references.map(bracket) : undefined,
    headers: mail.headers,
    attachments: mail.attachments,
  };
}

export function createSmtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    async send(mail) {
      try {
        await transport.sendMail(toNodemailer(mail));
      } catch (error) {
        const code = (error as { responseCode?: number }).responseCode;
        if (code !== undefined && code >= 500) throw new PermanentMailError(String((error as Error).message));
        throw error;
      }
    },
    close: () => transport.close(),
  };
}

/** Without SMTP settings, mail is written as .eml files (one per Message-ID) for people to read. */
export function createFileMailer(dir: string): Mailer {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(mail) {
      const { message } = await transport.sendMail(toNodemailer(mail));
      await mkdir(dir, { recursive: true });
      const name = mail.messageId.replace(/[^\w.@-]/g, '_');
      await writeFile(join(dir, `${name}.eml`), message as Buffer);
    },
    close: () => transport.close(),
  };
}
