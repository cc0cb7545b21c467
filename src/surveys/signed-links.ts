import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Survey links carry the survey id and an HMAC of it: nothing secret is stored per survey, a retried
 * send produces the same link, and a forged or altered id fails verification before any lookup.
 */
export interface SurveyLinks {
  /** The link a customer follows to rate the ticket. */
  url(surveyId: string): string;
  /** The survey id a token names, or null when the token is malformed or its signature is wrong. */
  verify(token: string): string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function createSurveyLinks(publicUrl: string, key: string | Buffer): SurveyLinks {
  const signature = (surveyId: string) =>
    createHmac('sha256', key).update(`csat-survey:${surveyId}`).digest('base64url');
  const tokenOf = (surveyId: string) => `${surveyId}.${signature(surveyId)}`;
  return {
    url: (surveyId) => `${publicUrl}/csat/${tokenOf(surveyId)}`,
    verify(token) {
      const [surveyId, given, ...rest] = token.split('.');
      if (!surveyId || !given || rest.length || !UUID.test(surveyId)) return null;
      const expected = Buffer.from(signature(surveyId));
      const actual = Buffer.from(given);
      return actual.length === expected.length && timingSafeEqual(actual, expected) ? surveyId : null;
    },
  };
}
