import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { createTicket, listTickets } from '../../src/db/queries/tickets.js';
import { createOrganizationFixture } from '../support/db.js';

// `npm start` with no DATABASE_URL runs on PGlite: the same migrations, roles and policies must hold there.
describe('embedded database (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'insightdesk-pglite-'));
  let db: DatabaseHandle;

  beforeAll(async () => {
    db = await openDatabase({ url: undefined, dataDir: dir });
    await db.migrate();
  }, 120_000);
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
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

  it('survives a restart with its data', async () => {
    const f = await createOrganizationFixture(db, 'Persist');
    await db.close();
    db = await openDatabase({ url: undefined, dataDir: dir });
    await db.migrate();
    const rows = await db.withTenant({ organizationId: f.org.id }, (tx) => tx.query.organizations.findMany());
    expect(rows.map((o) => o.id)).toEqual([f.org.id]);
  });
});
