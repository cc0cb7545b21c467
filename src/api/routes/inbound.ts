import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { DatabaseHandle } from '../../db/client.js';
import { routingMailbox } from '../../db/queries/mailboxes.js';
import type { IngestPipeline } from '../../ingest/pipeline.js';
import { unauthenticated, unprocessable } from '../errors.js';

export interface InboundOptions {
  /** Shared secret of the mail provider's webhook (`Authorization: Bearer <secret>`). */
  secret: string;
  pipeline: Pick<IngestPipeline, 'ingest'>;
  maxBytes: number;
}

const RAW_TYPES = ['message/rfc822', 'text/plain', 'application/octet-stream'];

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The addresses a raw message was sent to, read from its header block (the pipeline parses it fully). */
function recipients(raw: Buffer): string[] {
  const end = raw.indexOf('\r\n\r\n') >= 0 ? raw.indexOf('\r\n\r\n') : raw.indexOf('\n\n');
  const head = raw
    .subarray(0, end >= 0 ? end : raw.length)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const values = head
    .split(/\r?\n/)
    .filter((line) => /^(to|cc|delivered-to|x-original-to):/i.test(line))
    .map((line) => line.slice(line.indexOf(':') + 1));
  return [
    ...new Set(
      values.flatMap((v) => [...v.matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g)].map((m) => m[0].toLowerCase())),
    ),
  ];
}

/**
 * `POST /inbound`: a raw RFC 822 message from a provider that forwards mail by webhook, through the same
 * pipeline as IMAP. Routed to the verified mailbox whose address it was sent to.
 */
export const inboundRoutes: FastifyPluginAsyncTypebox<{
  db: DatabaseHandle;
  inbound: InboundOptions;
}> = async (app, { db, inbound }) => {
  for (const type of RAW_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: inbound.maxBytes }, (_req, body, done) =>
      done(null, body),
    );
  }
  app.post(
    '/inbound',
    {
      schema: {
        tags: ['inbound'],
        summary: 'Ingest a raw email (webhook of a mail provider)',
        security: [{ inboundSecret: [] }],
        response: {
          202: Type.Object({
            outcome: Type.String(),
            ticketId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          }),
        },
      },
      onRequest: async (request, reply) => {
        const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!sameSecret(given, inbound.secret)) {
          reply.header('www-authenticate', 'Bearer');
          throw unauthenticated('the inbound secret is missing or wrong');
        }
      },
    },
    async (request, reply) => {
      const raw = request.body;
      if (!Buffer.isBuffer(raw) || raw.length === 0) {
        throw unprocessable(`send the raw message as ${RAW_TYPES.join(', ')}`);
      }
      const addresses = recipients(raw);
      // Only a verified address routes: an organisation's unproven claim receives nothing.
      const mailbox = await routingMailbox(db.adminDb, addresses);
      if (!mailbox) throw unprocessable('no mailbox of this installation is among the recipients');
      const result = await inbound.pipeline.ingest(raw, { mailboxId: mailbox.id });
      reply.code(202);
      return { outcome: result.outcome, ticketId: 'ticketId' in result ? result.ticketId : undefined };
    },
  );
};
