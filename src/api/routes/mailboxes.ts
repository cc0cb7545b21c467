import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../db/queries/audit-logs.js';
import {
  deleteMailbox,
  findMailbox,
  insertMailbox,
  listMailboxes,
  lockMailbox,
  mailboxDirectory,
  updateMailbox,
} from '../../db/queries/mailboxes.js';
import { requirePlanRoom } from '../../db/queries/subscriptions.js';
import type { Mailbox } from '../../db/schema/index.js';
import type { HostPolicy } from '../../net/host-policy.js';
import type { ApiDeps } from '../deps.js';
import { conflictOnDuplicate, notFound } from '../errors.js';
import { refuseHiddenHost } from '../outbound-urls.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const Host = Type.String({ minLength: 1, maxLength: 255 });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
const Login = Type.String({ minLength: 1, maxLength: 320 });
const Secret = Type.String({ minLength: 1, maxLength: 1000, writeOnly: true, description: 'Write-only' });

const MailboxView = Type.Object({
  id: Uuid,
  name: Type.String(),
  address: Type.String(),
  displayName: Nullable(Type.String()),
  signature: Nullable(Type.String()),
  imapHost: Nullable(Type.String()),
  imapPort: Nullable(Type.Integer()),
  imapSecure: Type.Boolean(),
  imapUser: Nullable(Type.String()),
  imapFolder: Type.String(),
  hasImapPassword: Type.Boolean(),
  smtpHost: Nullable(Type.String()),
  smtpPort: Nullable(Type.Integer()),
  smtpSecure: Nullable(Type.Boolean()),
  smtpUser: Nullable(Type.String()),
  hasSmtpPassword: Type.Boolean(),
  isActive: Type.Boolean(),
  lastError: Nullable(Type.String()),
  lastSyncedAt: Nullable(Timestamp),
  /** Null: the address is only claimed; mail to it is not routed here (POST /mailboxes/{id}/verification). */
  verifiedAt: Nullable(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const settings = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  address: Type.String({ format: 'email', maxLength: 320 }),
  displayName: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[^\\p{Cc}]+$',
      description:
        'Shown beside the address in mail from this mailbox, e.g. "Acme Support"; null: the bare address',
    }),
  ),
  signature: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description:
        'Plain text that ends replies, notices and surveys about its conversations ({{signature}})',
    }),
  ),
  imapHost: Nullable(Host),
  imapPort: Nullable(Port),
  imapSecure: Type.Boolean(),
  imapUser: Nullable(Login),
  imapPassword: Nullable(Secret),
  imapFolder: Type.String({ minLength: 1, maxLength: 255 }),
  smtpHost: Nullable(Host),
  smtpPort: Nullable(Port),
  smtpSecure: Nullable(Type.Boolean()),
  smtpUser: Nullable(Login),
  smtpPassword: Nullable(Secret),
  isActive: Type.Boolean(),
};
const { name, address, ...optional } = settings;
const CreateBody = Type.Object(
  { name, address, ...Type.Partial(Type.Object(optional)).properties },
  { additionalProperties: false },
);
const UpdateBody = Type.Partial(Type.Object(settings), { additionalProperties: false, minProperties: 1 });

/** Passwords are write-only: the view (and the audit log) says whether one is set, never what it is. */
function mailboxView({
  imapPassword,
  smtpPassword,
  verificationTokenHash: _secret,
  verificationSentAt: _sent,
  ...mailbox
}: Mailbox) {
  return { ...mailbox, hasImapPassword: imapPassword !== null, hasSmtpPassword: smtpPassword !== null };
}

/** Other organisations may claim the same address (only a verified one routes mail); one may not twice. */
const uniqueAddress = <T>(write: Promise<T>) =>
  conflictOnDuplicate(write, 'this organisation has a mailbox with this address already');

/** Both hosts the server would connect to for the tenant pass the outbound hosts' rule. */
async function refuseHiddenHosts(
  policy: HostPolicy,
  body: { imapHost?: string | null; smtpHost?: string | null },
) {
  for (const field of ['imapHost', 'smtpHost'] as const) {
    const host = body[field];
    if (host) await refuseHiddenHost(policy, host, field, `body.${field}`);
  }
}

