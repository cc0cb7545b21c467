// Builds the agents' web app (web/src, Preact + TypeScript) with esbuild into web/dist: index.html and
// content-hashed assets. Runs in `npm ci` (prepare) and before `npm start` when the bundle is missing.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('../web', import.meta.url));
export const WEB_DIST = path.join(WEB, 'dist');

export interface WebBundle {
  script: string;
  stylesheet: string;
  scriptBytes: number;
}

/** A fresh bundle in `outdir` (default web/dist). */
export async function buildWeb(outdir = WEB_DIST): Promise<WebBundle> {
  const assets = path.join(outdir, 'assets');
  await rm(outdir, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: [path.join(WEB, 'src/main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: 'app-[hash]',
    outdir: assets,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const script = Object.keys(result.metafile.outputs).find((f) => f.endsWith('.js'))!;
  const css = await readFile(path.join(WEB, 'src/styles.css'));
  const stylesheet = `app-${createHash('sha256').update(css).digest('hex').slice(0, 8)}.css`;
  await writeFile(path.join(assets, stylesheet), css);
  const scriptName = path.basename(script);
  const template = await readFile(path.join(WEB, 'index.html'), 'utf8');
  await writeFile(
    path.join(outdir, 'index.html'),
    template.replace('%SCRIPT%', `/assets/${scriptName}`).replace('%STYLESHEET%', `/assets/${stylesheet}`),
  );
  return { script: scriptName, stylesheet, scriptBytes: result.metafile.outputs[script]!.bytes };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const ifMissing = process.argv.includes('--if-missing');
  if (!(ifMissing && existsSync(path.join(WEB_DIST, 'index.html')))) {
    const started = Date.now();
    const bundle = await buildWeb();
    console.log(
      `web app built: web/dist (${(bundle.scriptBytes / 1024).toFixed(1)} kB of JavaScript) in ${Date.now() - started} ms`,
    );
  }
}
