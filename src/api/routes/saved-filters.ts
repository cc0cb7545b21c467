import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import {
  deleteSavedFilter,
  findVisibleSavedFilter,
  insertSavedFilter,
  listVisibleSavedFilters,
  updateSavedFilter,
} from '../../db/queries/saved-filters.js';
import type { SavedFilter } from '../../db/schema/index.js';
import { conflictOnDuplicate, forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { authErrors, errors, IdParams, NoContent, Timestamp, Uuid } from '../schemas/common.js';
import { SavedTicketQuery } from '../schemas/tickets.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });
const Shared = Type.Boolean({
  description: 'Visible to the whole organisation; otherwise to its owner only',
});

const SavedFilterView = Type.Object({
  id: Uuid,
  name: Type.String(),
  query: SavedTicketQuery,
  shared: Type.Boolean(),
  ownerId: Uuid,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const CreateBody = Type.Object(
  { name: Name, query: SavedTicketQuery, shared: Type.Optional(Shared) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  { name: Type.Optional(Name), query: Type.Optional(SavedTicketQuery), shared: Type.Optional(Shared) },
  { additionalProperties: false, minProperties: 1 },
);

const view = ({ userId, organizationId: _org, ...row }: SavedFilter) => ({ ...row, ownerId: userId });

const uniqueName = <T>(write: Promise<T>) =>
  conflictOnDuplicate(write, 'you already have a saved filter of that name');

/**
 * The filter a change applies to: its owner changes it; admins and owners may also change or remove
 * shared ones. Another user's private filter is not found at all.
 */
async function changeable(tx: Tx, principal: Principal, id: string) {
  const found = await findVisibleSavedFilter(tx, principal.organizationId, principal.userId, id);
  if (!found) throw notFound('saved filter');
  if (found.userId !== principal.userId && principal.role === 'agent') {
    throw forbidden('only its owner or an admin changes a shared filter');
  }
  return found;
}

/** Named `GET /tickets` filters: private to their owner or shared with the organisation. */
export const savedFilterRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/saved-filters',
    {
      schema: {
        tags: ['saved-filters'],
        summary: 'My saved filters and the organisation’s shared ones, by name',
        response: { 200: Type.Object({ data: Type.Array(SavedFilterView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      const rows = await request.inTenant((tx) => listVisibleSavedFilters(tx, organizationId, userId));
      return { data: rows.map(view) };
    },
  );

  app.get(
    '/saved-filters/:id',
    {
      schema: {
        tags: ['saved-filters'],
        summary: 'One saved filter',
        params: IdParams,
        response: { 200: SavedFilterView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      const found = await request.inTenant((tx) =>
        findVisibleSavedFilter(tx, organizationId, userId, request.params.id),
      );
      if (!found) throw notFound('saved filter');
      return view(found);
    },
  );

  app.post(
    '/saved-filters',
    {
      schema: {
        tags: ['saved-filters'],
        summary: 'Save a ticket filter',
        body: CreateBody,
        response: { 201: SavedFilterView, ...errors(...authErrors, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const created = await request.inTenant((tx) =>
        uniqueName(insertSavedFilter(tx, organizationId, userId, request.body)),
      );
      return reply.code(201).send(view(created));
    },
  );

  app.patch(
    '/saved-filters/:id',
    {
      schema: {
        tags: ['saved-filters'],
        summary: 'Change a saved filter',
        description: 'Its owner may; admins and owners may also change shared filters.',
        params: IdParams,
        body: UpdateBody,
        response: { 200: SavedFilterView, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request) => {
      const updated = await request.inTenant(async (tx) => {
        const found = await changeable(tx, request.principal, request.params.id);
        const row = await uniqueName(updateSavedFilter(tx, found.organizationId, found.id, request.body));
        return row!;
      });
      return view(updated);
    },
  );

  app.delete(
    '/saved-filters/:id',
    {
      schema: {
        tags: ['saved-filters'],
        summary: 'Delete a saved filter',
        description: 'Its owner may; admins and owners may also delete shared filters.',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      await request.inTenant(async (tx) => {
        const found = await changeable(tx, request.principal, request.params.id);
        await deleteSavedFilter(tx, found.organizationId, found.id);
      });
      return reply.code(204).send(null);
    },
  );
};
