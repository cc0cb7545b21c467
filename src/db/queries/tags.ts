import { sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';

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
