import { and, asc, eq, ilike, ne, or } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { cannedResponses } from '../schema/index.js';
import { deleteRowOfOrganization, findRowOfOrganization, updateRowOfOrganization } from './scope.js';
import { escapeLike } from './tickets.js';

type CannedResponseFields = Pick<
  typeof cannedResponses.$inferInsert,
  'title' | 'content' | 'shortcut' | 'category'
>;

/** The organisation's canned responses by title, optionally of one category or matching `search` in title or shortcut. */
export function listCannedResponses(
  db: Queryable,
  organizationId: string,
  { category, search }: { category?: string; search?: string },
) {
  return db
    .select()
    .from(cannedResponses)
    .where(
      and(
        eq(cannedResponses.organizationId, organizationId),
        category ? eq(cannedResponses.category, category) : undefined,
        search
          ? or(
              ilike(cannedResponses.title, `%${escapeLike(search)}%`),
              ilike(cannedResponses.shortcut, `%${escapeLike(search)}%`),
            )
          : undefined,
      ),
    )
    .orderBy(asc(cannedResponses.title), asc(cannedResponses.id));
}

/** One of the organisation's canned responses, or undefined. */
export const findCannedResponse = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, cannedResponses, organizationId, id);

/** Whether another canned response of the organisation (than `exceptId`) already has the shortcut. */
/** The text of a canned response picked by id or by shortcut, or undefined. */
export async function cannedResponseText(
  db: Queryable,
  organizationId: string,
  pick: { id?: string; shortcut?: string },
): Promise<string | undefined> {
  const [row] = await db
    .select({ content: cannedResponses.content })
    .from(cannedResponses)
    .where(
      and(
        eq(cannedResponses.organizationId, organizationId),
        pick.id ? eq(cannedResponses.id, pick.id) : eq(cannedResponses.shortcut, pick.shortcut!),
      ),
    )
    .limit(1);
  return row?.content;
}

export async function isShortcutTaken(
  db: Queryable,
  organizationId: string,
  shortcut: string,
  exceptId?: string,
) {
  const [taken] = await db
    .select({ id: cannedResponses.id })
    .from(cannedResponses)
    .where(
      and(
        eq(cannedResponses.organizationId, organizationId),
        eq(cannedResponses.shortcut, shortcut),
        exceptId ? ne(cannedResponses.id, exceptId) : undefined,
      ),
    );
  return Boolean(taken);
}

export async function insertCannedResponse(
  db: Queryable,
  organizationId: string,
  createdById: string | null,
  fields: CannedResponseFields,
) {
  const [row] = await db
    .insert(cannedResponses)
    .values({ ...fields, organizationId, createdById })
    .returning();
  return row!;
}

/** Changes the canned response; the row after, or undefined when it is not the organisation's. */
export const updateCannedResponse = (
  db: Queryable,
  organizationId: string,
  id: string,
  changes: Partial<CannedResponseFields>,
) => updateRowOfOrganization(db, cannedResponses, organizationId, id, changes);

/** Deletes the canned response; the row deleted, or undefined. */
export const deleteCannedResponse = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, cannedResponses, organizationId, id);
