// Builds the drop-in: dist/grounded-chat.js, one self-contained minified ES module (Lit bundled),
// plus the lazily loaded Markdown chunk beside it (imported relative to import.meta.url), then the
// custom-elements manifest. TypeScript is stripped by esbuild, so this build does not depend on
// `tsc -b` having run (tsc -b emits the ES build for bundlers into the same dist/).
import { existsSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { transform } from 'esbuild';

/** Whitespace-only CSS minification for the css`` literals of *.styles.ts (they hold no strings with spaces that matter). */
const minifyCss = (css) =>
  css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .trim();

const typescript = () => ({
  name: 'typescript',
  resolveId(source, importer) {
    if (!importer || !source.startsWith('.') || !source.endsWith('.js')) return null;
    const ts = resolve(dirname(importer), source.slice(0, -3) + '.ts');
    return existsSync(ts) ? ts : null;
  },
  async transform(code, id) {
    if (!id.endsWith('.ts')) return null;
    if (id.endsWith('.styles.ts')) code = code.replace(/css`([^`]*)`/g, (_, body) => 'css`' + minifyCss(body) + '`');
    const out = await transform(code, {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      sourcemap: true,
      sourcefile: id,
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true, useDefineForClassFields: false, verbatimModuleSyntax: true } },
    });
    return { code: out.code, map: out.map };
  },
});

const manifest = () => ({
  name: 'custom-elements-manifest',
  closeBundle() {
    execFileSync(process.execPath, [resolve('../node_modules/@custom-elements-manifest/analyzer/cem.js'), 'analyze', '--config', 'custom-elements-manifest.config.mjs'], {
      stdio: 'inherit',
    });
  },
});

export default {
  input: { 'grounded-chat': 'src/index.ts' },
  preserveEntrySignatures: 'allow-extension',
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: true,
  },
  plugins: [
    { name: 'clean-chunks', buildStart: () => rmSync('dist/chunks', { recursive: true, force: true }) },
    typescript(),
    nodeResolve({ browser: true }),
    terser({
      ecma: 2022,
      module: true,
      compress: { passes: 2, unsafe_arrows: true },
      // Our private members (`_name`) get short names; Lit's own (`_$…`) are already short and left alone.
      mangle: { properties: { regex: /^_(?!\$)/ } },
      format: { comments: false },
    }),
    manifest(),
  ],
};
