// The agents' web app served by the API's own Fastify app: the page, its assets, the security headers,
// and the API answering exactly as before around it.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWeb, type WebBundle } from '../../scripts/build-web.js';
import { errorOf, useApiHarness } from '../support/api.js';

const h = useApiHarness();
let bundle: WebBundle;
let app: Awaited<ReturnType<typeof h.buildApp>>;

beforeAll(async () => {
  bundle = await buildWeb();
  // An app built after the bundle (the harness's own app was built before it).
  app = await h.buildApp();
});

const browserNavigation = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' };

describe('the web app', () => {
  it('serves the page at / with a strict content security policy and no caching of the page', async () => {
    const page = await app.inject({ url: '/', headers: browserNavigation });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`/assets/${bundle.script}`);
    expect(page.body).not.toMatch(/<script>|<style>|https?:\/\//);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['cache-control']).toBe('no-cache');
  });

  it('serves the hashed assets for a year', async () => {
    const script = await app.inject(`/assets/${bundle.script}`);
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect(script.headers['cache-control']).toContain('immutable');
    const css = await app.inject(`/assets/${bundle.stylesheet}`);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);
    const missing = await app.inject('/assets/app-00000000.js');
    expect(missing.statusCode).toBe(404);
    const outside = await app.inject('/assets/..%2f..%2fpackage.json');
    expect(outside.statusCode).toBe(404);
  });

  it('answers a browser navigating to one of its own paths with the page', async () => {
    for (const url of ['/inbox', '/t/8d0f8f4e-0f5a-4a57-9e52-0f0a8c1e6d11', '/search?q=printer']) {
      const page = await app.inject({ url, headers: browserNavigation });
      expect(page.statusCode, url).toBe(200);
      expect(page.body).toContain('<div id="app">');
    }
  });

  it('leaves the API as it was: JSON 404s for unknown paths, JSON for its routes, no CSP on them', async () => {
    const unknown = await app.inject('/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toEqual({ code: 'not_found', message: 'no route GET /nothing-here' });
    const json = await app.inject({ url: '/nothing-here', headers: { accept: 'application/json' } });
    expect(json.statusCode).toBe(404);
    const post = await app.inject({ method: 'POST', url: '/inbox', headers: browserNavigation });
    expect(post.statusCode).toBe(404);
    expect(errorOf(post).code).toBe('not_found');
    // An API route opened in a browser is still the API route.
    const tickets = await app.inject({ url: '/tickets', headers: browserNavigation });
    expect(tickets.statusCode).toBe(401);
    expect(tickets.headers['content-type']).toMatch(/application\/json/);
    const health = await app.inject('/health');
    expect(health.statusCode).toBe(200);
    expect(health.headers['content-security-policy']).toBeUndefined();
    expect((await app.inject('/docs/')).statusCode).toBe(200);
  });

  it('is not served when turned off', async () => {
    const without = await h.buildApp({ web: false });
    expect((await without.inject({ url: '/', headers: browserNavigation })).statusCode).toBe(404);
  });
});
