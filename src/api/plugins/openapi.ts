import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

const API_TAGS = [
  { name: 'health', description: 'Liveness and readiness' },
  {
    name: 'auth',
    description: 'Signing in (tokens, browser sessions, Google/GitHub), emailed links, invitations',
  },
  {
    name: 'account',
    description:
      'Your own account: name, password, email, sessions, two-factor (never an organisation’s token)',
  },
  { name: 'tickets', description: 'Tickets, their messages and changes' },
  { name: 'stats', description: 'Counts and response times' },
  { name: 'canned-responses', description: 'Saved replies with placeholders' },
  {
    name: 'email-templates',
    description: "The organisation's wording of its emails (Mustache), with previews",
  },
  { name: 'categories', description: 'Ticket categories, nested one level (admins write)' },
  { name: 'tags', description: 'The tag vocabulary: names and colours (admins write)' },
  { name: 'mailboxes', description: 'The mailboxes’ names, to filter by (admins manage them: admin)' },
  { name: 'saved-filters', description: 'Named ticket-list filters, private or shared' },
  { name: 'webhooks', description: 'Signed event deliveries to the organisation’s HTTP endpoints' },
  { name: 'attachments', description: 'Files attached to messages' },
  { name: 'subscription', description: 'The organisation’s plan, its limits and this month’s usage' },
  { name: 'organization', description: 'The organisation’s name and settings (admins write)' },
  { name: 'surveys', description: 'Satisfaction surveys, answered by customers through their signed link' },
  {
    name: 'admin',
    description:
      'SLA policies, mailboxes, members, invitations, tokens and the audit log (admins and owners)',
  },
];

/**
 * Route schemas double as the OpenAPI 3.1 document, served at /openapi.json with a browsable UI at /docs.
 * Register before any route: the document is collected from the routes as they are added.
 */
export async function registerOpenApi(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'InsightDesk agents’ API',
        version: '1',
        description:
          'Tickets, replies and administration for agents, admins and owners. Authenticate with ' +
          '`Authorization: Bearer <token>`; every id is scoped to the token’s organisation.',
      },
      tags: API_TAGS,
      components: {
        // Every scheme a route names must be declared here, or building the document throws.
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token' },
          inboundSecret: {
            type: 'http',
            scheme: 'bearer',
            description: 'The shared secret of `POST /inbound` (INBOUND_SECRET), not an API token',
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    // Shared schemas keep their own names ("ErrorResponse") in components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
