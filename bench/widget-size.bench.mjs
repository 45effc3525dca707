#!/usr/bin/env node
// Size of the <grounded-chat> drop-in, gzip -9, against the drop-in bundles of popular chat widgets.
//
//   node bench/widget-size.bench.mjs        (after `npm run build`)
//
// Ours: widget/dist/grounded-chat.js plus the chunks it imports statically ("before the first
// answer") and those it imports lazily (the Markdown renderer, fetched on the first question).
// References: fetched from the npm registry with `npm pack` into bench/.cache/ (gitignored), the
// drop-in file taken out of each tarball and compressed by this same script.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundleSize, gz } from '../widget/bundle-size.mjs';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'widget/dist');
const cache = join(root, 'bench/.cache');
// KB = 1000 bytes, as in the figures issue 3 quotes (deep-chat 110.6 KB = 110,618 bytes).
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

const entry = join(dist, 'grounded-chat.js');
if (!existsSync(entry)) {
  console.error('widget/dist/grounded-chat.js is missing: run `npm run build` first.');
  process.exit(1);
}

const { files: graph, initial, total } = bundleSize(entry);
const files = graph.map((f) => [f.file, f]);
const lazy = total - initial;

console.log('grounded-chat drop-in (gzip -9):');
for (const [file, f] of files) console.log(`  ${file.slice(root.length + 1).padEnd(44)} ${kb(f.bytes).padStart(9)} raw ${kb(f.gz).padStart(8)} gz  ${f.lazy ? 'lazy' : 'initial'}`);
console.log(`  before the first answer: ${kb(initial)} (${initial.toLocaleString('en')} B; budget 16 KB: ${initial <= 16_000 ? `ok, ${16_000 - initial} B spare` : 'OVER'})`);
console.log(`  everything included:     ${kb(total)} (${total.toLocaleString('en')} B; budget 32 KB: ${total <= 32_000 ? `ok, ${32_000 - total} B spare` : 'OVER'})`);

const REFERENCES = [
  { spec: 'deep-chat@2.4.2', file: 'package/dist/deepChat.bundle.js' },
  { spec: 'flowise-embed@3.1.6', file: 'package/dist/web.js' },
  { spec: 'botframework-webchat@4.18.1', file: 'package/dist/webchat-minimal.js', note: 'minimal' },
];
console.log('\nreferences (drop-in bundle from the published package, gzip -9; ratio = reference / ours, everything included):');
mkdirSync(cache, { recursive: true });
for (const ref of REFERENCES) {
  const [name, version] = ref.spec.split(/@(?=[^@]+$)/);
  const tgz = join(cache, `${name}-${version}.tgz`);
  try {
    if (!existsSync(tgz)) execFileSync('npm', ['pack', ref.spec, '--pack-destination', cache, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const bundle = execFileSync('tar', ['xzf', tgz, '-O', ref.file], { maxBuffer: 64 * 1024 * 1024 });
    const size = gz(bundle);
    console.log(`  ${(ref.spec + (ref.note ? ` (${ref.note})` : '')).padEnd(40)} ${ref.file.replace('package/', '').padEnd(28)} ${kb(size).padStart(9)}  ${(size / total).toFixed(1)}x ours`);
  } catch (e) {
    console.log(`  ${ref.spec.padEnd(40)} unavailable (${e.message.split('\n')[0]})`);
  }
}
console.log(`  ${'azure-search-openai-javascript chat (Lit)'.padEnd(40)} ${'built from source, not published'.padEnd(28)} ${'~68 KB'.padStart(9)}  ${((68_000) / total).toFixed(1)}x ours (figure quoted in issue 3, not measured here)`);
