import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import { recordAudit } from '../../db/queries/audit-logs.js';
import { findOrganization, updateOrganization } from '../../db/queries/organizations.js';
import type { Organization, OrganizationSettings } from '../../db/schema/index.js';
import type { HostPolicy } from '../../net/host-policy.js';
import { BusinessHoursError, parseBusinessHours, WEEKDAYS } from '../../workflows/sla-calendar.js';
import { invalidInput, notFound } from '../errors.js';
import { refuseHiddenUrl } from '../outbound-urls.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const Interval = Type.Object(
  {
    start: Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'HH:mm, local time' }),
    end: Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'HH:mm, after start; 24:00 for midnight' }),
  },
  { additionalProperties: false },
);

const BusinessHoursSchema = Type.Object(
  {
    timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin' }),
    weekly: Type.Object(
      Object.fromEntries(WEEKDAYS.map((day) => [day, Type.Optional(Type.Array(Interval, { maxItems: 8 }))])),
      { additionalProperties: false },
    ),
    holidays: Type.Optional(
      Type.Array(Type.String({ format: 'date' }), {
        maxItems: 400,
        description: 'Local dates closed all day',
      }),
    ),
  },
  { additionalProperties: false, description: 'Opening hours for business-hours SLA policies' },
);

const Settings = {
  businessHours: Nullable(BusinessHoursSchema),
  autoCloseAfterDays: Type.Integer({ minimum: 1, maximum: 365 }),
  slaWarningRatio: Nullable(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 })),
  satisfactionSurvey: Nullable(
    Type.Object(
      { delayMinutes: Type.Integer({ minimum: 0, maximum: 60 * 24 * 30 }) },
      {
        additionalProperties: false,
        description: 'Survey the customer this long after resolving; null: off',
      },
    ),
  ),
  escalationEmails: Type.Array(Type.String({ format: 'email', maxLength: 320 }), { maxItems: 20 }),
  resolutionNotice: Type.Boolean({
    description: 'Email the customer when their ticket is resolved ("reply to reopen"); off by default',
  }),
  requireTwoFactor: Type.Boolean({
    description:
      'Staff must sign in with a second factor: without one they are refused (403 two_factor_required)',
  }),
  emailOnNewTicket: Type.Boolean({
    description:
      'Staff who chose `default` for new tickets are emailed about them (GET /account/notifications)',
  }),
  emailOnTicketUpdate: Type.Boolean({
    description: 'Staff who chose `default` are emailed about customer replies, assignments and mentions',
  }),
  slackWebhookUrl: Nullable(
    Type.String({
      minLength: 1,
      maxLength: 2000,
      description: 'A Slack incoming-webhook URL that gets new tickets and SLA breaches; null: off',
    }),
  ),
};

const OrganizationView = Type.Object({
  id: Uuid,
  name: Type.String(),
  slug: Type.String(),
  plan: Type.String(),
  settings: Type.Object({
    businessHours: Nullable(BusinessHoursSchema),
    autoCloseAfterDays: Nullable(Type.Integer()),
    slaWarningRatio: Nullable(Type.Number()),
    satisfactionSurvey: Nullable(Type.Object({ delayMinutes: Type.Integer() })),
    escalationEmails: Type.Array(Type.String()),
    resolutionNotice: Type.Boolean(),
    requireTwoFactor: Type.Boolean(),
    emailOnNewTicket: Type.Boolean(),
    emailOnTicketUpdate: Type.Boolean(),
    slackWebhookUrl: Nullable(Type.String()),
  }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const UpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    ...Type.Partial(Type.Object(Settings)).properties,
  },
  { additionalProperties: false, minProperties: 1, description: 'null turns a setting off' },
);

function organizationView(org: Organization) {
  const s = org.settings ?? {};
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    plan: org.plan,
    settings: {
      businessHours: s.businessHours ?? null,
      autoCloseAfterDays: s.autoCloseAfterDays ?? null,
      slaWarningRatio: s.slaWarningRatio ?? null,
      satisfactionSurvey: s.satisfactionSurvey ?? null,
      escalationEmails: s.notifications?.escalationEmails ?? [],
      resolutionNotice: s.resolutionNotice ?? false,
      requireTwoFactor: s.requireTwoFactor ?? false,
      emailOnNewTicket: s.notifications?.emailOnNewTicket ?? false,
      emailOnTicketUpdate: s.notifications?.emailOnTicketUpdate ?? false,
      slackWebhookUrl: s.notifications?.slackWebhookUrl ?? null,
    },
    createdAt: org.createdAt,
    updatedAt: org.updatedAt,
  };
}

