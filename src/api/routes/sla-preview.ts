import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findSlaPolicyContext } from '../../db/queries/sla-policies.js';
import { previewSla } from '../../workflows/sla-preview.js';
import { notFound } from '../errors.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, Nullable, Timestamp, Uuid } from '../schemas/common.js';
import { TicketPriority } from '../schemas/tickets.js';

const SlaPreviewView = Type.Object({
  policyId: Uuid,
  priority: TicketPriority,
  at: Timestamp,
  timeZone: Nullable(
    Type.String({ description: 'The business hours’ zone; null: the policy’s clocks run 24/7' }),
  ),
  clockStarts: Timestamp,
  firstResponseDue: Timestamp,
  nextResponseDue: Nullable(Timestamp),
  resolutionDue: Timestamp,
  openings: Type.Array(Type.Object({ start: Timestamp, end: Timestamp }), {
    description: 'The open stretches from `at` to the last deadline (at most 62)',
  }),
});

const at = (ms: number) => new Date(ms);

/** The admins' preview of a policy on the organisation's calendar, by the workflow's own rules. */
export const slaPreviewRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/sla-policies/:id/preview',
    {
      config: adminOnly,
      schema: {
        tags: ['admin'],
        summary: 'When a ticket opened at `at` (default now) would be due under this policy',
        description:
          'First response and resolution from `at`; next response for a customer message at `at` after the ' +
          'first response. Business hours and holidays apply when the policy is business-hours-only and ' +
          'the organisation has opening hours.',
        params: IdParams,
        querystring: Type.Object(
          { at: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601; default now' })) },
          { additionalProperties: false },
        ),
        response: { 200: SlaPreviewView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const found = await request.inTenant((tx) =>
        findSlaPolicyContext(tx, request.principal.organizationId, request.params.id),
      );
      if (!found) throw notFound('SLA policy');
      const { policy, context } = found;
      const opened = request.query.at ? Date.parse(request.query.at) : Date.now();
      const preview = previewSla(context, policy.priority, opened);
      return {
        policyId: policy.id,
        priority: policy.priority,
        at: at(opened),
        timeZone: context.businessHours?.timeZone ?? null,
        clockStarts: at(preview.clockStarts),
        firstResponseDue: at(preview.firstResponse),
        nextResponseDue: preview.nextResponse === null ? null : at(preview.nextResponse),
        resolutionDue: at(preview.resolution),
        openings: preview.openings.map(([start, end]) => ({ start: at(start), end: at(end) })),
      };
    },
  );
};
