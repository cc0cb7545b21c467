import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';

/** Where attachment and raw-message bytes live; files under DATA_DIR by default. */
export interface Storage {
  /** Stores bytes under a content-addressed key (`<scope>/<sha256>`); identical bytes share one file. */
  put(scope: string, data: Buffer): Promise<{ key: string; sha256: string; size: number }>;
  /** A stream of the stored bytes, or null when the key is unknown. */
  open(key: string): Promise<{ stream: Readable; size: number } | null>;
}

const SAFE_SEGMENT = /^[A-Za-z0-9_-]+$/;

export function createFileStorage(root: string): Storage {
  const base = resolve(root);
  // Keys come back from the database and URLs: refuse anything that could leave the storage folder.
  const pathOf = (key: string) => {
    const segments = key.split('/');
    if (segments.length !== 2 || !segments.every((s) => SAFE_SEGMENT.test(s)))
      throw new Error(`invalid storage key ${key}`);
    const full = resolve(base, ...segments);
    if (!full.startsWith(base + sep)) throw new Error(`invalid storage key ${key}`);
    return full;
  };
  return {
    async put(scope, data) {
      const sha256 = createHash('sha256').update(data).digest('hex');
      const key = `${scope}/${sha256}`;
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Write then rename: a crash never leaves a half-written file under the final name. The temporary
      // name is unique per write: two emails carrying the same file at once must not share (and so
      // rename away) each other's temporary file.
      const tmp = join(dirname(path), `.${sha256}.${randomUUID()}.tmp`);
      await writeFile(tmp, data);
      await rename(tmp, path);
      return { key, sha256, size: data.length };
    },
    async open(key) {
      let path: string;
      try {
        path = pathOf(key);
      } catch {
        return null;
      }
      const info = await stat(path).catch(() => null);
      if (!info?.isFile()) return null;
      return { stream: createReadStream(path), size: info.size };
    },
  };
}
