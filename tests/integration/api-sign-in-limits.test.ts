// Sign-in under attack (issue #12): limits per client address and per account, counted in PostgreSQL so
// every API process shares them; which proxies may name the client (API_TRUST_PROXY); no copy of a
// credential in any cache (Cache-Control: no-store); no secret of a URL in the request log.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/app.js';
import { hashPassword } from '../../src/api/auth/passwords.js';
import { users } from '../../src/db/schema/index.js';
import { createApiFixture, errorOf, freshClientAddress, logCapture, useApiHarness } from '../support/api.js';
import { TEST_SURVEY_LINKS } from '../support/ticket-harness.js';

const h = useApiHarness();
const PASSWORD = 'the right password';

/** An agent of a fresh organisation with a password, so each test guesses at an account of its own. */
async function victim() {
  const f = await createApiFixture(h.db, 'Guessed');
  await h.db.adminDb
    .update(users)
    .set({ passwordHash: await hashPassword(PASSWORD) })
    .where(eq(users.id, f.agent.id));
  return f.agent.email;
}

const login = (
  app: Api,
  email: string,
  password: string,
  from: { remoteAddress?: string; forwardedFor?: string },
) =>
  app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { email, password },
    remoteAddress: from.remoteAddress ?? freshClientAddress(),
    headers: from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {},
  });

function expectLimited(response: LightMyRequestResponse) {
  expect(response.statusCode).toBe(429);
  expect(errorOf(response).code).toBe('rate_limited');
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  expect(response.body).not.toContain('idk_');
}

describe('login limit per account', () => {
  it('stops guesses spread over many addresses and two API processes, the right password included', async () => {
    const email = await victim();
    const [one, two] = [
      await h.buildApp({ login: { maxPerMinute: 5, maxPerAccount: 6 } }),
      await h.buildApp({ login: { maxPerMinute: 5, maxPerAccount: 6 } }),
    ];
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      // Every guess from a new address, alternating between the two processes.
      statuses.push((await login(i % 2 ? two : one, email, `guess ${i}`, {})).statusCode);
    }
    expect(statuses.slice(0, 6)).toEqual(Array(6).fill(401));
    expect(new Set(statuses.slice(6))).toEqual(new Set([429]));
    const right = await login(one, email, PASSWORD, {});
    expectLimited(right);
    expect(errorOf(right).message).toMatch(/this account/);
    // Other accounts are not affected.
    expect((await login(two, await victim(), PASSWORD, {})).statusCode).toBe(201);
  });

  it('counts emails as the same account whatever their case', async () => {
    const email = await victim();
    const app = await h.buildApp({ login: { maxPerMinute: 100, maxPerAccount: 2 } });
    expect((await login(app, email, 'a', {})).statusCode).toBe(401);
    expect((await login(app, email.toUpperCase(), 'b', {})).statusCode).toBe(401);
    expectLimited(await login(app, ` ${email}`.trim(), PASSWORD, {}));
  });
});

