import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paraphrases } from '../src/paraphrase.js';
import { planExtractive, renderExtractive } from '../src/answer/extractive.js';
import { scoreSentence } from '../src/answer/score.js';
import { queryTerms } from '../src/text.js';
import { indexedCorpus } from './helpers.js';

const table = (q: string) => Object.fromEntries(paraphrases(q));

describe("the asker's words for the documents' words (../src/paraphrase.ts)", () => {
  it('gives a question word the documents\' words for it, as stems', () => {
    assert.deepEqual(table('How do I delete a folder?'), { delet: ['remov'], folder: ['directori', 'dir'] });
    assert.deepEqual(table('Can I skip some files?'), { skip: ['ignor', 'exclud'] });
    assert.deepEqual(table('What is the shorthand for --verbose?'), { shorthand: ['alia', 'short'] });
    assert.deepEqual(table('Did this error come from the library?'), { librari: ['modul', 'packag'] });
    assert.deepEqual(table('Can I use it with async/await?'), { await: ['promi'] });
  });

  it('reads a phrase row only on its phrase', () => {
    assert.deepEqual(table('How do I turn debug output on?'), { turn: ['enabl'] });
    assert.deepEqual(table('How do I switch it off?'), { switch: ['disabl'] });
    assert.deepEqual(table('How do I turn a string into a date?'), {}, 'a turn without on or off');
    assert.deepEqual(table('What do I get back when nothing matches?'), { back: ['return'] });
    assert.deepEqual(table('How do I go back to the previous page?'), {}, 'back without get, come or give');
    assert.deepEqual(table('How do I pause the queue and start it again?'), { start: ['resum', 'restart'] });
    assert.deepEqual(table('How do I start the server?'), {});
    assert.deepEqual(table('Make it a true/false flag'), { fal: ['boolean'] });
    assert.deepEqual(table('Process two jobs at a time'), { time: ['concurr', 'parallel'] });
    assert.deepEqual(table('What if the call takes too long?'), { long: ['timeout'] });
  });

  it('never gives a word itself, and nothing for most questions', () => {
    assert.deepEqual(table('How do I remove a directory?'), { remov: ['delet'], directori: ['folder'] });
    assert.deepEqual(table('How do I configure the server kit?'), {});
    assert.deepEqual(table('Which environment variables set the port?'), { environ: ['env'] });
  });

  it("counts a sentence in the documents' words as sharing the question's", () => {
    const q = 'How do I delete a folder and everything in it?';
    const terms = queryTerms(q);
    const sentence = 'Removes a directory and its contents, like rm -rf.';
    assert.equal(scoreSentence(sentence, terms), 0);
    assert.equal(scoreSentence(sentence, terms, paraphrases(q)), 2);
  });
});

describe('a question in other words than the documents, end to end (local index, offline answerer)', () => {
  const docs = indexedCorpus({
      'fs-tools.md':
        '# fs-tools\n\n## copy(src, dest)\n\nCopies a file or a directory, creating missing parents.\n\n' +
        '## remove(path)\n\nRemoves a directory and its contents, like rm -rf.\n\n```js\nawait remove(\'/tmp/build\')\n```\n\n' +
        '## ensureDir(path)\n\nCreates a directory unless it exists already.\n',
      'queue.md': '# queue\n\n## pause()\n\nPauses the processing of tasks.\n\n## resume()\n\nResumes the processing of tasks.\n',
  });

  it('finds and quotes the section the documents name in their words', async () => {
    const question = 'How do I delete a folder with everything inside?';
    const passages = await docs.index.retrieve(question, { top: 3 });
    assert.equal(passages[0]?.id, 'fs-tools.md#removepath');
    const text = renderExtractive(planExtractive(question, passages));
    assert.match(text, /Removes a directory and its contents/);
    assert.match(text, /await remove\('\/tmp\/build'\)/);
  });

  it('still refuses what the documents do not cover', async () => {
    assert.deepEqual(await docs.index.retrieve('How do I delete my social media account?', { top: 3 }), []);
  });
});
