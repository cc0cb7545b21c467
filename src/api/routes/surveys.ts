import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { answerSurvey, findSurvey } from '../../db/queries/csat.js';
import type { ApiDeps } from '../deps.js';
import { conflict, notFound } from '../errors.js';
import { wantsPage } from '../plugins/web.js';
import { errors, Nullable } from '../schemas/common.js';

const TokenParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: 200, description: 'From the link in the survey email' }),
});

const SurveyView = Type.Object({
  organization: Type.String(),
  ticketNumber: Type.Integer(),
  ticketTitle: Type.String(),
  answered: Type.Boolean(),
  rating: Nullable(Type.Integer({ minimum: 1, maximum: 5 })),
});

const AnswerBody = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5, description: '1 (very unhappy) to 5 (very happy)' }),
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  { additionalProperties: false },
);

const RATE_LIMIT = { rateLimit: { max: 30, timeWindow: '1 minute' } };

/**
 * The customer's side of satisfaction surveys: no account, the signed link is the credential. Its
 * signature is checked before any lookup, and the survey's own id scopes everything to one ticket.
 */
export const surveyRoutes: FastifyPluginAsyncTypebox<Pick<ApiDeps, 'db' | 'surveyLinks'>> = async (
  app,
  { db, surveyLinks },
) => {
  const surveyOf = async (token: string) => {
    const surveyId = surveyLinks.verify(token);
    const survey = surveyId && (await db.asServiceRole((tx) => findSurvey(tx, surveyId)));
    if (!survey) throw notFound('survey');
    return survey;
  };

  app.get(
    '/csat/:token',
    {
      config: RATE_LIMIT,
      schema: {
        tags: ['surveys'],
        summary: 'What a satisfaction survey asks about (public, by its signed link)',
        security: [],
        description:
          'A browser following the emailed link is sent (303) to the web app’s survey page, the token in ' +
          'the fragment (never sent to a server, so never logged); API clients get JSON.',
        params: TokenParams,
        response: {
          200: SurveyView,
          303: Type.Null({ description: 'To the survey page: `/survey#<token>`' }),
          ...errors(400, 404, 429),
        },
      },
    },
    async (request, reply) => {
      if (wantsPage(request))
        return reply.redirect(`/survey#${encodeURIComponent(request.params.token)}`, 303);
      const survey = await surveyOf(request.params.token);
      return {
        organization: survey.organizationName,
        ticketNumber: survey.ticketNumber,
        ticketTitle: survey.ticketTitle,
        answered: survey.respondedAt !== null,
        rating: survey.rating,
      };
    },
  );

  app.post(
    '/csat/:token',
    {
      config: RATE_LIMIT,
      schema: {
        tags: ['surveys'],
        summary: 'Rate the support a ticket received, once (public, by its signed link)',
        security: [],
        params: TokenParams,
        body: AnswerBody,
        response: {
          201: Type.Object({ rating: Type.Integer(), comment: Nullable(Type.String()) }),
          ...errors(400, 404, 409, 429),
        },
      },
    },
    async (request, reply) => {
      const survey = await surveyOf(request.params.token);
      const answer = { rating: request.body.rating, comment: request.body.comment?.trim() || null };
      const recorded = await db.withTenant({ organizationId: survey.organizationId }, (tx) =>
        answerSurvey(tx, survey.id, answer),
      );
      if (!recorded) throw conflict('this survey was already answered; thank you');
      return reply.code(201).send(answer);
    },
  );
};
