import { and, asc, eq, ilike, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { tags } from '../schema/index.js';
import { deleteRowOfOrganization, findRowOfOrganization } from './scope.js';
import { escapeLike } from './tickets.js';

type TagChanges = Partial<Pick<typeof tags.$inferInsert, 'name' | 'colour'>>;

/** The organisation's tags by name, or those whose name contains `search`. */
export function listTags(db: Queryable, organizationId: string, search?: string) {
  return db
    .select()
    .from(tags)
    .where(
      and(
        eq(tags.organizationId, organizationId),
        search ? ilike(tags.name, `%${escapeLike(search)}%`) : undefined,
      ),
    )
    .orderBy(asc(tags.name));
}

/** One of the organisation's tags, or undefined. */
export const findTag = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, tags, organizationId, id);

/** The tag, its row locked until the transaction ends, or undefined. */
export const lockTag = (db: Queryable, organizationId: string, id: string) =>
  findRowOfOrganization(db, tags, organizationId, id, { forUpdate: true });

/** Adds a tag (colour stored lower-case); rejects with the unique violation when the name is taken. */
export async function insertTag(db: Queryable, organizationId: string, name: string, colour?: string) {
  const [row] = await db
    .insert(tags)
    .values({ organizationId, name, colour: colour?.toLowerCase() })
    .returning();
  return row!;
}

/** Renames or recolours the tag row `id` (the tickets carrying it: `replaceTicketTag`). */
export async function updateTag(db: Queryable, id: string, { name, colour }: TagChanges) {
  const [row] = await db
    .update(tags)
    .set({ name, colour: colour?.toLowerCase(), updatedAt: new Date() })
    .where(eq(tags.id, id))
    .returning();
  return row;
}

/** Removes the tag from the vocabulary (tickets keep the word); the row deleted, or undefined. */
export const deleteTag = (db: Queryable, organizationId: string, id: string) =>
  deleteRowOfOrganization(db, tags, organizationId, id);

/**
 * Replaces the tag `from` by `to` on every ticket of the organisation that has it (keeping the order of
 * the other tags and never doubling `to`), and writes one `tagged` activity per changed ticket, as one
 * statement. Call it inside the transaction that renames or merges the vocabulary entry. Returns how
 * many tickets changed. Written directly rather than through each ticket's workflow: tags move no SLA
 * clock (one of the exceptions to the write rule, see src/temporal/tickets.ts).
 */
export async function replaceTicketTag(
  db: Queryable,
  organizationId: string,
  from: string,
  to: string,
  changedBy: string | null,
): Promise<number> {
  if (from === to) return 0;
  const rows = (await db.execute(sql`
    with affected as (
      select id, tags from tickets
      where organization_id = ${organizationId} and tags @> array[${from}::text]
      for update
    ), changed as (
      update tickets t
      set tags = array(
            select u from unnest(array_replace(a.tags, ${from}::text, ${to}::text)) with ordinality as e(u, n)
            group by u order by min(n)
          ),
          updated_at = now()
      from affected a
      where t.id = a.id
      returning t.id, a.tags as old_tags
    )
    insert into ticket_activities (ticket_id, user_id, action, metadata)
    select id, ${changedBy}::uuid, 'tagged', jsonb_build_object(
      'addedTags', case when ${to}::text = any(old_tags) then '[]'::jsonb else jsonb_build_array(${to}::text) end,
      'removedTags', jsonb_build_array(${from}::text)
    )
    from changed
    returning ticket_id
  `)) as unknown as { ticket_id: string }[];
  return rows.length;
}
