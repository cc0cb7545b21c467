// The API with `POST /inbound` on an ingest harness: mail in through the real pipeline, ticket workflows on
// Temporal, PostgreSQL and the SMTP sink, for files that tell a story from the customer's first email.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildTestApp } from './api.js';
import { type IngestHarness, startIngestHarness } from './ingest-harness.js';

export interface InboundApi {
  h: IngestHarness;
  app: FastifyInstance;
  /** Delivers a raw email the way a mail server's pipe does. */
  inbound(raw: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startInboundApi(): Promise<InboundApi> {
  const secret = `inbound-secret-${randomUUID()}`;
  const h = await startIngestHarness();
  const app = await buildTestApp(h, { inbound: { secret, pipeline: h.pipeline, maxBytes: 1024 * 1024 } });
  return {
    h,
    app,
    inbound: (raw) =>
      app.inject({
        method: 'POST',
        url: '/inbound',
        payload: raw,
        headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${secret}` },
      }),
    async close() {
      await app.close();
      await h.close();
    },
  };
}

/** The file's inbound API, started before its tests and closed after them (fields set in beforeAll). */
export function useInboundApi(): InboundApi {
  const api = {} as InboundApi;
  beforeAll(async () => {
    Object.assign(api, await startInboundApi());
  }, 120_000);
  afterAll(() => api.close?.());
  return api;
}
