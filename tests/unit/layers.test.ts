// Layers only point down: the domain's words and rules import nothing of ours but each other, and the
// database layer imports only the domain, the foundation beside it (config, errors, logger, the data
// directory's instance lock) and the workflows' message definitions (plain JSON types that cross between
// workflow, activities and callers, stored as they are). Reads the source files' imports.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Each relative import of a file, as a path under src (e.g. 'workflows/contracts.ts'). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((match) =>
    relative(src, resolve(dirname(file), match[1]!)).replace(/\.js$/, '.ts'),
  );
}

function upwardImports(layer: string, allowed: (target: string) => boolean): string[] {
  return sourceFiles(join(src, layer)).flatMap((file) =>
    importsOf(file)
      .filter((target) => !allowed(target))
      .map((target) => `${relative(src, file)} → ${target}`),
  );
}

describe('layers', () => {
  it('finds the imports it checks', () => {
    expect(importsOf(join(src, 'db/queries/attachments.ts'))).toContain('domain/storage-key.ts');
  });

  it('keeps the domain free of every other layer', () => {
    expect(upwardImports('domain', (target) => target.startsWith('domain/'))).toEqual([]);
  });

  it('lets the database layer import only itself, the domain, the foundation and the workflow message definitions', () => {
    const foundation = ['config.ts', 'errors.ts', 'logger.ts', 'instance.ts', 'workflows/contracts.ts'];
    const allowed = (target: string) =>
      target.startsWith('db/') || target.startsWith('domain/') || foundation.includes(target);
    expect(upwardImports('db', allowed)).toEqual([]);
  });
});