/** Business hours pass the calendar's own validation (real zone, ordered intervals, real dates). */
function checkedBusinessHours(input: unknown) {
  try {
    return parseBusinessHours(input);
  } catch (error) {
    if (error instanceof BusinessHoursError)
      throw invalidInput([{ field: `body.businessHours.${error.field}`, message: error.message }]);
    throw error;
  }
}

async function requireOrganization(tx: Tx, organizationId: string) {
  const org = await findOrganization(tx, organizationId);
  if (!org) throw notFound('organization');
  return org;
}

/** The organisation's own row: every member reads it, admins and owners change its name and settings. */
export const organizationRoutes: FastifyPluginAsyncTypebox<{ outboundHosts: HostPolicy }> = async (
  app,
  { outboundHosts },
) => {
  app.get(
    '/organization',
    {
      schema: {
        tags: ['organization'],
        summary: 'This organisation: name, plan and settings',
        response: { 200: OrganizationView, ...errors(...authErrors) },
      },
    },
    async (request) =>
      organizationView(
        await request.inTenant((tx) => requireOrganization(tx, request.principal.organizationId)),
      ),
  );

  app.patch(
    '/organization',
    {
      config: adminOnly,
      schema: {
        tags: ['organization'],
        summary:
          'Rename the organisation or change its settings (business hours, auto-close, SLA warnings, surveys)',
        description:
          'Business hours apply to tickets opened or re-prioritised afterwards; survey settings to tickets resolved afterwards.',
        body: UpdateBody,
        response: { 200: OrganizationView, ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      const { name, escalationEmails, slackWebhookUrl, emailOnNewTicket, emailOnTicketUpdate, ...changes } =
        request.body;
      if (slackWebhookUrl) await refuseHiddenUrl(outboundHosts, slackWebhookUrl, 'body.slackWebhookUrl');
      const businessHours =
        changes.businessHours === undefined || changes.businessHours === null
          ? changes.businessHours
          : checkedBusinessHours(changes.businessHours);
      const updated = await request.inTenant(async (tx) => {
        const before = await requireOrganization(tx, organizationId);
        const settings: OrganizationSettings = { ...(before.settings ?? {}) };
        const put = <K extends keyof OrganizationSettings>(
          key: K,
          value: OrganizationSettings[K] | null | undefined,
        ) => {
          if (value === undefined) return;
          if (value === null) delete settings[key];
          else settings[key] = value;
        };
        put('businessHours', businessHours);
        put('autoCloseAfterDays', changes.autoCloseAfterDays);
        put('slaWarningRatio', changes.slaWarningRatio);
        put('satisfactionSurvey', changes.satisfactionSurvey);
        put('requireTwoFactor', changes.requireTwoFactor);
        put('resolutionNotice', changes.resolutionNotice);
        if (escalationEmails !== undefined)
          settings.notifications = {
            ...settings.notifications,
            escalationEmails: escalationEmails.map((e) => e.toLowerCase()),
          };
        if (emailOnNewTicket !== undefined)
          settings.notifications = { ...settings.notifications, emailOnNewTicket };
        if (emailOnTicketUpdate !== undefined)
          settings.notifications = { ...settings.notifications, emailOnTicketUpdate };
        if (slackWebhookUrl !== undefined) {
          const { slackWebhookUrl: _old, ...notifications } = settings.notifications ?? {};
          settings.notifications =
            slackWebhookUrl === null ? notifications : { ...notifications, slackWebhookUrl };
        }
        const after = await updateOrganization(tx, organizationId, { name, settings });
        await recordAudit(tx, {
          organizationId,
          actorId: userId,
          action: 'organization.updated',
          targetType: 'organization',
          targetId: organizationId,
          before: organizationView(before),
          after: organizationView(after),
        });
        return after;
      });
      return organizationView(updated);
    },
  );
};
