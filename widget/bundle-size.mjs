// The drop-in's gzip -9 size, before the first answer (dist/grounded-chat.js and what it imports
// statically) and in all (with what it imports lazily). Shared by bench/widget-size.bench.mjs and
// the widget's size-budget test (served to the browser by test/mock-server.mjs). Not shipped.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Budgets (docs/widget.md): bytes of gzip -9. */
export const BUDGETS = { initial: 16_000, total: 32_000 };

/** The gzip program itself at -9 (zlib's level 9 differs by a few bytes); zlib when it is missing. */
export const gz = (buf) => {
  try {
    return execFileSync('gzip', ['-9', '-c', '-n'], { input: buf, maxBuffer: 64 * 1024 * 1024 }).length;
  } catch {
    return gzipSync(buf, { level: 9 }).length;
  }
};

/** Walks the module graph from `entry`: static imports load before the first answer, import() later. */
export function bundleSize(entry) {
  const seen = new Map();
  const walk = (file, lazy) => {
    if (seen.has(file) && (lazy || !seen.get(file).lazy)) return;
    const code = readFileSync(file);
    seen.set(file, { lazy, bytes: code.length, gz: gz(code) });
    const text = code.toString();
    for (const m of text.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]*from\s*)?["'](\.[^"']+)["']/g)) walk(join(dirname(file), m[1]), lazy);
    for (const m of text.matchAll(/import\(\s*["'](\.[^"']+)["']\s*\)/g)) walk(join(dirname(file), m[1]), true);
  };
  walk(entry, false);
  const files = [...seen.entries()].map(([file, f]) => ({ file, ...f }));
  const initial = files.filter((f) => !f.lazy).reduce((s, f) => s + f.gz, 0);
  const total = files.reduce((s, f) => s + f.gz, 0);
  return { files, initial, total };
}
