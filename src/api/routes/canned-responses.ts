import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { and, asc, eq, ilike, ne, or, type SQL } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import { rowOfOrganization } from '../../db/queries/scope.js';
import { escapeLike } from '../../db/queries/tickets.js';
import { cannedResponses } from '../../db/schema/index.js';
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
  const [taken] = await tx
    .select({ id: cannedResponses.id })
    .from(cannedResponses)
    .where(
      and(
        eq(cannedResponses.organizationId, organizationId),
        eq(cannedResponses.shortcut, shortcut),
        exceptId ? ne(cannedResponses.id, exceptId) : undefined,
      ),
    );
  if (taken) throw conflict(`the shortcut ${shortcut} is already used`);
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
      const conditions: (SQL | undefined)[] = [
        eq(cannedResponses.organizationId, request.principal.organizationId),
        category ? eq(cannedResponses.category, category) : undefined,
        search
          ? or(
              ilike(cannedResponses.title, `%${escapeLike(search)}%`),
              ilike(cannedResponses.shortcut, `%${escapeLike(search)}%`),
            )
          : undefined,
      ];
      const data = await request.inTenant((tx) =>
        tx
          .select()
          .from(cannedResponses)
          .where(and(...conditions))
          .orderBy(asc(cannedResponses.title), asc(cannedResponses.id)),
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
      const [found] = await request.inTenant((tx) =>
        tx
          .select()
          .from(cannedResponses)
          .where(rowOfOrganization(cannedResponses, request.principal.organizationId, request.params.id)),
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
        const [row] = await tx
          .insert(cannedResponses)
          .values({ ...request.body, organizationId, createdById: userId })
          .returning();
        return row!;
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
        const [row] = await tx
          .update(cannedResponses)
          .set({ ...request.body, updatedAt: new Date() })
          .where(rowOfOrganization(cannedResponses, organizationId, id))
          .returning();
        return row;
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
        tx
          .delete(cannedResponses)
          .where(rowOfOrganization(cannedResponses, request.principal.organizationId, request.params.id))
          .returning({ id: cannedResponses.id }),
      );
      if (!deleted.length) throw notFound('canned response');
      return reply.code(204).send(null);
    },
  );
};
