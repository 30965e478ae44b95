#!/usr/bin/env node
// build.mjs — bundles the web front end with esbuild.
//
//   node web/build.mjs [--outdir DIR] [--dev]
//
// Writes DIR (default web/dist): index.html (from web/index.html) and
// assets/app-HASH.js + assets/app-HASH.css (content-hashed: the server caches
// /assets/* for a year). DIR is emptied first. Prints the gzipped sizes and fails
// when the JavaScript is over the budget (150 KB gzipped). CMake runs this with
// --outdir BUILD/web-dist and embeds that directory into the binary.
import * as esbuild from 'esbuild';
import { gzipSync } from 'node:zlib';
import { mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const BUDGET_JS_GZ = 150 * 1024;

const args = process.argv.slice(2);
let outdir = join(HERE, 'dist');
let dev = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--outdir' && args[i + 1]) outdir = resolve(args[++i]);
  else if (args[i] === '--dev') dev = true;
  else {
    console.error(`build.mjs: unknown argument ${args[i]}\nusage: node web/build.mjs [--outdir DIR] [--dev]`);
    process.exit(2);
  }
}

const result = await esbuild.build({
  absWorkingDir: HERE,
  entryPoints: { app: 'src/main.jsx' },
  bundle: true,
  minify: !dev,
  sourcemap: false,
  format: 'iife',
  target: ['es2019', 'chrome80', 'firefox78', 'safari13'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: 'assets',
  write: false,
  legalComments: 'none',
  charset: 'utf8',
  // Leaflet's CSS names images (layer switcher, default marker) the maps do not use
  loader: { '.png': 'empty' },
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
});

// write into a sibling temporary directory, then swap it in
const tmp = `${outdir}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(join(tmp, 'assets'), { recursive: true });
let js, css;
const sizes = [];
for (const f of result.outputFiles) {
  const name = basename(f.path);
  writeFileSync(join(tmp, 'assets', name), f.contents);
  if (name.endsWith('.js')) js = name;
  else if (name.endsWith('.css')) css = name;
  sizes.push({ name: 'assets/' + name, raw: f.contents.length, gz: gzipSync(f.contents, { level: 9 }).length });
}
if (!js || !css) throw new Error('build.mjs: esbuild produced no app JS or CSS');
const html = readFileSync(join(HERE, 'index.html'), 'utf8')
  .replace('%APP_JS%', `/assets/${js}`)
  .replace('%APP_CSS%', `/assets/${css}`);
writeFileSync(join(tmp, 'index.html'), html);
rmSync(outdir, { recursive: true, force: true });
mkdirSync(dirname(outdir), { recursive: true });
renameSync(tmp, outdir);

const kb = (n) => (n / 1024).toFixed(1) + ' KB';
for (const s of sizes) console.log(`web: ${s.name.padEnd(28)} ${kb(s.raw).padStart(9)}  ${kb(s.gz).padStart(8)} gzipped`);
const jsGz = sizes.find((s) => s.name.endsWith('.js')).gz;
console.log(`web: JavaScript ${kb(jsGz)} gzipped (budget ${kb(BUDGET_JS_GZ)}) -> ${outdir}`);
if (jsGz > BUDGET_JS_GZ) {
  console.error('build.mjs: the JavaScript bundle is over its budget');
  process.exit(1);
}
