// Shared set-up for benchmarks: real PostgreSQL (the private test cluster) and a real Temporal dev server.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import { startTemporalDevServer, type TemporalDevServer } from '../src/temporal/dev-server.js';
import { createMigratedDatabase, dropDatabase, startTestCluster } from '../tests/support/postgres.js';

export interface BenchServices {
  db: DatabaseHandle;
  /** The benchmark database's owner URL. */
  url: string;
  temporal: TemporalDevServer;
  dir: string;
  close(): Promise<void>;
}

export async function startBenchServices(name: string, poolSize = 20): Promise<BenchServices> {
  const dir = mkdtempSync(join(tmpdir(), `insightdesk-${name}-`));
  const cluster = await startTestCluster();
  const database = `insightdesk_bench_${name}`;
  const url = await createMigratedDatabase(cluster.serverUrl, database);
  const db = await openDatabase({ url, poolSize });
  const temporal = await startTemporalDevServer({
    dataDir: join(dir, 'temporal'),
    sdkFallback: false,
    pathEnv: process.env.PATH,
  });
  return {
    db,
    url,
    temporal,
    dir,
    async close() {
      await temporal.stop();
      await db.close();
      await dropDatabase(cluster.serverUrl, database);
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Samples this process's resident memory until stopped; returns the peak in MiB. */
export function sampleMemory(everyMs = 200) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
    },
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** A customer's plain-text email `i`; with `replyTo`, a reply to that Message-ID quoting our answer. */
export function benchEmail(
  i: number,
  from: string,
  to: string,
  replyTo?: string,
): { raw: string; id: string } {
  const id = `bench-${i}-${randomUUID()}@customer.bench`;
  const raw = [
    `From: Customer ${i} <${from}>`,
    `To: ${to}`,
    `Subject: ${replyTo ? 'Re: ' : ''}Order ${i} has not arrived`,
    'Date: Tue, 01 Apr 2025 10:00:00 +0000',
    `Message-ID: <${id}>`,
    ...(replyTo ? [`In-Reply-To: <${replyTo}>`, `References: <${replyTo}>`] : []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello, my order ${i} was due last week and has not arrived yet. Could you check where it is?`,
    '',
    'Thanks,',
    `Customer ${i}`,
    ...(replyTo ? ['', 'On Tue, 1 Apr 2025, Support wrote:', '> We are looking into it.'] : []),
    '',
  ].join('\r\n');
  return { raw, id };
}
