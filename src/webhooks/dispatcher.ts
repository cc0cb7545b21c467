// Sends the webhook outbox: claims due deliveries, POSTs them (signed JSON, or Slack's message format),
// records the outcome and schedules retries with backoff. Runs in the worker process; several
// dispatchers may run at once (claims use SKIP LOCKED and a lease).
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/client.js';
import { claimDueDeliveries, type DueDelivery, recordDeliveryOutcome } from '../db/queries/webhooks.js';
import { isOutage } from '../errors.js';
import { allowedAddresses, type HostPolicy, HostRefusedError } from '../net/host-policy.js';
import { SIGNATURE_HEADER, signWebhookBody } from './signature.js';

/** Retry n (1-based) waits 2^(n-1) s, at most an hour; after `MAX_ATTEMPTS` the delivery has failed. */
export const MAX_ATTEMPTS = 12;
export function retryDelayMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1) * 1000, 60 * 60 * 1000);
}

export interface WebhookDispatcherOptions {
  db: DatabaseHandle;
  /** The private-network rule of mailbox hosts applies to webhook URLs too. */
  hostPolicy: HostPolicy;
  log: Logger;
  pollIntervalMs?: number;
  requestTimeoutMs?: number;
  batchSize?: number;
}

/** What an HTTP POST came to: a status code, or why there was none. */
type PostResult = { statusCode: number; error?: undefined } | { statusCode: null; error: string };

/** Slack's incoming webhooks take `{ text }`; the event says what happened to which ticket. */
export function slackMessage(payload: Record<string, unknown>): { text: string } {
  const data = payload.data as {
    ticket?: { number?: number; title?: string };
    details?: { slaKind?: string };
  };
  const ticket = `#${data.ticket?.number ?? '?'} ${data.ticket?.title ?? ''}`.trim();
  if (payload.type === 'sla.breached') {
    const kind = (data.details?.slaKind ?? 'SLA').replaceAll('_', ' ');
    return { text: `SLA breached (${kind}) on ticket ${ticket}` };
  }
  return { text: `New ticket ${ticket}` };
}

function bodyOf(delivery: DueDelivery): string {
  return JSON.stringify(delivery.format === 'slack' ? slackMessage(delivery.payload) : delivery.payload);
}

async function post(delivery: DueDelivery, policy: HostPolicy, timeoutMs: number): Promise<PostResult> {
  let url: URL;
  try {
    url = new URL(delivery.url);
  } catch {
    return { statusCode: null, error: 'invalid URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return { statusCode: null, error: 'not an http(s) URL' };
  let pinned: string | undefined;
  try {
    // Resolved and checked now, then connected to that address: DNS cannot point it elsewhere meanwhile.
    const [address] = await allowedAddresses(url.hostname, policy);
    if (address && isIP(address)) pinned = address;
  } catch (error) {
    if (error instanceof HostRefusedError) return { statusCode: null, error: error.message };
    throw error;
  }
  const body = bodyOf(delivery);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'InsightDesk-Webhooks/1',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (delivery.format === 'signed') {
    headers['x-insightdesk-event'] = delivery.eventType;
    headers['x-insightdesk-event-id'] = delivery.eventId;
    headers['x-insightdesk-delivery'] = delivery.id;
    if (delivery.secret)
      headers[SIGNATURE_HEADER] = signWebhookBody(delivery.secret, body, Math.floor(Date.now() / 1000));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers,
        timeout: timeoutMs,
        ...(pinned
          ? {
              lookup: ((_host, options, done) => {
                const family = isIP(pinned!);
                if (options.all) done(null, [{ address: pinned!, family }]);
                else done(null, pinned!, family);
              }) as LookupFunction,
            }
          : {}),
      },
      (response) => {
        // Redirects are not followed: the receiver's answer is its status.
        response.resume();
        response.on('end', () => resolve({ statusCode: response.statusCode ?? 0 }));
        response.on('error', (error) => resolve({ statusCode: null, error: error.message }));
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ statusCode: null, error: error.message }));
    request.end(body);
  });
}

export function startWebhookDispatcher(options: WebhookDispatcherOptions) {
  const { db, hostPolicy, log } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const batchSize = options.batchSize ?? 20;
  // A claim outlives the slowest request of a batch sent in parallel.
  const leaseMs = timeoutMs * 3;
  let stopped = false;
  let wake: (() => void) | undefined;
  // An outage is said once when it starts, not every round (the leases keep the claims safe meanwhile).
  let unreachable = false;

  async function deliver(delivery: DueDelivery) {
    const result = await post(delivery, hostPolicy, timeoutMs);
    if (result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300) {
      await recordDeliveryOutcome(db.adminDb, delivery.id, {
        delivered: true,
        statusCode: result.statusCode,
      });
      return;
    }
    const error = result.error ?? `answered ${result.statusCode}`;
    const retryAt =
      delivery.attempts >= MAX_ATTEMPTS ? null : new Date(Date.now() + retryDelayMs(delivery.attempts));
    await recordDeliveryOutcome(db.adminDb, delivery.id, {
      delivered: false,
      statusCode: result.statusCode,
      error,
      retryAt,
    });
    log.warn(
      { deliveryId: delivery.id, eventType: delivery.eventType, error, retryAt },
      'webhook delivery failed',
    );
  }

  const loop = (async () => {
    while (!stopped) {
      let claimed: DueDelivery[] = [];
      try {
        claimed = await claimDueDeliveries(db.adminDb, batchSize, leaseMs);
        await Promise.all(claimed.map(deliver));
        unreachable = false;
      } catch (error) {
        // PostgreSQL away: the claims' leases run out and the next round (or dispatcher) takes them.
        if (!isOutage(error)) log.warn({ err: error }, 'webhook dispatch round failed');
        else if (!unreachable) log.warn('webhooks: the database is unreachable; retrying every round');
        unreachable = isOutage(error);
      }
      if (claimed.length < batchSize && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, pollIntervalMs);
        });
      }
    }
  })();

  return {
    /** Finishes the round in flight (its requests time out at worst) and stops. */
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
