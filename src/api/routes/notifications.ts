import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TObjectOptions, type TSchema, Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import {
  changeOwnNotificationPreferences,
  notificationDefaults,
  ownNotificationPreferences,
} from '../../db/queries/notifications.js';
import { type NotificationPreferences, wantsNotification } from '../../domain/notifications.js';
import { NOTIFICATION_EVENTS, type NotificationEvent } from '../../domain/vocabulary.js';
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

// Words rather than true/false/null: the app coerces scalar types, which would read null as false.
const CHOICES = ['on', 'off', 'default'] as const;
type Choice = (typeof CHOICES)[number];

const NotificationsView = Type.Object({
  enabled: perEvent((description) => Type.Boolean({ description }), {
    description: 'Whether each event emails me: my own choice, else the organisation’s default',
  }),
  chosen: perEvent((description) => Type.Enum(CHOICES, { description }), {
    description: 'My own choice per event; default follows the organisation’s settings',
  }),
});

const ChangeBody = perEvent(
  (description) =>
    Type.Optional(Type.Enum(CHOICES, { description: `${description}; default: as the organisation says` })),
  { additionalProperties: false, minProperties: 1 },
);

const asChoice = (on: boolean | undefined): Choice => (on === undefined ? 'default' : on ? 'on' : 'off');
const fromChoice = (choice: Choice) => (choice === 'default' ? null : choice === 'on');

const perEventOf = <T>(value: (event: NotificationEvent) => T) =>
  Object.fromEntries(NOTIFICATION_EVENTS.map((event) => [event, value(event)])) as Record<
    NotificationEvent,
    T
  >;

async function view(tx: Tx, principal: Principal, own: NotificationPreferences | undefined) {
  // A staff principal is a member; a membership removed mid-request is simply gone.
  if (!own) throw notFound('membership');
  const defaults = await notificationDefaults(tx, principal.organizationId);
  return {
    enabled: perEventOf((event) => wantsNotification(event, own, defaults)),
    chosen: perEventOf((event) => asChoice(own[event])),
  };
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
          await changeOwnNotificationPreferences(
            tx,
            organizationId,
            userId,
            Object.fromEntries(
              Object.entries(request.body).map(([event, choice]) => [event, fromChoice(choice as Choice)]),
            ),
          ),
        ),
      );
    },
  );
};
