/**
 * The extractive answerer on third-party README shapes: API reference sections headed by the name
 * they document, examples kept elsewhere in the file, brackets in code spans, footnote markers,
 * and ties between the retriever's first file and another one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExtractiveChatModel, planExtractive, renderExtractive } from '../src/answer/extractive.js';
import { apiNameOf, passageApiName, usesIdentifier } from '../src/answer/api-name.js';
import { EXCERPT_CHARS, excerptCode } from '../src/answer/code-excerpt.js';
import { MAX_QUOTED_CODE_CHARS } from '../src/answer/code-choice.js';
import { calledNames } from '../src/answer/call-example.js';
import { itemLabel, parseProse } from '../src/answer/prose.js';
import { Lexer, type Tokens } from 'marked';
import { callsName, callsStem } from '../src/code-calls.js';
import { queryTerms, termMatches, words, normalizeTerm } from '../src/text.js';
import type { Passage } from '../src/seams.js';
import { textParts } from './helpers.js';

const section = (id: string, file: string, headingPath: string[], text: string): Passage => ({
  id: `${file}#${id}`,
  title: headingPath[0] ?? file,
  headingPath,
  sourcePath: file,
  text,
  score: 1,
});

/** `> sentence [n]` lines of an extractive answer. */
const quoteLines = (answer: string) => [...answer.matchAll(/^> (.+) \[(\d+)\]$/gm)].map((m) => m[1]!);

describe('API names from headings', () => {
  it('reads call signatures, dotted, camelCase and lower-case names; not section words or versions', () => {
    assert.deepEqual(apiNameOf('execa.commandSync(command, options?)'), {
      name: 'execa.commandSync(command, options?)',
      rest: '',
      identifier: 'commandSync',
    });
    assert.equal(apiNameOf('queue.drained() => Promise')?.identifier, 'drained');
    assert.deepEqual(apiNameOf('max (read only)'), { name: 'max', rest: ' (read only)', identifier: 'max' });
    assert.equal(apiNameOf('queue.concurrency')?.identifier, 'concurrency');
    assert.equal(apiNameOf('sizeCalculation')?.name, 'sizeCalculation');
    assert.equal(apiNameOf('off')?.name, 'off');
    // A declaration that assigns a call's result names the call (minimist's and browserify's headings).
    assert.deepEqual(apiNameOf('var argv = parseArgs(args, opts={})'), {
      name: 'var argv = parseArgs(args, opts={})',
      rest: '',
      identifier: 'parseArgs',
    });
    assert.equal(apiNameOf('const { stdout } = await execa(file, args)')?.identifier, 'execa');
    assert.equal(apiNameOf('let b = browserify.bundle()')?.identifier, 'bundle');
    for (const heading of ['Usage', 'usage', 'install', 'TypeScript', 'GitHub Actions', 'Getting started', 'API', 'v2.0.0', 'Why another ignore?', 'Table of Contents', 'var x = 1', 'const answer = yes (really)']) {
      assert.equal(apiNameOf(heading), undefined, heading);
    }
  });

  it('looks past a subdivision ("Parameters") to the item above it', () => {
    assert.equal(passageApiName(['Mitt', 'API', 'off', 'Parameters'])?.name, 'off');
    assert.equal(passageApiName(['Mitt', 'API', 'Parameters']), undefined);
    assert.equal(passageApiName(['Guide', 'Mounting in Express']), undefined);
  });

  it('finds a use of the name in code: a call, a member, an option key; not a longer word', () => {
    assert.ok(usesIdentifier("emitter.off('foo', onFoo)", 'off'));
    assert.ok(usesIdentifier('const cache = new LRUCache({\n  max: 500,\n})', 'max'));
    assert.ok(usesIdentifier("app.use(bodyParser.json({ 'limit': '1mb' }))", 'limit'));
    assert.ok(!usesIdentifier('const offset = 1; maxSize: 5', 'off'));
    assert.ok(!usesIdentifier('maxSize: 5', 'max'));
  });
});

