import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TObjectOptions, type TSchema, Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import {
  changeOwnNotificationPreferences,
  notificationDefaults,
  ownNotificationPreferences,
} from '../../db/queries/notifications.js';
import { type NotificationPreferences, wantsNotification } from '../../domain/notifications.js';
import { NOTIFICATION_EVENTS } from '../../domain/vocabulary.js';
import { notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { authErrors, errors } from '../schemas/common.js';

/** One field per notification event, each described. */
const perEvent = <T extends TSchema>(field: (description: string) => T, options: TObjectOptions) =>
  Type.Object(
    {
      newTicket: field('A new ticket assigned to me, or any new ticket while nobody is assigned'),
      customerReply: field('The customer replied on a ticket assigned to me (or on an unassigned one)'),
      assigned: field('Someone else assigned a ticket to me'),
      mention: field('A colleague mentioned me as @name (display name or address local part) in a note'),
    },
    options,
  );

const NotificationsView = Type.Object({
  enabled: perEvent((description) => Type.Boolean({ description }), {
    description: 'Whether each event emails me: my own choice, else the organisation’s default',
  }),
  chosen: perEvent((description) => Type.Optional(Type.Boolean({ description })), {
    description: 'The events I chose myself; the others follow the organisation’s settings',
  }),
});

const ChangeBody = perEvent(
  (description) =>
    Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], {
        description: `${description}; null goes back to the organisation’s default`,
      }),
    ),
  { additionalProperties: false, minProperties: 1 },
);

async function view(tx: Tx, principal: Principal, chosen: NotificationPreferences | undefined) {
  // A staff principal is a member; a membership removed mid-request is simply gone.
  if (!chosen) throw notFound('membership');
  const defaults = await notificationDefaults(tx, principal.organizationId);
  const enabled = Object.fromEntries(
    NOTIFICATION_EVENTS.map((event) => [event, wantsNotification(event, chosen, defaults)]),
  ) as Record<(typeof NOTIFICATION_EVENTS)[number], boolean>;
  return { enabled, chosen };
}

/** The caller's own emails about tickets, in the current organisation (stored on their membership). */
export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/account/notifications',
    {
      schema: {
        tags: ['account'],
        summary: 'Which ticket events email me in this organisation',
        response: { 200: NotificationsView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      return request.inTenant(async (tx) =>
        view(tx, request.principal, await ownNotificationPreferences(tx, organizationId, userId)),
      );
    },
  );

  app.patch(
    '/account/notifications',
    {
      schema: {
        tags: ['account'],
        summary: 'Switch ticket-event emails on or off for me in this organisation',
        body: ChangeBody,
        response: { 200: NotificationsView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      return request.inTenant(async (tx) =>
        view(
          tx,
          request.principal,
          await changeOwnNotificationPreferences(tx, organizationId, userId, request.body),
        ),
      );
    },
  );
};
