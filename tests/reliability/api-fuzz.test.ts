// Hostile API input (issue #7): schemathesis generates requests for every operation of /openapi.json —
// valid ones, and ones that break the schema (wrong types, missing fields, NUL bytes, huge numbers, odd
// strings) — and sends them with an owner's token to the real API on PostgreSQL and Temporal. No response
// may be a 5xx, and every response must be documented: its status code, its content type and its body
// (errors in the shared `{ error: { code, message, details? } }` shape). Nothing is excluded: `POST /inbound`
// (the mail provider's webhook, with its own secret) is only served, and documented, when configured, and
// this app is not. Routes that could lock the fuzzer out act on throwaway members and tokens (see `seed`).
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type ApiFixture,
  addMember,
  as,
  createApiFixture,
  documentedOperations,
  tokenFor,
  useApiHarness,
} from '../support/api.js';
import { printFigures, scaled } from './profile.js';

const SCHEMATHESIS = path.resolve('.tools/bin/schemathesis');
const REPORT_DIR = path.resolve('data/test/api-fuzz');

const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];

const run = scaled({
  ci: { maxExamples: 40, timeLimitMs: 200_000 },
  full: { maxExamples: 300, timeLimitMs: 1_500_000 },
});
const SEED = 20_240_607;

// `GET /events` is a stream: here it ends after half a second, so each generated request gets its answer.
const h = useApiHarness({ eventStreamMs: 500 });

/** An id route's `{id}`, fixed to a seeded row; `method` limits it to one method (DELETE gets spares). */
type Pinned = { path: string; method?: 'DELETE'; id: string };

/**
 * Rows for the fuzzer to work on, as the `{id}` of each id route: schemathesis cannot guess ids, and
 * without them every id route would only ever answer 404 before reaching its logic. Each DELETE gets a
 * spare row of its own, so deleting does not leave the other methods of its route with nothing.
 */
async function seed(f: ApiFixture): Promise<Pinned[]> {
  const owner = as(h.app, f.tokens.owner);
  const created = async (url: string, body: Record<string, unknown>) => {
    const response = await owner.post(url, body);
    expect(response.statusCode, `${url}: ${response.body}`).toBe(201);
    return (response.json() as { id: string }).id;
  };
  const ticket = await created('/tickets', {
    customer: { email: 'casey@customer.test', name: 'Casey' },
    title: 'Printer jammed',
    description: 'It jams on every page',
    tags: ['vip'],
  });
  const reply = await owner.post(`/tickets/${ticket}/messages`, {
    content: 'Have you tried turning it off?',
    attachments: [{ filename: 'steps.txt', mimeType: 'text/plain', contentBase64: btoa('off, on') }],
  });
  await created(`/tickets/${ticket}/messages`, { content: 'Checked the tray', internal: true });
  const category = await created('/categories', { name: 'Billing' });
  await created('/categories', { name: 'Refunds', parentId: category });

  const rows: Record<string, (n: number) => Promise<string>> = {
    '/categories/{id}': (n) => created('/categories', { name: `Category ${n}` }),
    '/tags/{id}': (n) => created('/tags', { name: `tag-${n}`, colour: '#aa3300' }),
    '/canned-responses/{id}': (n) =>
      created('/canned-responses', {
        title: `Greeting ${n}`,
        content: 'Hello {{customer.name}}',
        shortcut: `/hi${n}`,
      }),
    '/saved-filters/{id}': (n) =>
      created('/saved-filters', { name: `Urgent ${n}`, query: { priority: ['urgent'] }, shared: true }),
    '/sla-policies/{id}': (n) =>
      created('/sla-policies', {
        name: `Urgent ${n}`,
        priority: 'urgent',
        firstResponseTime: 30,
        nextResponseTime: 60,
        resolutionTime: 240,
        businessHoursOnly: false,
        isDefault: n === 1,
      }),
    '/mailboxes/{id}': (n) =>
      created('/mailboxes', {
        name: `Support ${n}`,
        address: `support-${n}@fuzz.test`,
        imapHost: 'imap.fuzz.test',
        imapPort: 993,
        imapUser: 'support',
        imapPassword: 'imap-secret-value',
        smtpHost: 'smtp.fuzz.test',
      }),
    '/invitations/{id}': (n) => created('/invitations', { email: `invitee-${n}@fuzz.test`, role: 'agent' }),
    // The fuzzer's own membership and token must outlive the run: role changes, removal and revocation
    // answer on throwaway members and tokens (and a member promoted to owner is not the fuzzer's owner).
    '/members/{id}': async (n) => (await addMember(h.db, f, `Rory Removable ${n}`, 'agent')).id,
    '/tokens/{id}': async () => {
      const token = await tokenFor(h.db, f, f.agent);
      return ((await as(h.app, token).get('/me')).json() as { token: { id: string } }).token.id;
    },
  };
  const pinned: Pinned[] = [
    { path: '/tickets/{id}', id: ticket },
    { path: '/tickets/{id}/messages', id: ticket },
    { path: '/attachments/{id}', id: (reply.json() as { attachments: { id: string }[] }).attachments[0]!.id },
    { path: '/tags/{id}/merge', id: await rows['/tags/{id}']!(3) },
  ];
  for (const [path, create] of Object.entries(rows)) {
    pinned.push({ path, id: await create(1) }, { path, method: 'DELETE', id: await create(2) });
  }
  // The plan allows two mailboxes: verification emails go to the one that is kept.
  const keptMailbox = pinned.find((p) => p.path === '/mailboxes/{id}' && !p.method)!;
  pinned.push({ path: '/mailboxes/{id}/verification', id: keptMailbox.id });
  return pinned;
}