describe('extractive answers over API reference sections', () => {
  const file = 'mitt/README.md';
  const usage = "```js\nconst emitter = mitt()\nemitter.on('foo', onFoo)   // listen\nemitter.off('foo', onFoo)  // unlisten\n```";
  const passages = [
    section('off', file, ['Mitt', 'API', 'off'], 'Remove an event handler for the given type.\nIf `handler` is omitted, all handlers of the given type are removed.'),
    section('usage', file, ['Mitt', 'Usage'], usage),
  ];

  it('shows the documented name above the quote and brings the example that uses it', () => {
    const plan = planExtractive('How do I remove an event handler?', passages);
    const answer = renderExtractive(plan);
    assert.ok(answer.includes('**`off`**\n\n> Remove an event handler for the given type. [1]'), answer);
    assert.deepEqual(plan.citations.map((c) => c.passage.id), [`${file}#off`, `${file}#usage`]);
    assert.ok(answer.includes(`${usage}\n\n[2]`), `the example, cited:\n${answer}`);
    assert.ok(plan.citations[1]!.snippet.includes(usage), 'the example is in its citation');
    for (const q of quoteLines(answer)) assert.ok(plan.citations.some((c) => c.snippet.includes(q)), q);
  });

  it('brings no example when the question does not ask how, and labels a name once', () => {
    const plan = planExtractive('What does off do with an omitted handler?', [
      ...passages,
      section('parameters', file, ['Mitt', 'API', 'off', 'Parameters'], '`handler` is the handler function to remove from the type.'),
    ]);
    const answer = renderExtractive(plan);
    assert.ok(!answer.includes('```'), answer);
    assert.equal(answer.split('**`off`**').length - 1, 1, answer);
  });

  it('streams the planned answer when given everything retrieved', async () => {
    const model = new ExtractiveChatModel({ delayMs: 0 });
    const question = 'How do I remove an event handler?';
    const selected = model.selectCitations({ question, passages }).map((c) => c.passage);
    const text = (await textParts(model.stream({ messages: [], question, grounding: selected, retrieved: passages }))).join('');
    assert.equal(text, renderExtractive(planExtractive(question, passages)));
  });
});

describe('option lists: the name a list item documents', () => {
  const label = (item: string) => itemLabel((Lexer.lex(item, { gfm: true })[0] as Tokens.List).items[0]!.tokens);
  it('reads a bold or code name before a colon, dash or parenthesis; not a bold title, a number or prose', () => {
    const table: [string, string | undefined][] = [
      ['- **onComment**: If a function is passed for this option…', 'onComment'],
      ['- **onComment:** If a function is passed…', 'onComment'],
      ['- **`maxAge`**: how long, in ms', 'maxAge'],
      ['- `opts.string` - a string or array of strings', 'opts.string'],
      ['- `noTTYOutput` (type:boolean) - enable scheduled output', 'noTTYOutput'],
      ["- `opts['--']` - put arguments after -- into their own key", "opts['--']"],
      ['- `--locations`: attach a loc object', '--locations'],
      ['- `inc(v, releaseType)`: Return the version incremented', 'inc(v, releaseType)'],
      ['- **Fast**: no dependencies', undefined],
      ['- **usage**: see below', undefined],
      ['- `1.x` - the old line', undefined],
      ['- `npm install foo` - installs it', undefined],
      ['- `onComment` and `onToken` share a shape', undefined],
      ['- Set `onComment`: to a function', undefined],
      ['- plain text item', undefined],
      ['- ``wrap(`x`)``: a name with a backtick', undefined],
    ];
    for (const [item, want] of table) assert.equal(label(item), want, item);
  });

  it('reads a badge (a link around images) as nothing, and a lone image as its alt text', () => {
    const { sentences } = parseProse(
      'Minimal file watching library [![NPM](https://img.shields.io/npm/v/chokidar.svg)](https://npmjs.com/package/chokidar)\n\n' +
        'See the ![request flow](flow.png) above.\n\n[![Build Status](https://travis-ci.org/x.svg)](https://travis-ci.org/x) [![npm](https://img.shields.io/npm/v/x.svg)](https://npmjs.com/x)\n',
    );
    assert.deepEqual(
      sentences.map((s) => s.text),
      ['Minimal file watching library', 'See the request flow above.'],
    );
  });

  it('labels every unit of the item, nested ones too, and no unit outside it', () => {
    const { units } = parseProse(
      ['Options:', '', '- **onComment**: If a function is passed for this option, it is called.', '', '  - `block`: true for a block comment.', '  - a plain sub-point.', '', '  If array is passed for this option, each comment is pushed to it.', '', '  ```js', '  onComment: []', '  ```', '', 'Back to prose.'].join('\n'),
    );
    assert.deepEqual(
      units.map((u) => [u.text.slice(0, 18), u.label]),
      [
        ['Options:', undefined],
        ['onComment: If a fu', 'onComment'],
        ['`block`: true for ', 'block'],
        ['a plain sub-point.', 'onComment'],
        ['If array is passed', 'onComment'],
        ['```js\nonComment: [', 'onComment'],
        ['Back to prose.', undefined],
      ],
    );
  });

  const options = section(
    'options',
    'acorn/README.md',
    ['acorn', 'Interface', 'Options'],
    [
      '- **ranges**: Nodes have their start and end characters offsets recorded in `start` and `end` properties.',
      '',
      '- **onComment**: If a function is passed for this option, whenever a comment is encountered the function will be called.',
      '',
      '  If array is passed for this option, each found comment is pushed to it as object in Esprima format.',
    ].join('\n'),
  );

  it('shows the name above a quote of the item that does not say it, once', () => {
    const plan = planExtractive('How do I collect every comment found in a file?', [options]);
    const answer = renderExtractive(plan);
    assert.ok(answer.includes('**`onComment`**\n\n> If array is passed for this option, each found comment is pushed'), answer);
    assert.equal(answer.split('`onComment`').length - 1, 1, answer);
    for (const q of quoteLines(answer)) assert.ok(plan.citations[0]!.snippet.includes(q), q);
  });

  it('shows no name when the quote says it, nor above a later quote of the same item', () => {
    const plan = planExtractive('What happens when a function is passed as onComment, and an array?', [options]);
    const answer = renderExtractive(plan);
    assert.ok(answer.includes('> onComment: If a function is passed'), answer);
    assert.ok(!answer.includes('**`onComment`**'), answer);
  });
});

