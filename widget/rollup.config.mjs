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
import ts from 'typescript';

/** Whitespace-only CSS minification for the css`` literals of *.styles.ts (they hold no strings with spaces that matter). */
const minifyCss = (css) =>
  css
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([{};,>])\s*/g, '$1')
    .replace(/:\s+/g, ':')
    .replace(/;}/g, '}')
    .replace(/([\s:,(])0\.(\d)/g, '$1.$2')
    .replace(/\s+!important/g, '!important')
    .replace(/@media \(/g, '@media(')
    .replace(/=(['"])([a-z][\w-]*)\1\]/gi, '=$2]')
    .trim();

/**
 * Whitespace in the text of html`` and svg`` templates: a run holding a newline (the source's
 * indentation) becomes one space, which renders the same (none of these templates holds
 * preformatted text around an expression). Found with TypeScript's parser, so only template text
 * is touched, never code or a string.
 */
function minifyTemplates(code, id) {
  const file = ts.createSourceFile(id, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const spans = [];
  const visit = (node) => {
    if (ts.isTaggedTemplateExpression(node) && /^(html|svg)$/.test(node.tag.getText(file))) {
      const t = node.template;
      if (ts.isNoSubstitutionTemplateLiteral(t)) spans.push([t.getStart(file) + 1, t.end - 1]);
      else {
        spans.push([t.head.getStart(file) + 1, t.head.end - 2]);
        for (const s of t.templateSpans) spans.push([s.literal.getStart(file) + 1, s.literal.end - (ts.isTemplateTail(s.literal) ? 1 : 2)]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  for (const [a, b] of spans.sort((x, y) => y[0] - x[0])) code = code.slice(0, a) + code.slice(a, b).replace(/\s*\n\s*/g, ' ') + code.slice(b);
  return code;
}

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
    else if (/\bhtml`|\bsvg`/.test(code)) code = minifyTemplates(code, id);
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

/**
 * The Markdown chunk uses only marked's Lexer. marked's bundle ends by building its `marked`
 * function and default instance (property assignments Rollup must keep), which drags in the
 * Parser, the HTML Renderer and the hooks. Keep only the Lexer's export so they are tree-shaken.
 * If marked's layout changes, the file is left as it is (bigger, still correct).
 */
const lexerOnlyMarked = () => ({
  name: 'lexer-only-marked',
  transform(code, id) {
    if (!/[\\/]marked[\\/]lib[\\/]marked\.esm\.js$/.test(id)) return null;
    const m = code.match(/var (\w+)=new \w+;function \w+\(\w+,\w+\)\{return \1\.parse[\s\S]*?export\{[^}]*?\b(\w+) as Lexer\b[^}]*\};/);
    if (!m) {
      this.warn("marked's layout changed: the Markdown chunk keeps marked's parser and renderer (~3 KB gzip more)");
      return null;
    }
    return { code: code.slice(0, m.index) + `export{${m[2]} as Lexer};` + code.slice(m.index + m[0].length), map: null };
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
    lexerOnlyMarked(),
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