describe('login limit per client address', () => {
  it('is shared by two API processes on one database', async () => {
    const [one, two] = [
      await h.buildApp({ login: { maxPerMinute: 4, maxPerAccount: 100 } }),
      await h.buildApp({ login: { maxPerMinute: 4, maxPerAccount: 100 } }),
    ];
    const remoteAddress = freshClientAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const email = `nobody-${randomUUID()}@example.test`;
      statuses.push((await login(i % 2 ? two : one, email, 'guess', { remoteAddress })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
    expectLimited(await login(one, await victim(), PASSWORD, { remoteAddress }));
  });

  it('covers invitation acceptance, in every process', async () => {
    const [one, two] = [
      await h.buildApp({ login: { maxPerMinute: 2, maxPerAccount: 100 } }),
      await h.buildApp({ login: { maxPerMinute: 2, maxPerAccount: 100 } }),
    ];
    const remoteAddress = freshClientAddress();
    const accept = (app: Api) =>
      app.inject({
        method: 'POST',
        url: '/invitations/accept',
        payload: { token: `idi_${randomUUID()}`, name: 'Guesser' },
        remoteAddress,
      });
    expect((await accept(one)).statusCode).toBe(404);
    expect((await accept(two)).statusCode).toBe(404);
    expectLimited(await accept(one));
    expectLimited(await accept(two));
  });
});

describe('API_TRUST_PROXY', () => {
  const PROXY = '10.20.30.40';

  it('an untrusted peer cannot pick its address with X-Forwarded-For', async () => {
    const app = await h.buildApp({
      trustProxy: [`${PROXY}/32`],
      login: { maxPerMinute: 5, maxPerAccount: 1000 },
    });
    const remoteAddress = freshClientAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const email = `nobody-${randomUUID()}@example.test`;
      const forwardedFor = `203.0.113.${i + 1}`;
      statuses.push((await login(app, email, 'guess', { remoteAddress, forwardedFor })).statusCode);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
    expectLimited(
      await login(app, await victim(), PASSWORD, { remoteAddress, forwardedFor: '203.0.113.99' }),
    );
  });

  it('from a trusted proxy, the forwarded address is the client', async () => {
    const app = await h.buildApp({
      trustProxy: [`${PROXY}/32`],
      login: { maxPerMinute: 2, maxPerAccount: 1000 },
    });
    const attacker = freshClientAddress();
    for (let i = 0; i < 2; i++) {
      const email = `nobody-${randomUUID()}@example.test`;
      expect(
        (await login(app, email, 'guess', { remoteAddress: PROXY, forwardedFor: attacker })).statusCode,
      ).toBe(401);
    }
    expectLimited(
      await login(app, 'x@example.test', 'guess', { remoteAddress: PROXY, forwardedFor: attacker }),
    );
    // Someone else behind the same proxy is another client; a forged hop before the proxy's changes nothing.
    const colleague = freshClientAddress();
    expect(
      (await login(app, await victim(), PASSWORD, { remoteAddress: PROXY, forwardedFor: colleague }))
        .statusCode,
    ).toBe(201);
    expectLimited(
      await login(app, 'x@example.test', 'guess', {
        remoteAddress: PROXY,
        forwardedFor: `1.2.3.4, ${attacker}`,
      }),
    );
  });

  it('a hop count trusts that many proxies in front of the API', async () => {
    const app = await h.buildApp({ trustProxy: 1, login: { maxPerMinute: 1, maxPerAccount: 1000 } });
    const proxy = freshClientAddress();
    const [client, other] = [freshClientAddress(), freshClientAddress()];
    const via = (forwardedFor: string) => ({ remoteAddress: proxy, forwardedFor });
    expect((await login(app, 'a@example.test', 'guess', via(`192.0.2.1, ${client}`))).statusCode).toBe(401);
    // The entry the proxy appended is the client; what the client wrote before it (192.0.2.x) is not.
    expectLimited(await login(app, 'b@example.test', 'guess', via(`192.0.2.2, ${client}`)));
    expect((await login(app, 'c@example.test', 'guess', via(`${client}, ${other}`))).statusCode).toBe(401);
  });
});

describe('Cache-Control', () => {
  it('is no-store on tokens from login and invitations, on errors and on every API answer', async () => {
    const email = await victim();
    const ok = await login(h.app, email, PASSWORD, {});
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['cache-control']).toBe('no-store');
    const wrong = await login(h.app, email, 'wrong', {});
    expect(wrong.headers['cache-control']).toBe('no-store');
    const accept = await h.app.inject({
      method: 'POST',
      url: '/invitations/accept',
      payload: { token: 'idi_x', name: 'I' },
    });
    expect(accept.headers['cache-control']).toBe('no-store');
    for (const url of ['/health', '/openapi.json', `/csat/${randomUUID()}.x`, '/no-such-route']) {
      expect((await h.app.inject(url)).headers['cache-control'], url).toBe('no-store');
    }
  });
});

describe('request log', () => {
  it('holds no survey link signature nor token, code or state of a query', async () => {
    const captured = logCapture();
    const app = await h.buildApp({ logger: { level: 'info', stream: captured.stream } });
    const survey = TEST_SURVEY_LINKS.url(randomUUID()).split('/csat/')[1]!;
    const secrets = [
      survey.split('.')[1]!,
      `tok${randomUUID()}`,
      `code${randomUUID()}`,
      `state${randomUUID()}`,
    ];
    await app.inject(`/csat/${survey}`);
    await app.inject({ method: 'POST', url: `/csat/${survey}`, payload: { rating: 5 } });
    await app.inject(`//CSAT/${survey}`);
    await app.inject(`/auth/verify?token=${secrets[1]}&next=%2Fhome`);
    await app.inject(`/auth/oauth/callback?code=${secrets[2]}&state=${secrets[3]}`);
    await app.inject(`/auth/oauth/callback?%74oken=${secrets[1]}&access_token=${secrets[1]}`);
    const log = captured.text();
    expect(log).toContain('/csat/[redacted]');
    expect(log).toContain('token=[redacted]&next=%2Fhome');
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});
