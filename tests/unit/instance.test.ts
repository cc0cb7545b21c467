import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { findRunningInstance, lockDataDir } from '../../src/instance.js';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'insightdesk-instance-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A process that is alive for the test's duration, standing in for another npm start. */
function otherProcess() {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

describe('DATA_DIR lock (instance.json)', () => {
  it('refuses a data folder a live process holds, naming the pid and the way out', async () => {
    const dir = fresh();
    const other = otherProcess();
    try {
      writeFileSync(
        join(dir, 'instance.json'),
        JSON.stringify({ pid: other.pid, databaseUrl: 'postgres://x@h/db' }),
      );
      const attempt = lockDataDir(dir, 'npm start');
      await expect(attempt).rejects.toThrow(ConfigError);
      await expect(attempt).rejects.toThrow(
        new RegExp(`is in use by another InsightDesk \\(pid ${other.pid}\\); stop it first, or set DATA_DIR`),
      );
      // The CLI, on the other hand, finds it and its database.
      expect(await findRunningInstance(dir)).toMatchObject({
        pid: other.pid,
        databaseUrl: 'postgres://x@h/db',
      });
    } finally {
      other.stop();
    }
  });

  it('takes over the file of a process that died, reporting the servers it had started', async () => {
    const dir = fresh();
    const dead = otherProcess();
    dead.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const leftover = otherProcess();
    try {
      writeFileSync(
        join(dir, 'instance.json'),
        JSON.stringify({
          pid: dead.pid,
          children: [
            { name: 'temporal', pid: leftover.pid },
            { name: 'postgres', pid: dead.pid },
          ],
        }),
      );
      expect(await findRunningInstance(dir)).toBeUndefined();
      const { lock, stale } = await lockDataDir(dir, 'npm start');
      // Only children still alive are worth stopping.
      expect(stale?.children).toEqual([{ name: 'temporal', pid: leftover.pid }]);
      await lock.publish({ databaseUrl: 'postgres://u:secret@127.0.0.1:5433/insightdesk' });
      expect(JSON.parse(readFileSync(join(dir, 'instance.json'), 'utf8'))).toMatchObject({
        pid: process.pid,
      });
      // It carries the database password: its owner only.
      expect(statSync(join(dir, 'instance.json')).mode & 0o077).toBe(0);
      await lock.release();
      expect(() => statSync(join(dir, 'instance.json'))).toThrow();
    } finally {
      leftover.stop();
    }
  });

  it('treats a file cut short by a crash as stale', async () => {
    const dir = fresh();
    writeFileSync(join(dir, 'instance.json'), '{"pid": 12');
    const { lock } = await lockDataDir(dir, 'npm start');
    await lock.release();
  });
});
