import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Tx } from '../../db/client.js';
import {
  deleteCategory,
  findCategory,
  hasSubcategories,
  insertCategory,
  listCategories,
  lockCategory,
  updateCategory,
} from '../../db/queries/categories.js';
import { conflict, conflictOnDuplicate, notFound, unprocessable } from '../errors.js';
import { adminOnly } from '../route-helpers.js';
import { authErrors, errors, IdParams, NoContent, Nullable, Timestamp, Uuid } from '../schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 100 });

const CategoryView = Type.Object({
  id: Uuid,
  name: Type.String(),
  parentId: Nullable(Uuid),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const CreateBody = Type.Object(
  {
    name: Name,
    parentId: Type.Optional(
      Nullable(
        Type.String({ format: 'uuid', description: 'A top-level category; nesting is one level deep' }),
      ),
    ),
  },
  { additionalProperties: false },
);
const UpdateBody = Type.Object(
  { name: Type.Optional(Name), parentId: Type.Optional(Nullable(Uuid)) },
  { additionalProperties: false, minProperties: 1 },
);

const sameName = <T>(write: Promise<T>) =>
  conflictOnDuplicate(write, 'a category of that name already exists at that place');

/**
 * The parent a category may be put under: one of the organisation's top-level categories. Its row is
 * locked, so a concurrent request cannot move it under another category meanwhile.
 */
async function requireTopLevelParent(tx: Tx, organizationId: string, parentId: string) {
  const parent = await lockCategory(tx, organizationId, parentId);
  if (!parent) throw unprocessable('no such parent category');
  if (parent.parentId) throw unprocessable('categories nest one level deep: the parent is a subcategory');
}

/** Ticket categories: agents read them, admins and owners manage them. */
export const categoryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/categories',
    {
      schema: {
        tags: ['categories'],
        summary: 'List categories (parents and subcategories, by name)',
        querystring: Type.Object(
          {
            parentId: Type.Optional(
              Type.String({ format: 'uuid', description: 'Only this category’s children' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ data: Type.Array(CategoryView) }), ...errors(...authErrors) },
      },
    },
    async (request) => {
      const { organizationId } = request.principal;
      const { parentId } = request.query;
      const data = await request.inTenant((tx) => listCategories(tx, organizationId, parentId));
      return { data };
    },
  );

  app.get(
    '/categories/:id',
    {
      schema: {
        tags: ['categories'],
        summary: 'One category',
        params: IdParams,
        response: { 200: CategoryView, ...errors(...authErrors, 404) },
      },
    },
    async (request) => {
      const found = await request.inTenant((tx) =>
        findCategory(tx, request.principal.organizationId, request.params.id),
      );
      if (!found) throw notFound('category');
      return found;
    },
  );

  app.post(
    '/categories',
    {
      config: adminOnly,
      schema: {
        tags: ['categories'],
        summary: 'Create a category',
        body: CreateBody,
        response: { 201: CategoryView, ...errors(...authErrors, 409, 422) },
      },
    },
    async (request, reply) => {
      const { organizationId } = request.principal;
      const { name, parentId = null } = request.body;
      const created = await request.inTenant(async (tx) => {
        if (parentId) await requireTopLevelParent(tx, organizationId, parentId);
        return sameName(insertCategory(tx, organizationId, name, parentId));
      });
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/categories/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['categories'],
        summary: 'Rename or move a category',
        params: IdParams,
        body: UpdateBody,
        response: { 200: CategoryView, ...errors(...authErrors, 404, 409, 422) },
      },
    },
    async (request) => {
      const { organizationId } = request.principal;
      const { id } = request.params;
      const { parentId } = request.body;
      const updated = await request.inTenant(async (tx) => {
        // Locked first, so a subcategory created under it concurrently is seen by the check below.
        const current = await lockCategory(tx, organizationId, id);
        if (!current) return undefined;
        if (parentId) {
          if (parentId === id) throw unprocessable('a category cannot be its own parent');
          if (await hasSubcategories(tx, organizationId, id)) {
            throw unprocessable('categories nest one level deep: this category has subcategories');
          }
          await requireTopLevelParent(tx, organizationId, parentId);
        }
        return sameName(updateCategory(tx, organizationId, id, request.body));
      });
      if (!updated) throw notFound('category');
      return updated;
    },
  );

  app.delete(
    '/categories/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['categories'],
        summary: 'Delete a category',
        description: 'Its tickets become uncategorised. A category with subcategories cannot be deleted.',
        params: IdParams,
        response: { 204: NoContent, ...errors(...authErrors, 404, 409) },
      },
    },
    async (request, reply) => {
      const { organizationId } = request.principal;
      const { id } = request.params;
      const deleted = await request.inTenant(async (tx) => {
        const current = await lockCategory(tx, organizationId, id);
        if (!current) return false;
        if (await hasSubcategories(tx, organizationId, id)) {
          throw conflict('the category has subcategories: delete or move them first');
        }
        await deleteCategory(tx, organizationId, id);
        return true;
      });
      if (!deleted) throw notFound('category');
      return reply.code(204).send(null);
    },
  );
};