/** schemathesis.toml: each id route's `{id}` fixed to its seeded row. */
const configFile = (pinned: Pinned[]) =>
  pinned
    .map((p) =>
      [
        '[[operations]]',
        `include-path = "${p.path}"`,
        p.method ? `include-method = "${p.method}"` : 'exclude-method = "DELETE"',
        `parameters = { "path.id" = "${p.id}" }`,
      ].join('\n'),
    )
    .join('\n\n');

interface Outcome {
  exitCode: number | null;
  timedOut: boolean;
  output: string;
}

function runSchemathesis(args: string[], timeLimitMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { cwd: REPORT_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, timeLimitMs);
    child.on('error', (error) =>
      reject(new Error(`${SCHEMATHESIS}: ${error.message} (bash scripts/setup-tools.sh installs it)`)),
    );
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, timedOut, output });
    });
  });
}

interface ScenarioFinished {
  recorder: {
    label: string;
    checks?: Record<string, { name: string; status: string }[]>;
    interactions?: Record<string, { response: { status_code: number } | null }>;
  };
}

/** Figures from schemathesis' NDJSON event stream: one `ScenarioFinished` per batch of test cases. */
async function summarise(ndjsonPath: string) {
  const scenarios = (await readFile(ndjsonPath, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { ScenarioFinished?: ScenarioFinished })
    .flatMap((event) => (event.ScenarioFinished ? [event.ScenarioFinished.recorder] : []));
  const statuses = scenarios.flatMap((r) =>
    Object.values(r.interactions ?? {}).map((i) => i.response?.status_code ?? 0),
  );
  const failed = scenarios.flatMap((r) =>
    Object.values(r.checks ?? {}).flatMap((checks) =>
      checks.filter((c) => c.status === 'failure').map((c) => `${r.label}: ${c.name}`),
    ),
  );
  return {
    operations: new Set(scenarios.map((r) => r.label)).size,
    requests: statuses.length,
    serverErrors: statuses.filter((status) => status >= 500).length,
    clientErrors: statuses.filter((status) => status >= 400 && status < 500).length,
    failed,
  };
}

describe('API fuzzing (schemathesis)', () => {
  it(`every operation, ${run.maxExamples} examples each: no 5xx, every response as documented`, async () => {
    const f = await createApiFixture(h.db, 'Fuzz');
    const pinned = await seed(f);
    await rm(REPORT_DIR, { recursive: true, force: true });
    await mkdir(REPORT_DIR, { recursive: true });
    await writeFile(path.join(REPORT_DIR, 'schemathesis.toml'), configFile(pinned));

    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const started = performance.now();
    const outcome = await runSchemathesis(
      [
        '--config-file',
        'schemathesis.toml',
        'run',
        `http://127.0.0.1:${port}/openapi.json`,
        '--header',
        `Authorization: Bearer ${f.tokens.owner}`,
        '--checks',
        CHECKS.join(','),
        // Not `stateful`: it chains calls through OpenAPI links, which this document has none of.
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        String(run.maxExamples),
        '--seed',
        String(SEED),
        // The API under test shares the 2 cores with schemathesis.
        '--workers',
        '1',
        '--generation-database',
        'none',
        '--report',
        'ndjson',
        '--report-dir',
        REPORT_DIR,
        '--no-color',
      ],
      run.timeLimitMs,
    );
    const wallSeconds = (performance.now() - started) / 1000;
    const [ndjson] = (await readdir(REPORT_DIR)).filter((name) => name.endsWith('.ndjson'));
    const figures = await summarise(path.join(REPORT_DIR, ndjson!));
    const violations = figures.failed.filter((f) => !f.endsWith('not_a_server_error'));
    const documented = (await documentedOperations(h.app)).length;
    printFigures('API fuzzing (schemathesis)', {
      'operations tested': `${figures.operations} of ${documented}`,
      'requests made': figures.requests,
      'max examples per operation': run.maxExamples,
      'answered 4xx': figures.clientErrors,
      '5xx responses': figures.serverErrors,
      'schema violations (status, content type, body)': violations.length,
      'wall time': `${wallSeconds.toFixed(0)} s`,
    });
    // The report names each failing case with a curl command to reproduce it.
    if (outcome.exitCode !== 0) console.log(outcome.output);
    expect(outcome.timedOut, 'schemathesis ran over its time limit').toBe(false);
    expect(figures.operations).toBe(documented);
    expect(figures.serverErrors).toBe(0);
    expect([...new Set(figures.failed)]).toEqual([]);
    expect(outcome.exitCode).toBe(0);
  });
});
