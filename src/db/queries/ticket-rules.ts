import { UNASSIGNABLE_REFUSAL, UNKNOWN_CATEGORY_REFUSAL } from '../../domain/ticket-rules.js';
import type { Queryable } from '../client.js';
import { isAssignable } from './members.js';
import { findCategory } from './tickets.js';

/**
 * Why a ticket cannot take this assignee or category, or null when it can (null and absent values clear or
 * keep, and always pass). The API checks before it asks the workflow, the activity again when it applies.
 */
export async function ticketChangeRefusal(
  db: Queryable,
  organizationId: string,
  change: { assigneeId?: string | null; categoryId?: string | null },
): Promise<string | null> {
  if (change.assigneeId && !(await isAssignable(db, organizationId, change.assigneeId)))
    return UNASSIGNABLE_REFUSAL;
  if (change.categoryId && !(await findCategory(db, organizationId, change.categoryId)))
    return UNKNOWN_CATEGORY_REFUSAL;
  return null;
}
