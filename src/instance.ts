// The running `npm start` of a DATA_DIR: a lock file, `DATA_DIR/instance.json`, that keeps a second
// start off the same data and tells the CLI and the separate processes where the embedded PostgreSQL
// and the local Temporal dev server listen.
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from './config.js';

export interface InstanceInfo {
  pid: number;
  /** Present once the database is up (it carries the password: the file is readable by its owner only). */
  databaseUrl?: string;
  /** Present once the Temporal server is known. */
  temporalAddress?: string;
  temporalUiUrl?: string;
  apiUrl?: string;
  /** Child servers this instance started, so a start after a crash can stop them. */
  children?: { name: string; pid: number }[];
}

export interface InstanceLock {
  /** Adds what the instance now knows (addresses) to the file. */
  publish(update: Omit<Partial<InstanceInfo>, 'pid'>): Promise<void>;
  release(): Promise<void>;
}

const lockPath = (dataDir: string) => join(dataDir, 'instance.json');

/** Whether a process of this id runs (EPERM: it does, as another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readInstance(dataDir: string): Promise<InstanceInfo | undefined> {
  const text = await readFile(lockPath(dataDir), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const info = JSON.parse(text) as InstanceInfo;
    return Number.isInteger(info.pid) ? info : undefined;
  } catch {
    return undefined; // a file cut short by a crash while it was written: treated as stale
  }
}

/**
 * Takes DATA_DIR for this process, or refuses (one line) when another live process holds it. A file
 * left by a process that died is taken over; the servers it had started are returned so the caller can
 * stop them before using their ports and data.
 */
export async function lockDataDir(
  dataDir: string,
  holder: string,
): Promise<{ lock: InstanceLock; stale?: InstanceInfo }> {
  await mkdir(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const mine: InstanceInfo = { pid: process.pid };
  let stale: InstanceInfo | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(path, JSON.stringify(mine), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
    }
    const other = await readInstance(dataDir);
    if (other && other.pid !== process.pid && isAlive(other.pid)) {
      throw new ConfigError(
        `DATA_DIR ${resolve(dataDir)} is in use by another InsightDesk (pid ${other.pid}); stop it first, or set DATA_DIR to another folder to run a second one (${holder} refused)`,
      );
    }
    stale = other;
    await unlink(path).catch(() => undefined);
  }
  const write = async () => {
    // Written to a temporary file and renamed: a reader never sees half a file.
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(mine), { mode: 0o600 });
    await rename(temporary, path);
  };
  return {
    stale: stale && { ...stale, children: stale.children?.filter((child) => isAlive(child.pid)) },
    lock: {
      async publish(update) {
        Object.assign(mine, update);
        await write();
      },
      async release() {
        const current = await readInstance(dataDir);
        if (current?.pid === process.pid) await unlink(path).catch(() => undefined);
      },
    },
  };
}

/** The live instance of DATA_DIR, if one runs and has published its database. */
export async function findRunningInstance(dataDir: string): Promise<InstanceInfo | undefined> {
  const info = await readInstance(dataDir);
  return info && info.pid !== process.pid && isAlive(info.pid) && info.databaseUrl ? info : undefined;
}
