import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { recordAudit } from '../../db/queries/audit-logs.js';
import {
  deleteEmailTemplate,
  findEmailTemplate,
  listEmailTemplates,
  saveEmailTemplate,
} from '../../db/queries/email-templates.js';
import { mailSender } from '../../db/queries/mailboxes.js';
import { organizationName } from '../../db/queries/outbound-mail.js';
import type { EmailTemplate } from '../../db/schema/index.js';
import { EMAIL_TEMPLATE_KINDS, type EmailTemplateKind } from '../../domain/vocabulary.js';
import { DEFAULT_TEMPLATES, previewMail, type TemplateText, templateProblems } from '../../mail/templates.js';
import type { ApiDeps } from '../deps.js';
import { invalidInput, notFound } from '../errors.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, NoContent, Nullable, Timestamp } from '../schemas/common.js';

const Kind = Type.Enum(EMAIL_TEMPLATE_KINDS, { description: 'Which email' });
const KindParams = Type.Object({ kind: Kind });

const Subject = Type.String({ minLength: 1, maxLength: 500, description: 'Mustache; rendered to one line' });
const Body = Type.String({ minLength: 1, maxLength: 20_000, description: 'Mustache; plain text' });

const TemplateView = Type.Object({
  kind: Kind,
  subject: Type.String(),
  body: Type.String(),
  customized: Type.Boolean({ description: 'false: the default wording is sent' }),
  defaultSubject: Type.String(),
  defaultBody: Type.String(),
  placeholders: Type.Array(Type.Object({ name: Type.String(), description: Type.String() })),
  required: Type.Array(Type.String(), { description: 'Placeholders the body must use' }),
  updatedAt: Nullable(Timestamp),
});

const Rendered = Type.Object({
  subject: Type.String(),
  text: Type.String(),
});

function templateView(kind: EmailTemplateKind, own?: EmailTemplate | null) {
  const definition = DEFAULT_TEMPLATES[kind];
  return {
    kind,
    subject: own?.subject ?? definition.subject,
    body: own?.body ?? definition.body,
    customized: Boolean(own),
    defaultSubject: definition.subject,
    defaultBody: definition.body,
    placeholders: Object.entries(definition.placeholders).map(([name, description]) => ({
      name,
      description,
    })),
    required: definition.required,
    updatedAt: own?.updatedAt ?? null,
  };
}

/** A wording that renders (valid Mustache, only this email's placeholders, the required ones used). */
function checkedWording(kind: EmailTemplateKind, text: TemplateText): TemplateText {
  const problems = templateProblems(kind, text);
  if (problems.length) throw invalidInput(problems.map((p) => ({ ...p, field: `body.${p.field}` })));
  return text;
}

/**
 * The organisation's wording of its emails (acknowledgement, replies, notices, surveys, SLA mail, invitations,
 * agents' notifications): logic-less Mustache over documented placeholders, defaults when not changed.
 */
export const emailTemplateRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { defaultFrom }) => {
  app.get(
    '/email-templates',
    {
      config: adminOnly,
      schema: {
        tags: ['email-templates'],
        summary: "Every email's wording, placeholders and defaults",
        response: { 200: Type.Object({ data: Type.Array(TemplateView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const own = await request.inTenant((tx) => listEmailTemplates(tx, request.principal.organizationId));
      return {
        data: EMAIL_TEMPLATE_KINDS.map((kind) =>
          templateView(
            kind,
            own.find((t) => t.kind === kind),
          ),
        ),
      };
    },
  );

  app.get(
    '/email-templates/:kind',
    {
      config: adminOnly,
      schema: {
        tags: ['email-templates'],
        summary: "One email's wording, placeholders and default",
        params: KindParams,
        response: { 200: TemplateView, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { kind } = request.params;
      const own = await request.inTenant((tx) =>
        findEmailTemplate(tx, request.principal.organizationId, kind),
      );
      return templateView(kind, own);
    },
  );

  app.put(
    '/email-templates/:kind',
    {
      config: adminOnly,
      schema: {
        tags: ['email-templates'],
        summary: "Change an email's wording",
        description:
          'Both parts are Mustache over the placeholders GET lists (400 names an unknown one, a partial, a ' +
          'syntax error or a missing required placeholder). Values are inserted as plain text; the subject is ' +
          'rendered to one line. Takes effect for mail queued afterwards.',
        params: KindParams,
        body: Type.Object({ subject: Subject, body: Body }, { additionalProperties: false }),
        response: { 200: TemplateView, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { kind } = request.params;
      const { organizationId, userId } = request.principal;
      const text = checkedWording(kind, request.body);
      const saved = await request.inTenant(async (tx) => {
        const before = await findEmailTemplate(tx, organizationId, kind);
        const row = await saveEmailTemplate(tx, organizationId, kind, text, userId);
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'email_template.updated',
          targetType: 'email_template',
          targetId: row.id,
          before: before ? { subject: before.subject, body: before.body } : null,
          after: { subject: text.subject, body: text.body },
        });
        return row;
      });
      return templateView(kind, saved);
    },
  );

  app.delete(
    '/email-templates/:kind',
    {
      config: adminOnly,
      schema: {
        tags: ['email-templates'],
        summary: 'Go back to the default wording',
        params: KindParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const { kind } = request.params;
      const { organizationId, userId } = request.principal;
      await request.inTenant(async (tx) => {
        const before = await findEmailTemplate(tx, organizationId, kind);
        if (!before || !(await deleteEmailTemplate(tx, organizationId, kind)))
          throw notFound(`a ${kind} wording of this organisation`);
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'email_template.reset',
          targetType: 'email_template',
          targetId: before.id,
          before: { subject: before.subject, body: before.body },
          after: null,
        });
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/email-templates/:kind/preview',
    {
      config: adminOnly,
      schema: {
        tags: ['email-templates'],
        summary: 'Render an email with example values',
        description:
          'Renders the given wording (a part left out: the current one) with an example ticket, this ' +
          "organisation's name and its first mailbox's signature. Nothing is saved or sent.",
        params: KindParams,
        body: Type.Object(
          { subject: Type.Optional(Subject), body: Type.Optional(Body) },
          { additionalProperties: false },
        ),
        response: { 200: Rendered, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { kind } = request.params;
      const { organizationId } = request.principal;
      const { name, sender, current } = await request.inTenant(async (tx) => ({
        name: await organizationName(tx, organizationId),
        sender: await mailSender(tx, organizationId, defaultFrom),
        current: (await findEmailTemplate(tx, organizationId, kind)) ?? DEFAULT_TEMPLATES[kind],
      }));
      const wording = checkedWording(kind, {
        subject: request.body?.subject ?? current.subject,
        body: request.body?.body ?? current.body,
      });
      const mail = previewMail(kind, name, sender.signature, wording);
      return { subject: mail.subject, text: mail.text };
    },
  );
};
