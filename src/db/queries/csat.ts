import { and, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../client.js';
import { csatSurveys, organizations, tickets } from '../schema/index.js';
import type { StatsPeriod } from './stats.js';

/** A survey with what its page shows: the ticket and organisation it asks about. */
/** Records a survey due to the ticket's customer; a repeat of the (derived) id is a no-op. */
export async function recordSurveyOnce(
  db: Queryable,
  survey: { id: string; organizationId: string; ticketId: string; customerId: string; email: string },
) {
  await db.insert(csatSurveys).values(survey).onConflictDoNothing({ target: csatSurveys.id });
}

export async function findSurvey(db: Queryable, surveyId: string) {
  const [survey] = await db
    .select({
      id: csatSurveys.id,
      organizationId: csatSurveys.organizationId,
      ticketNumber: tickets.ticketNumber,
      ticketTitle: tickets.title,
      organizationName: organizations.name,
      rating: csatSurveys.rating,
      respondedAt: csatSurveys.respondedAt,
    })
    .from(csatSurveys)
    .innerJoin(tickets, eq(tickets.id, csatSurveys.ticketId))
    .innerJoin(organizations, eq(organizations.id, csatSurveys.organizationId))
    .where(and(eq(csatSurveys.id, surveyId), isNull(tickets.deletedAt)));
  return survey;
}

/** Records the answer unless one was recorded already (the link works once); true when recorded. */
export async function answerSurvey(
  db: Queryable,
  surveyId: string,
  answer: { rating: number; comment: string | null },
): Promise<boolean> {
  const updated = await db
    .update(csatSurveys)
    .set({ rating: answer.rating, comment: answer.comment, respondedAt: new Date() })
    .where(and(eq(csatSurveys.id, surveyId), isNull(csatSurveys.respondedAt)))
    .returning({ id: csatSurveys.id });
  return updated.length === 1;
}

/**
 * Customer satisfaction over a period: surveys sent in it, answers received in it, their average and the
 * CSAT score (the share of answers rating 4 or 5, in percent; null without answers).
 */
export async function getSatisfactionStats(db: Queryable, organizationId: string, period: StatsPeriod) {
  const own = eq(csatSurveys.organizationId, organizationId);
  const [sent] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(csatSurveys)
    .where(and(own, gte(csatSurveys.sentAt, period.from), lt(csatSurveys.sentAt, period.to)));
  const [answers] = await db
    .select({
      count: sql<number>`count(*)::int`,
      average: sql<number | null>`round(avg(${csatSurveys.rating}), 2)::float8`,
      satisfied: sql<number>`count(*) filter (where ${csatSurveys.rating} >= 4)::int`,
    })
    .from(csatSurveys)
    .where(and(own, gte(csatSurveys.respondedAt, period.from), lt(csatSurveys.respondedAt, period.to)));
  const responses = answers?.count ?? 0;
  return {
    surveysSent: sent?.count ?? 0,
    responses,
    averageRating: answers?.average ?? null,
    scorePercent: responses ? Math.round((1000 * (answers?.satisfied ?? 0)) / responses) / 10 : null,
  };
}

/** How many answers received in the period gave each rating, 1 to 5 (every rating listed). */
export async function getRatingCounts(db: Queryable, organizationId: string, period: StatsPeriod) {
  const rows = await db
    .select({ rating: csatSurveys.rating, count: sql<number>`count(*)::int` })
    .from(csatSurveys)
    .where(
      and(
        eq(csatSurveys.organizationId, organizationId),
        gte(csatSurveys.respondedAt, period.from),
        lt(csatSurveys.respondedAt, period.to),
      ),
    )
    .groupBy(csatSurveys.rating);
  return [1, 2, 3, 4, 5].map((rating) => ({
    rating,
    answers: rows.find((r) => r.rating === rating)?.count ?? 0,
  }));
}