describe('README prose', () => {
  it('quotes a sentence whose brackets are inside code spans, never one with a marker-like [n]', () => {
    const plan = planExtractive('How do I merge many objects at once?', [
      section('all', 'deepmerge/README.md', ['deepmerge', 'API'], '`merge.all(arrayOfObjects, [options])` merges many objects at once into one.\n\nMerge objects at once, see [2] below.'),
    ]);
    const texts = plan.quotes.map((q) => q.text);
    assert.ok(texts.includes('`merge.all(arrayOfObjects, [options])` merges many objects at once into one.'), JSON.stringify(texts));
    assert.ok(!texts.some((t) => t.includes('[2]')), JSON.stringify(texts));
  });

  it('drops footnote references from quotes and snippets alike', () => {
    const plan = planExtractive('How many dependencies does jose have?', [
      section('deps', 'jose/README.md', ['jose', 'Dependencies: 0'], '`jose` has no dependencies and it exports tree-shakeable ESM[^cjs].'),
    ]);
    assert.deepEqual(plan.quotes.map((q) => q.text), ['`jose` has no dependencies and it exports tree-shakeable ESM.']);
    assert.ok(plan.citations[0]!.snippet.includes(plan.quotes[0]!.text));
  });

  it("on a tie, quotes the retriever's first file before another file's section named like the question", () => {
    const passages = [
      section('api', 'diff/README.md', ['diff', 'API'], '`diffChars(a, b)` diffs two texts, treating each character as a token.'),
      section('comparison', 'semver/README.md', ['semver', 'Comparison'], 'Comparison of two versions, character for character, is strict.'),
    ];
    const plan = planExtractive('How do I compare two texts character by character?', passages, { maxSentences: 1, minSentences: 1 });
    assert.deepEqual(plan.citations.map((c) => c.passage.sourcePath), ['diff/README.md']);
  });
});

