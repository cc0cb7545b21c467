// `npm run bench:temporal-sqlite [-- N rounds]`: bare workflow starts per second on the local Temporal dev
// server's SQLite store under each synchronous setting (WAL in all of them, the journal default as the
// reference), interleaved in rounds on fresh stores in the same run, so a shared machine's load falls on
// every setting alike. No worker: a start is the server's write of the new workflow's history.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer } from '../src/temporal/dev-server.js';
import { inBatches } from './support.js';

const starts = Number(process.argv[2] ?? 600);
const rounds = Number(process.argv[3] ?? 3);
const CONCURRENCY = 20;

const settings: Record<string, Record<string, string>> = {
  'default journal (reference)': { journal_mode: 'delete', synchronous: 'full' },
  'wal + synchronous=normal': { journal_mode: 'wal', synchronous: 'normal' },
  'wal + synchronous=off': { journal_mode: 'wal', synchronous: 'off' },
};

async function measure(pragmas: Record<string, string>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'insightdesk-sqlite-bench-'));
  const server = await startTemporalDevServer({ dataDir: dir, sqlitePragmas: pragmas, sdkFallback: false });
  const connection = await Connection.connect({ address: server.address });
  try {
    const client = new Client({ connection });
    const began = performance.now();
    await inBatches(
      Array.from({ length: starts }, (_, i) => i),
      CONCURRENCY,
      (i) =>
        client.workflow.start('bareWorkflow', {
          workflowId: `bare-${i}`,
          taskQueue: 'nobody-polls',
          args: [],
        }),
    );
    return starts / ((performance.now() - began) / 1000);
  } finally {
    await connection.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<string, number[]> = Object.fromEntries(Object.keys(settings).map((name) => [name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const [name, pragmas] of Object.entries(settings)) {
    const rate = await measure(pragmas);
    results[name]!.push(rate);
    console.log(`round ${round}: ${name}: ${rate.toFixed(1)} starts/s`);
  }
}
console.log(
  `\n${starts} bare workflow starts, ${CONCURRENCY} in flight, ${rounds} rounds (median, min–max):`,
);
for (const [name, rates] of Object.entries(results)) {
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(
    `  ${name.padEnd(28)} ${median.toFixed(1)} starts/s  (${sorted[0]!.toFixed(1)}–${sorted.at(-1)!.toFixed(1)})`,
  );
}
