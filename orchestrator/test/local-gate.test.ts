import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateRule, isAbsentNumber, knownShare, requiredMatches } from '../src/retrieval/local-gate.js';

const live = (term: string) => ({ term, live: true });
const dead = (term: string) => ({ term, live: false });

describe('the local relevance gate (./local-gate.ts)', () => {
  it('needs half the terms, at least two', () => {
    assert.equal(requiredMatches(1), 1);
    assert.equal(requiredMatches(2), 2);
    assert.equal(requiredMatches(5), 3);
    assert.equal(requiredMatches(4, { minTermCoverage: 0.75 }), 3);
  });

  it('does not count a number the index never saw toward the share', () => {
    assert.ok(isAbsentNumber(dead('42')));
    assert.ok(!isAbsentNumber(live('1024')), 'a number the docs use counts');
    assert.ok(!isAbsentNumber(dead('quokka')), 'an absent word counts: that is how off-topic questions are refused');
    // "pull the id out of a URL like /users/42": four words and a value.
    const rule = gateRule([live('pull'), live('id'), live('url'), live('user'), dead('42')]);
    assert.equal(rule.required, 2);
    assert.equal(gateRule([live('pull'), live('id'), live('url'), live('user'), dead('quokka')]).required, 3);
    // The floor still holds: "moon 1969" needs both, near each other.
    const two = gateRule([live('moon'), dead('1969')]);
    assert.equal(two.required, 2);
    assert.equal(two.near, 5);
  });

  it('counts the share of terms the index knows, numbers it never saw left out', () => {
    assert.equal(knownShare([live('cap'), dead('big'), live('incom'), live('bodi'), dead('allow')]), 0.6);
    assert.equal(knownShare([live('widget'), live('support'), dead('voic'), live('input'), dead('speech'), dead('recognit')]), 0.5);
    assert.equal(knownShare([live('flag'), live('id'), dead('0123')]), 1, 'the asker\'s value is not an unknown word');
    assert.equal(knownShare([live('1024'), dead('quokka')]), 0.5, 'a number the docs use counts');
    assert.equal(knownShare([dead('42')]), 0);
    assert.equal(knownShare([]), 0);
  });

  it('lets a section named for a term pass with one term fewer, never under the floor', () => {
    const six = ['creat', 'sign', 'token', 'carri', 'user', 'id'].map(live);
    assert.deepEqual(gateRule(six), { required: 3, onTopicRequired: 3, named: 2 });
    assert.equal(gateRule(six.slice(0, 4)).named, 2, 'four terms: already two, the floor');
    assert.equal(gateRule(six, { namedSections: false }).named, undefined);
    assert.equal(gateRule(six, { minMatchedTerms: 3 }).named, 3);
  });
});
