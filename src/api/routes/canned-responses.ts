import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import {
  deleteCannedResponse,
  findCannedResponse,
  insertCannedResponse,
  isShortcutTaken,
  listCannedResponses,
  updateCannedResponse,
} from '../../db/queries/canned-responses.js';
import { conflict, notFound } from '../errors.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const Shortcut = Type.String({ pattern: '^/[\\w-]+$', maxLength: 50, examples: ['/greeting'] });
const Title = Type.String({ minLength: 1, maxLength: 200 });
const Content = Type.String({
  minLength: 1,
  maxLength: 20_000,
  description: 'May use {{customer.name}}, {{ticket.number}} and {{agent.name}}',
});
const Category = Type.String({ minLength: 1, maxLength: 100 });

const CannedResponse = Type.Object({
  id: Uuid,
  title: Type.String(),
  content: Type.String(),
  shortcut: Nullable(Type.String()),
  category: Nullable(Type.String()),
  createdById: Nullable(Uuid),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const CreateBody = Type.Object(
  { title: Title, content: Content, shortcut: Type.Optional(Shortcut), category: Type.Optional(Category) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    title: Type.Optional(Title),
    content: Type.Optional(Content),
    shortcut: Type.Optional(Nullable(Shortcut)),
    category: Type.Optional(Nullable(Category)),
  },
  { additionalProperties: false, minProperties: 1 },
);

/** A shortcut picks one response, so it must be unique within the organisation. */
async function requireFreeShortcut(tx: Tx, organizationId: string, shortcut: string, exceptId?: string) {
  if (await isShortcutTaken(tx, organizationId, shortcut, exceptId))
    throw conflict(`the shortcut ${shortcut} is already used`);
}

export const cannedResponseRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/canned-responses',
    {
      schema: {
        tags: ['canned-responses'],
        summary: 'List canned responses',
        querystring: Type.Object(
          {
            category: Type.Optional(Category),
            search: Type.Optional(
              Type.String({ minLength: 1, maxLength: 100, description: 'In title or shortcut' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(CannedResponse) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { category, search } = request.query;
      const data = await request.inTenant((tx) =>
        listCannedResponses(tx, request.principal.organizationId, { category, search }),
      );
      return { data };
    },
  );

  app.get(
    '/canned-responses/:id',
    {
      schema: {
        tags: ['canned-responses'],
        summary: 'One canned response',
        params: IdParams,
        response: { 200: CannedResponse, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const found = await request.inTenant((tx) =>
        findCannedResponse(tx, request.principal.organizationId, request.params.id),
      );
      if (!found) throw notFound('canned response');
      return found;
    },
  );

  app.post(
    '/canned-responses',
    {
      schema: {
        tags: ['canned-responses'],
        summary: 'Create a canned response',
        body: CreateBody,
        response: { 201: CannedResponse, ...errors(...authErrors, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId, userId } = request.principal;
      const created = await request.inTenant(async (tx) => {
        if (request.body.shortcut) await requireFreeShortcut(tx, organizationId, request.body.shortcut);
        return insertCannedResponse(tx, organizationId, userId, request.body);
      });
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/canned-responses/:id',
    {
      schema: {
        tags: ['canned-responses'],
        summary: 'Change a canned response',
        params: IdParams,
        body: UpdateBody,
        response: { 200: CannedResponse, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request) => {
      const { organizationId } = request.principal;
      const { id } = request.params;
      const updated = await request.inTenant(async (tx) => {
        if (request.body.shortcut) await requireFreeShortcut(tx, organizationId, request.body.shortcut, id);
        return updateCannedResponse(tx, organizationId, id, request.body);
      });
      if (!updated) throw notFound('canned response');
      return updated;
    },
  );

  app.delete(
    '/canned-responses/:id',
    {
      schema: {
        tags: ['canned-responses'],
        summary: 'Delete a canned response',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const deleted = await request.inTenant((tx) =>
        deleteCannedResponse(tx, request.principal.organizationId, request.params.id),
      );
      if (!deleted) throw notFound('canned response');
      return reply.code(204).send(null);
    },
  );
};