describe('excerpts of long examples', () => {
  const filler = Array.from({ length: 30 }, (_, i) => `cache.set('key${i}', 'value number ${i} of many')`).join('\n');
  const usage = [
    '```js',
    "import { LRUCache } from 'lru-cache'",
    '',
    'const cache = new LRUCache({ max: 500 })',
    '',
    filler,
    '',
    'function later() {',
    "  cache.delete('key1')",
    '',
    '  // drop stale cache entries',
    '  cache.purgeStale()',
    '}',
    '',
    'cache.clear() // empty the cache',
    '```',
  ].join('\n');
  const scoreFor = (question: string) => {
    const terms = queryTerms(question);
    return (text: string) => {
      const ws = words(text).map(normalizeTerm).filter((w): w is string => !!w);
      return terms.filter((t) => ws.some((w) => termMatches(t, w))).length;
    };
  };

  it('cuts the steps that share the question terms from a block too long to quote, fences kept', () => {
    assert.ok(usage.length > MAX_QUOTED_CODE_CHARS);
    const excerpt = excerptCode(usage, scoreFor('How do I empty the whole cache?'), MAX_QUOTED_CODE_CHARS);
    assert.ok(excerpt, 'an excerpt');
    assert.ok(excerpt.startsWith('```js\n') && excerpt.endsWith('\n```'), excerpt);
    assert.ok(excerpt.includes('cache.clear() // empty the cache'), excerpt);
    assert.ok(excerpt.length - '```js\n\n```'.length <= EXCERPT_CHARS, `${excerpt.length} chars`);
    assert.ok(!excerpt.includes('purgeStale'), 'a neighbour nested deeper is not pulled in');
    assert.equal(excerptCode(usage, scoreFor('What is the weather on Mars?'), MAX_QUOTED_CODE_CHARS), undefined);
  });

  it('answers a how-to question with the excerpt, which the cited snippet shows too', () => {
    const passages = [
      section('pop', 'lru-cache/README.md', ['lru-cache', 'API', 'pop()'], 'Evict the least recently used item. Returns `undefined` if cache is empty.'),
      section('usage', 'lru-cache/README.md', ['lru-cache', 'Usage'], usage),
    ];
    const plan = planExtractive('How do I empty the whole cache?', passages);
    const quoted = plan.quotes.find((q) => q.code?.includes('cache.clear()'));
    assert.ok(quoted, renderExtractive(plan));
    assert.ok(plan.citations[quoted.citation - 1]!.snippet.includes(quoted.code!), 'the excerpt is in the snippet');
    const what = planExtractive('What does pop return on an empty cache?', passages);
    assert.ok(what.quotes.every((q) => !q.code), 'no excerpt unless asked how');
  });
});

describe('the example that calls what the answer names (./call-example.ts)', () => {
  it('finds calls, not mentions in comments or strings of other calls', () => {
    assert.ok(callsName("semver.satisfies('1.2.3', '1.x')", 'satisfies'));
    assert.ok(callsName('const out = filter (list)', 'filter'));
    assert.ok(!callsName('// satisfies(version, range) is documented below\nsemver.valid(v)', 'satisfies'));
    assert.ok(!callsName('minSatisfying(versions, range)', 'satisfying'), 'a longer name is another function');
    assert.ok(!callsName('queue.satisfies = true', 'satisfies'), 'a property is not a call');
    // The index's form (./code-calls.ts): a stem stands for the names it begins, comments still not.
    assert.ok(callsStem("semver.satisfies('1.2.3', '1.x')", 'satisfi'));
    assert.ok(!callsStem('// satisfies(version, range) below\nsemver.valid(v)', 'satisfi'), 'in a comment');
    assert.ok(!callsStem('get(x)', 'get'), 'shorter than MIN_CALLED_STEM');
    assert.ok(!callsName('a(b)', 'a.b'), 'only a name');
  });

  it('takes the functions the quotes show in code spans first, then question words the quotes use', () => {
    assert.deepEqual(
      calledNames('How do I check whether a version satisfies a range?', ['If you want to know if a version satisfies a range, use the `satisfies(version, range)` or `semver.valid(v)` function.']),
      ['satisfies', 'valid', 'version', 'range'],
    );
    assert.deepEqual(calledNames('How do I filter paths?', ['Nothing relevant here.']), [], 'question words the quotes do not use');
  });

  it('brings the same file\'s example that calls it to a how-to answer with no code', () => {
    const passages = [
      section('ranges', 'vers/README.md', ['vers', 'API', 'Ranges'], 'Use the satisfies function to check a version against a range.'),
      section('other', 'other/README.md', ['other', 'Usage'], '```js\nother.satisfies(x)\n```'),
      section('usage', 'vers/README.md', ['vers', 'Usage'], '```js\nvers.valid(\'1.2.3\')\nvers.satisfies(\'1.2.3\', \'1.x\')\n```'),
    ];
    const answer = renderExtractive(planExtractive('How do I check whether a version satisfies a range?', passages));
    assert.match(answer, /vers\.satisfies\('1\.2\.3', '1\.x'\)/);
    assert.doesNotMatch(answer, /other\.satisfies/);
    // Not asked how: no example brought.
    assert.doesNotMatch(renderExtractive(planExtractive('Which versions satisfy a range?', passages)), /```/);
  });
});

describe('between examples that tie, the one calling what the question names', () => {
  it('quotes `ig.filter(paths)` for "filter paths" over an equally scored block that only mentions filtering', () => {
    const passages = [
      section('conventions', 'ignore/README.md', ['ignore', 'Conventions'], "```js\n// to filter a list of paths, see below; this tests one\nig.ignores('abc')\n```"),
      section('usage', 'ignore/README.md', ['ignore', 'Usage'], '```js\nig.filter(paths) // a list\n```'),
      section('about', 'ignore/README.md', ['ignore', 'About'], 'A manager of ignore patterns.'),
    ];
    const one = { maxSentences: 1, minSentences: 1 };
    const answer = renderExtractive(planExtractive('How do I filter a list of paths?', passages, one));
    assert.match(answer, /ig\.filter\(paths\)/);
    assert.doesNotMatch(answer, /ig\.ignores/);
    // In the other order too.
    assert.match(renderExtractive(planExtractive('How do I filter a list of paths?', [passages[1]!, passages[0]!, passages[2]!], one)), /ig\.filter\(paths\)/);
  });
});

