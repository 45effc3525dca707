import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentTerms, followupQuestion, normalizeTerm, queryTerms, questionFocus, stem, termMatches } from '../src/text.js';

describe('term processing', () => {
  it('stems inflections to one term on both sides', () => {
    for (const group of [
      ['theme', 'themes', 'theming', 'themed'],
      ['configure', 'configured', 'configuring', 'configuration', 'configurations'],
      ['limit', 'limits', 'limited', 'limitations'],
      ['retrieve', 'retrieves', 'retrieval', 'retrieved'],
      ['persist', 'persisted', 'persistence'],
      ['query', 'queries'],
    ]) {
      const stems = new Set(group.map((w) => normalizeTerm(w)));
      assert.equal(stems.size, 1, `${group.join(', ')} → ${[...stems].join(', ')}`);
    }
  });

  it('is idempotent, so terms handed back in normalise to themselves', () => {
    for (const w of ['customised', 'agreed', 'configuration', 'happiness', 'generalization', 'theming']) {
      const once = normalizeTerm(w)!;
      assert.equal(normalizeTerm(once), once, w);
      assert.equal(stem(once), once, w);
    }
  });

  it('drops stop words as written, before stemming, and leaves numbers and short words alone', () => {
    assert.equal(normalizeTerm('them'), null);
    assert.equal(normalizeTerm('The'), null);
    assert.equal(normalizeTerm('es2022'), 'es2022');
    assert.equal(normalizeTerm('401'), '401');
    assert.equal(normalizeTerm('ui'), 'ui');
    assert.deepEqual(queryTerms('How do I theme the widget?'), ['theme', 'widget']);
    assert.deepEqual(contentTerms('Theming themes'), ['theme']);
  });

  it('matches stems exactly, or as prefixes from 4 letters', () => {
    assert.ok(termMatches(normalizeTerm('config')!, normalizeTerm('configuration')!));
    assert.ok(termMatches('auth', normalizeTerm('authentication')!));
    assert.ok(!termMatches('cap', 'capabl'));
  });
});

describe('questionFocus and followupQuestion', () => {
  it('keeps the asking sentence of a two-sentence question', () => {
    const cases: [string, string][] = [
      ['We deploy an Express API behind a proxy. How do I turn on the default security headers?', 'How do I turn on the default security headers?'],
      ['How do I theme the widget?', 'How do I theme the widget?'],
      ['I need this. Why?', 'I need this. Why?'], // the question alone says too little
      ['Context first. Then more context.', 'Context first. Then more context.'],
    ];
    for (const [input, want] of cases) assert.equal(questionFocus(input), want, input);
  });

  it('phrases a follow-up chip naturally', () => {
    const cases: [string, string][] = [
      ['The <grounded-chat> widget:', 'Tell me about the <grounded-chat> widget.'],
      ['Rate limits', 'Tell me about Rate limits.'],
      ['What the visitor can do.', 'Tell me about What the visitor can do.'],
      ['  An   example  ', 'Tell me about an example.'],
    ];
    for (const [input, want] of cases) assert.equal(followupQuestion(input), want, input);
  });
});
