import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import { cannedResponseText } from '../../db/queries/canned-responses.js';
import { personAsKnownBy } from '../../db/queries/members.js';
import { findMessage, findTicketWithPeople } from '../../db/queries/ticket-detail.js';
import type { Attachment } from '../../db/schema/index.js';
import { sanitizeFilename } from '../../ingest/parse.js';
import type { Storage } from '../../storage/storage.js';
import type { ApiDeps } from '../deps.js';
import { invalidInput, unprocessable } from '../errors.js';
import { fillPlaceholders } from '../placeholders.js';
import { IdempotencyHeaders, requireOpen } from '../route-helpers.js';
import { authErrors, errors, IdParams, Uuid } from '../schemas/common.js';
import { MessageView, messageView } from '../schemas/tickets.js';

const MAX_ATTACHMENTS = 10;
// Attachments travel base64-encoded in the JSON body (a third larger than the files).
const MAX_BODY_BYTES = 30 * 1024 * 1024;

const NewAttachment = Type.Object(
  {
    filename: Type.String({ minLength: 1, maxLength: 255 }),
    mimeType: Type.String({ pattern: '^[\\w.+-]+/[\\w.+-]+$', maxLength: 127 }),
    contentBase64: Type.String({ minLength: 1, contentEncoding: 'base64' }),
  },
  { additionalProperties: false },
);

const ReplyBody = Type.Object(
  {
    content: Type.Optional(Type.String({ minLength: 1, maxLength: 50_000 })),
    cannedResponseId: Type.Optional(Uuid),
    shortcut: Type.Optional(Type.String({ pattern: '^/[\\w-]+$', maxLength: 50, examples: ['/greeting'] })),
    internal: Type.Optional(
      Type.Boolean({ default: false, description: 'An internal note instead of a reply' }),
    ),
    attachments: Type.Optional(Type.Array(NewAttachment, { maxItems: MAX_ATTACHMENTS })),
  },
  {
    additionalProperties: false,
    description:
      'Exactly one of content, cannedResponseId or shortcut. A canned response has {{customer.name}}, ' +
      '{{ticket.number}} and {{agent.name}} filled in.',
  },
);

/** The canned response the reply names, by id or shortcut; undefined when it names none. */
async function cannedContent(
  tx: Tx,
  organizationId: string,
  body: Pick<Static<typeof ReplyBody>, 'cannedResponseId' | 'shortcut'>,
): Promise<string | undefined> {
  if (!body.cannedResponseId && !body.shortcut) return undefined;
  const content = await cannedResponseText(tx, organizationId, {
    id: body.cannedResponseId,
    shortcut: body.shortcut,
  });
  if (content === undefined) throw unprocessable('no such canned response');
  return content;
}

/** Stores uploaded files under the organisation's scope; the message keeps their storage keys. */
async function storeAttachments(
  storage: Storage,
  organizationId: string,
  uploads: { filename: string; mimeType: string; contentBase64: string }[],
): Promise<Attachment[]> {
  return Promise.all(
    uploads.map(async (upload, index) => {
      const stored = await storage.put(organizationId, Buffer.from(upload.contentBase64, 'base64'));
      const id = randomUUID();
      return {
        id,
        filename: sanitizeFilename(upload.filename, index + 1),
        url: `/attachments/${id}`,
        mimeType: upload.mimeType.toLowerCase(),
        size: stored.size,
        storageKey: stored.key,
      };
    }),
  );
}

export const messageRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { tickets, storage }) => {
  app.post(
    '/tickets/:id/messages',
    {
      bodyLimit: MAX_BODY_BYTES,
      schema: {
        tags: ['tickets'],
        summary: 'Reply to the customer (emailed, threaded) or add an internal note',
        description:
          'With an Idempotency-Key header, a retried request adds and sends nothing twice and answers with ' +
          'the first message.',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: ReplyBody,
        response: { 201: MessageView, ...errors(...authErrors, 404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const { organizationId, userId } = request.principal;
      const body = request.body;
      const sources = [body.content, body.cannedResponseId, body.shortcut].filter((s) => s !== undefined);
      if (sources.length !== 1) {
        throw invalidInput([
          { field: 'body', message: 'needs exactly one of content, cannedResponseId or shortcut' },
        ]);
      }
      const content = await request.inTenant(async (tx) => {
        const ticket = requireOpen(await findTicketWithPeople(tx, organizationId, id));
        const template = await cannedContent(tx, organizationId, body);
        if (template === undefined) return body.content!;
        const agent = await personAsKnownBy(tx, organizationId, userId);
        return fillPlaceholders(template, {
          customer: { name: ticket.customer.name },
          ticket: { number: ticket.ticketNumber },
          agent: { name: agent!.name },
        });
      });
      const attachments = await storeAttachments(storage, organizationId, body.attachments ?? []);
      // Keys are per agent, so two agents' clients that happen to pick the same key do not collide.
      const key = request.headers['idempotency-key'];
      const result = await tickets.agentReply(
        id,
        { authorId: userId, content, internal: body.internal ?? false, attachments },
        key ? `${userId}:${key}` : undefined,
      );
      const message = await request.inTenant((tx) => findMessage(tx, organizationId, id, result.messageId));
      reply.header('location', `/tickets/${id}`);
      return reply.code(201).send(messageView(message!));
    },
  );
};
