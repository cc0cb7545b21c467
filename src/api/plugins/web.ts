import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Where `scripts/build-web.ts` writes the agents' web app (index.html and assets/). */
export const WEB_BUNDLE_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

export interface WebOptions {
  /** The built bundle; default WEB_BUNDLE_DIR. */
  root?: string;
  /** Served over https (PUBLIC_URL): browsers are told to stay on https. */
  https?: boolean;
}

// Everything the page loads comes from this origin: no inline script or style, no CDN, no font host.
const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** A browser navigating (an address typed, a link followed), as opposed to an API client. */
/** The single page's routes (web/src/main.tsx): the inbox, a ticket, search, the survey page, admin pages, reports, the person's notification settings, the account emails' links. */
export const APP_PATHS = [
  '/inbox',
  '/t/:id',
  '/search',
  '/survey',
  '/admin',
  '/reports',
  '/settings/notifications',
  // The account emails' links (src/mail/templates.ts accountMail).
  '/account/verify-email',
  '/account/reset-password',
  '/account/confirm-email',
  '/account/forgot-password',
];

export const wantsPage = (request: FastifyRequest) =>
  request.headers['sec-fetch-mode'] === 'navigate' || /\btext\/html\b/.test(request.headers.accept ?? '');

/**
 * The agents' web app at `/`: the single page for `/` and its own paths when a browser navigates to them,
 * its hashed assets under `/assets/`. Helmet's headers and the strict CSP apply to these
 * answers only (this plugin is its own scope); API routes and their JSON 404s are unchanged.
 */
export async function webApp(app: FastifyInstance, options: WebOptions) {
  const root = options.root ?? WEB_BUNDLE_DIR;
  const indexFile = path.join(root, 'index.html');
  if (!existsSync(indexFile)) {
    app.log.warn({ root }, 'the web app is not built (npm run build:web): / answers 404');
    return;
  }
  const page = await readFile(indexFile);
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    strictTransportSecurity: options.https ? { maxAge: 31_536_000 } : false,
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyStatic, {
    root: path.join(root, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    // File names carry their content hash: a new build is a new name.
    immutable: true,
    maxAge: '365d',
  });
  const sendPage = (_request: FastifyRequest, reply: import('fastify').FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page);
  app.get('/', { schema: { hide: true } }, sendPage);
  // The app's own paths only: a catch-all would also take the URLs the router refuses (a parameter over
  // its length, a bad escape), which must stay the API's 400s.
  for (const url of APP_PATHS) {
    app.get(url, { schema: { hide: true } }, (request, reply) =>
      wantsPage(request) ? sendPage(request, reply) : reply.callNotFound(),
    );
  }
}
