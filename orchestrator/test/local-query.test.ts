import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { baseForms, binomial, gateLevel, groupExpression, matchExpressions, MAX_COMBINATIONS, QueryPlanner, withinOneEdit, type Group } from '../src/retrieval/local-query.js';
import { LocalIndex } from '../src/retrieval/local-index.js';
import { makeCorpus } from './helpers.js';

describe('local query planning', () => {
  const edits: [string, string, boolean][] = [
    ['orchestr', 'orchestr', true],
    ['orchestratr', 'orchestrator', true], // insertion
    ['orchestrator', 'orchestratr', true], // deletion
    ['configur', 'configor', true], // substitution
    ['configur', 'cnofigur', false], // transposition is two edits (Levenshtein, as MiniSearch)
    ['configur', 'configuration', false],
    ['abcdef', 'abcxyz', false],
  ];
  for (const [a, b, want] of edits) it(`withinOneEdit(${a}, ${b}) is ${want}`, () => assert.equal(withinOneEdit(a, b), want));

  function planner(terms: string[]) {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE terms(term TEXT PRIMARY KEY, rev TEXT NOT NULL, len INTEGER NOT NULL) WITHOUT ROWID');
    const ins = db.prepare('INSERT INTO terms VALUES (?, ?, ?)');
    for (const t of terms) ins.run(t, [...t].reverse().join(''), t.length);
    return new QueryPlanner(db);
  }

  it('expands prefixes and typos only for stems the index lacks', () => {
    const p = planner(['configur', 'config', 'orchestr', 'mount', 'mountain', 'authent']);
    assert.deepEqual(p.group('mount'), { term: 'mount', prefix: false, fuzzy: [], live: true }, 'indexed: as it is');
    assert.deepEqual(p.group('auth'), { term: 'auth', prefix: true, fuzzy: [], live: true }, 'absent, 4+ letters: prefix');
    assert.deepEqual(p.group('orchestratr').fuzzy, [], '"orchestr" is three edits away');
    assert.deepEqual(p.group('configor'), { term: 'configor', prefix: true, fuzzy: ['configur'], live: true });
    assert.deepEqual(p.group('xonfigur').fuzzy, ['configur'], 'an edit in the first half is found through the reverse');
    assert.deepEqual(p.group('lasagna'), { term: 'lasagna', prefix: true, fuzzy: [], live: false });
    assert.equal(p.group('cup').live, false, 'short terms never expand');
  });

  it('searches the base form of a comparative or a negation the index lacks', () => {
    assert.deepEqual(baseForms('smaller'), ['small']);
    assert.deepEqual(baseForms('bigger'), ['bigg', 'big']);
    assert.deepEqual(baseForms('uncompress'), ['compress']);
    assert.deepEqual(baseForms('user'), [], 'too short to be a comparative');
    const p = planner(['small', 'compress', 'smaller2']);
    assert.deepEqual(p.group('smaller'), { term: 'smaller', prefix: true, fuzzy: ['small'], live: true });
    assert.deepEqual(p.group('uncompress').fuzzy, ['compress']);
    assert.deepEqual(p.group('small').fuzzy, [], 'a stem the index has is searched as it is');
    assert.equal(planner(['tall']).group('smaller').live, false);
  });

  it('quotes every alternative and marks prefixes', () => {
    assert.equal(groupExpression({ term: 'mount', prefix: false, fuzzy: [], live: true }), '"mount"');
    assert.equal(groupExpression({ term: 'configor', prefix: true, fuzzy: ['configur'], live: true }), '("configor" OR "configor"* OR "configur")');
  });

  const g = (term: string): Group => ({ term, prefix: false, fuzzy: [], live: true });
  it('writes the gate as tiers of combinations, all terms first', () => {
    const m = matchExpressions([g('a'), g('b'), g('c')], { required: 2, onTopicRequired: 2 });
    assert.deepEqual(m, { gated: true, tiers: ['("a" AND "b" AND "c")', '("a" AND "b") OR ("a" AND "c") OR ("b" AND "c")'] });
    const own = matchExpressions([g('a'), g('b')], { required: 2, onTopicRequired: 1 });
    assert.deepEqual(own?.tiers, ['("a" AND "b")', '{own} : ("a" OR "b") AND ("a" OR "b")']);
  });

  it('adds the named-section tier last, marked late, when it asks for fewer terms', () => {
    const four = [g('a'), g('b'), g('c'), g('d'), g('e')];
    const m = matchExpressions(four, { required: 3, onTopicRequired: 3, named: 2 });
    assert.equal(m?.late, m!.tiers.length - 1);
    assert.match(m!.tiers.at(-1)!, /^\{own\} : \("a" OR .*\) AND \(\("a" AND "b"\) OR /);
    assert.equal(matchExpressions(four, { required: 3, onTopicRequired: 3, named: 3 })?.late, undefined, 'not fewer: no tier');
    // Seven terms: the full gate's tiers are 64 combinations, at the limit; the named tier would
    // push the query past it into a plain OR, so it is left out and the query stays gated.
    const seven = 'abcdefg'.split('').map(g);
    const m7 = matchExpressions(seven, { required: 4, onTopicRequired: 4, named: 3 });
    assert.equal(m7?.gated, true);
    assert.equal(m7?.late, undefined);
    // Two live terms are enough for it, not for the full gate.
    assert.deepEqual(matchExpressions([g('a'), g('b')], { required: 3, onTopicRequired: 3, named: 2 })?.tiers, ['{own} : ("a" OR "b") AND (("a" AND "b"))']);
  });

  it('gates in JS as in SQL: 1 passes, 2 only as a named section, 0 not', () => {
    const groups = [g('a'), g('b'), g('c'), g('d'), g('e')];
    const rule = { required: 3, onTopicRequired: 3, named: 2 };
    assert.equal(gateLevel(groups, rule, ['a', 'b', 'c'], []), 1);
    assert.equal(gateLevel(groups, rule, ['a', 'b'], ['a']), 2);
    assert.equal(gateLevel(groups, rule, ['a', 'b'], ['x']), 0, 'its heading names none of them');
    assert.equal(gateLevel(groups, rule, ['a'], ['a']), 0);
    assert.equal(gateLevel(groups, { required: 3, onTopicRequired: 3 }, ['a', 'b'], ['a']), 0, 'no named tier');
  });

  it('retrieves nothing without running a query when too few terms are indexed', () => {
    assert.equal(matchExpressions([g('a')], { required: 2, onTopicRequired: 2 }), undefined);
    assert.equal(matchExpressions([], { required: 1, onTopicRequired: 1 }), undefined);
  });

  it('falls back to a plain OR (gate applied by the caller) past MAX_COMBINATIONS', () => {
    const many = 'abcdefghij'.split('').map(g);
    assert.ok(binomial(10, 5) > MAX_COMBINATIONS);
    assert.deepEqual(matchExpressions(many, { required: 5, onTopicRequired: 5 }), { gated: false, tiers: [many.map((x) => `"${x.term}"`).join(' OR ')] });
  });
});

describe('LocalIndex ranking and the gate on long questions', () => {
  it('weighs a heading above running text, and the title above running text', async () => {
    const filler = 'Plain words about nothing in particular fill this paragraph so lengths match. '.repeat(3);
    const corpus = await makeCorpus({
      'a.md': `# Alpha\n\n## Quokka habitat\n\n${filler}\n`,
      'b.md': `# Beta\n\n## Other things\n\n${filler} The quokka habitat is mentioned here.\n`,
      'c.md': `# Wombat burrows\n\n${filler}\n`,
      'd.md': `# Delta\n\n${filler} Wombat burrows are mentioned here.\n`,
      // More pages about wombat burrows: a topic, not a name (a question naming only c.md would get only c.md).
      'e.md': `# Epsilon\n\n${filler} Wombat burrows again, at length.\n`,
      'f.md': `# Phi\n\n${filler} Wombat burrows, once more, at length.\n`,
    });
    try {
      const index = new LocalIndex({ corpusDir: corpus.dir });
      assert.deepEqual((await index.retrieve('quokka habitat')).map((h) => h.sourcePath), ['a.md', 'b.md']);
      assert.deepEqual((await index.retrieve('wombat burrows')).map((h) => h.sourcePath)[0], 'c.md');
      index.close();
    } finally {
      await corpus.cleanup();
    }
  });

  it('applies the same gate to a question too long for the SQL expression', async () => {
    const corpus = await makeCorpus({
      'k.md': '# Kit\n\n## Mounting\n\nMount the router in Express with createChatRouter, under any base path, and the kit validates requests, limits visitors and streams answers.\n',
    });
    try {
      const index = new LocalIndex({ corpusDir: corpus.dir });
      // 10 indexed terms: C(10, 5) combinations is past the limit, so the gate runs in JS.
      const ten = 'mount router express base path kit validates requests limits visitors';
      assert.equal((await index.retrieve(ten))[0]?.id, 'k.md#mounting');
      // 4 of 10 match: below the gate's 5, and the section's heading ("Mounting") names none of them.
      assert.deepEqual(await index.retrieve('router express base kit quokka wombat emu kiwi dingo koala'), []);
      // When it names one, 4 are enough for the named-section tier (./local-gate.ts); 3 are not.
      assert.equal((await index.retrieve('mount router express base quokka wombat emu kiwi dingo koala'))[0]?.id, 'k.md#mounting');
      assert.deepEqual(await index.retrieve('mount router express quokka wombat emu kiwi dingo koala lemur'), []);
      index.close();
    } finally {
      await corpus.cleanup();
    }
  });
});