export const mailboxRoutes: FastifyPluginAsyncTypebox<ApiDeps & { mailboxHosts: HostPolicy }> = async (
  app,
  { mailboxHosts },
) => {
  app.get(
    '/mailboxes',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'List support mailboxes',
        response: { 200: Type.Object({ data: Type.Array(MailboxView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const rows = await request.inTenant((tx) => listMailboxes(tx, request.principal.organizationId));
      return { data: rows.map(mailboxView) };
    },
  );

  app.get(
    '/mailboxes/directory',
    {
      schema: {
        tags: ['mailboxes'],
        summary: 'The organisation’s mailboxes by name, for any member (the inbox filters by them)',
        description:
          'Names and addresses only: hosts, logins and connection errors are the admins’ (GET /mailboxes).',
        response: {
          200: Type.Object({
            data: Type.Array(Type.Object({ id: Uuid, name: Type.String(), address: Type.String() })),
          }),
          ...errors(...authErrors),
        },
      },
    },
    async (request) => {
      const data = await request.inTenant((tx) => mailboxDirectory(tx, request.principal.organizationId));
      return { data };
    },
  );

  app.get(
    '/mailboxes/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'One mailbox',
        params: IdParams,
        response: { 200: MailboxView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const found = await request.inTenant((tx) =>
        findMailbox(tx, request.principal.organizationId, request.params.id),
      );
      if (!found) throw notFound('mailbox');
      return mailboxView(found);
    },
  );

  app.post(
    '/mailboxes',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Add a support mailbox (IMAP in, SMTP out)',
        description:
          'Each mailbox counts against the plan’s mailbox limit: 402 when it is reached. IMAP and SMTP hosts ' +
          'must be on the public internet (422 otherwise, unless the operator allows private hosts). The ' +
          'address is unverified until proven (see `POST /mailboxes/{id}/verification`).',
        body: CreateBody,
        response: { 201: MailboxView, ...errors(...authErrors, 402, 409, 422) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      await refuseHiddenHosts(mailboxHosts, request.body);
      const created = await uniqueAddress(
        request.inTenant(async (tx) => {
          await requirePlanRoom(tx, organizationId, 'mailboxes');
          const row = await insertMailbox(tx, {
            ...request.body,
            address: request.body.address.toLowerCase(),
            organizationId,
          });
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'mailbox.created',
            targetType: 'mailbox',
            targetId: row.id,
            after: mailboxView(row),
          });
          return row;
        }),
      );
      return reply.code(201).send(mailboxView(created));
    },
  );

  app.patch(
    '/mailboxes/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Change a mailbox (a null password clears it; a new address is unverified again)',
        params: IdParams,
        body: UpdateBody,
        response: { 200: MailboxView, ...errors(...authErrors, 404, 409, 422) },
      },
    },
    async (request) => {
      const { address, ...rest } = request.body;
      const { organizationId, userId } = request.principal;
      await refuseHiddenHosts(mailboxHosts, request.body);
      const updated = await uniqueAddress(
        request.inTenant(async (tx) => {
          const before = await lockMailbox(tx, organizationId, request.params.id);
          if (!before) return undefined;
          const newAddress =
            address && address.toLowerCase() !== before.address ? address.toLowerCase() : null;
          // A verification proves one address: another one is a new claim.
          const unverified = { verifiedAt: null, verificationTokenHash: null, verificationSentAt: null };
          const after = await updateMailbox(tx, organizationId, before.id, {
            ...rest,
            ...(newAddress ? { address: newAddress, ...unverified } : {}),
          });
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'mailbox.updated',
            targetType: 'mailbox',
            targetId: before.id,
            before: mailboxView(before),
            after: mailboxView(after!),
          });
          return after;
        }),
      );
      if (!updated) throw notFound('mailbox');
      return mailboxView(updated);
    },
  );

  app.delete(
    '/mailboxes/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'Delete a mailbox',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const deleted = await request.inTenant(async (tx) => {
        const row = await deleteMailbox(tx, organizationId, request.params.id);
        if (row) {
          await recordAudit(tx, {
            organizationId,
            actorId: userId,
            action: 'mailbox.deleted',
            targetType: 'mailbox',
            targetId: row.id,
            before: mailboxView(row),
          });
        }
        return row;
      });
      if (!deleted) throw notFound('mailbox');
      return reply.code(204).send(null);
    },
  );
};
