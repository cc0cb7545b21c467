import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  deleteTag,
  findTag,
  insertTag,
  listTags,
  lockTag,
  replaceTicketTag,
  updateTag,
} from '../../db/queries/tags.js';
import { conflictOnDuplicate, notFound, unprocessable } from '../errors.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Timestamp, Uuid } from '../schemas/common.js';

// The same limits as a ticket's tags.
const Name = Type.String({ minLength: 1, maxLength: 50 });
const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$', examples: ['#e11d48'], description: '#rrggbb' });

const TagView = Type.Object({
  id: Uuid,
  name: Type.String(),
  colour: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const CreateBody = Type.Object(
  { name: Name, colour: Type.Optional(Colour) },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  {
    name: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 50,
        description: 'Renaming rewrites the tag on every ticket that has it (a `tagged` activity each)',
      }),
    ),
    colour: Type.Optional(Colour),
  },
  { additionalProperties: false, minProperties: 1 },
);
const MergeBody = Type.Object(
  { intoId: Type.String({ format: 'uuid', description: 'The tag that stays' }) },
  { additionalProperties: false },
);

const uniqueName = <T>(write: Promise<T>) =>
  conflictOnDuplicate(write, 'a tag of that name already exists (merge the two instead)');

/** The organisation's tag vocabulary: agents read it, admins and owners manage it. */
export const tagRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/tags',
    {
      schema: {
        tags: ['tags'],
        summary: 'List tags by name',
        querystring: Type.Object(
          { search: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'In the name' })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(TagView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { search } = request.query;
      const data = await request.inTenant((tx) => listTags(tx, request.principal.organizationId, search));
      return { data };
    },
  );

  app.get(
    '/tags/:id',
    {
      schema: {
        tags: ['tags'],
        summary: 'One tag',
        params: IdParams,
        response: { 200: TagView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const found = await request.inTenant((tx) =>
        findTag(tx, request.principal.organizationId, request.params.id),
      );
      if (!found) throw notFound('tag');
      return found;
    },
  );

  app.post(
    '/tags',
    {
      config: adminOnly,
      schema: {
        tags: ['tags'],
        summary: 'Add a tag to the vocabulary',
        body: CreateBody,
        response: { 201: TagView, ...errors(...authErrors, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId } = request.principal;
      const { name, colour } = request.body;
      const created = await request.inTenant((tx) => uniqueName(insertTag(tx, organizationId, name, colour)));
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/tags/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['tags'],
        summary: 'Rename or recolour a tag',
        description: 'A rename updates every ticket with the tag, in the same transaction.',
        params: IdParams,
        body: UpdateBody,
        response: { 200: TagView, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      const { name, colour } = request.body;
      const updated = await request.inTenant(async (tx) => {
        const before = await lockTag(tx, organizationId, request.params.id);
        if (!before) return undefined;
        const row = await uniqueName(updateTag(tx, before.id, { name, colour }));
        if (name !== undefined) await replaceTicketTag(tx, organizationId, before.name, name, userId);
        return row;
      });
      if (!updated) throw notFound('tag');
      return updated;
    },
  );

  app.post(
    '/tags/:id/merge',
    {
      config: adminOnly,
      schema: {
        tags: ['tags'],
        summary: 'Merge this tag into another',
        description:
          'Every ticket with this tag gets the other one instead (a `tagged` activity each); this tag is deleted. One transaction.',
        params: IdParams,
        body: MergeBody,
        response: {
          200: Type.Object({
            tag: TagView,
            ticketsChanged: Type.Integer({ minimum: 0 }),
          }),
          ...errors(...authErrors, 404, 422),
        },
      },
    },
    async (request) => {
      const { organizationId, userId } = request.principal;
      const { id } = request.params;
      const { intoId } = request.body;
      const merged = await request.inTenant(async (tx) => {
        const source = await lockTag(tx, organizationId, id);
        if (!source) return undefined;
        if (intoId === id) throw unprocessable('a tag cannot be merged into itself');
        const target = await lockTag(tx, organizationId, intoId);
        if (!target) throw unprocessable('no such tag to merge into');
        const ticketsChanged = await replaceTicketTag(tx, organizationId, source.name, target.name, userId);
        await deleteTag(tx, organizationId, source.id);
        return { tag: target, ticketsChanged };
      });
      if (!merged) throw notFound('tag');
      return merged;
    },
  );

  app.delete(
    '/tags/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['tags'],
        summary: 'Remove a tag from the vocabulary',
        description: 'Tickets keep the tag; merge it into another to change them.',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404) },
      },
    },
    async (request, reply) => {
      const deleted = await request.inTenant((tx) =>
        deleteTag(tx, request.principal.organizationId, request.params.id),
      );
      if (!deleted) throw notFound('tag');
      return reply.code(204).send(null);
    },
  );
};