describe('a call named like a file type is a call, not a file name', () => {
  it('scores the words of `body.json()` in an example, so "as JSON" finds it; a path like `config/app.json` still does not score', () => {
    const passages = [
      section('responsebody', 'fetcher/README.md', ['fetcher', '`response.body`'], "There are web streams and Node streams. `response.body` returns a web stream.\n\n```js\nimport { fetch } from 'fetcher'\nconst response = await fetch(url)\nconst readable = response.body\n```"),
      section('body-mixins', 'fetcher/README.md', ['fetcher', 'Body mixins'], "The `body` mixins are the most common way to format the response body.\n\nExample usage:\n\n```js\nimport { request } from 'fetcher'\nconst { body } = await request(url)\nconsole.log('response', await body.json())\n```"),
    ];
    const one = { maxSentences: 1, minSentences: 1 };
    const answer = renderExtractive(planExtractive('How do I read the response body as JSON with fetcher?', passages, one));
    assert.match(answer, /body\.json\(\)/);
    assert.doesNotMatch(answer, /response\.body\n/);
    // A file name in code is still where something is, not what the example does.
    const files = [
      section('load', 'cfg/README.md', ['cfg', 'Load'], "```js\nload('config/app.json')\n```"),
      section('parse', 'cfg/README.md', ['cfg', 'Parse'], '```js\nparse(text, { format: "json" })\n```'),
    ];
    assert.match(renderExtractive(planExtractive('How do I parse JSON text?', files, one)), /parse\(text/);
  });
});

describe('a short example elsewhere against the sentence of the section the question names', () => {
  const passages = [
    section('sorting', 'vers/README.md', ['vers', 'Functions', 'Sorting'], '* `sort(versions)`: Returns a sorted array of versions.\n* `rsort(versions)`: The reverse of `sort`.'),
    section('usage~3', 'vers/README.md', ['vers', 'Usage'], 'The command line:\n\n```\nUsage: vers [options] <version>\nPrints valid versions sorted by precedence\n```'),
  ];
  const one = { maxSentences: 1, minSentences: 1 };

  it('quotes the sentence under the heading that names the question, not a CLI block elsewhere that shares as many words', () => {
    const answer = renderExtractive(planExtractive('How do I sort a list of versions?', passages, one));
    assert.match(answer, /`sort\(versions\)`: Returns a sorted array/);
    assert.doesNotMatch(answer, /Prints valid versions/);
  });

  it('still prefers a short example to the prose of its own passage, and one that calls what the question names anywhere', () => {
    const own = [section('usage', 'q/README.md', ['q', 'Usage'], 'Sort the versions with the sort function:\n\nOr:\n\n```js\nvers.sort(versions)\n```')];
    assert.match(renderExtractive(planExtractive('How do I sort a list of versions?', own, one)), /vers\.sort\(versions\)/);
    const calling = [passages[0]!, section('usage', 'vers/README.md', ['vers', 'Usage'], 'Example:\n\n```js\nvers.sort(versions)\n```')];
    assert.match(renderExtractive(planExtractive('How do I sort a list of versions?', calling, one)), /vers\.sort\(versions\)/);
  });
});
