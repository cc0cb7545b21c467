// Found by tests/reliability/hostile-email: emails carrying the same file, ingested at the same time,
// shared one temporary file name; the first rename took it away and the others failed (ENOENT).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createFileStorage } from '../../src/storage/storage.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'insightdesk-storage-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

it('stores the same bytes from many concurrent writers, once, under one key', async () => {
  const storage = createFileStorage(root);
  const data = Buffer.from('the same attachment, sent by several customers at once');
  const results = await Promise.all(Array.from({ length: 20 }, () => storage.put('org', data)));
  expect(new Set(results.map((r) => r.key)).size).toBe(1);
  const key = results[0]!.key;
  expect(await readFile(path.join(root, key))).toEqual(data);
  // No temporary file is left behind.
  expect(await readdir(path.join(root, 'org'))).toEqual([key.split('/')[1]]);
});
