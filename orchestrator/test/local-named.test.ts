import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_OTHER_FILES } from '../src/retrieval/local-named.js';
import { indexedCorpus } from './helpers.js';

describe('a question that names its document (../src/retrieval/local-named.ts)', () => {
  const files = (passages: { sourcePath: string }[]) => [...new Set(passages.map((p) => p.sourcePath))].sort();

  const docs = indexedCorpus({
      // Two argument parsers' READMEs that share the words of a question about flags.
      'mri/README.md': '# mri\n\n## options.boolean\n\nA key or keys that should be parsed as a boolean flag.\n\n## options.unknown\n\nCalled for a flag not defined as an option.\n',
      'minimist/README.md': '# minimist\n\n## opts.boolean\n\nA boolean, string or array of strings to always treat as a boolean flag.\n\n## opts.alias\n\nAn object mapping a flag to its other names.\n',
      // A page whose title is a topic that other pages discuss.
      'telemetry.md': '# Telemetry\n\n## Turning it on\n\nSet the connection string and telemetry flows to the workspace.\n',
      'configuration.md': '# Configuration\n\n## Defaults\n\nBy default no telemetry is sent to the workspace; set the connection string.\n',
      'architecture.md': '# Architecture\n\nThe services send telemetry to one workspace.\n',
      'deployment.md': '# Deployment\n\nThe deployment creates the telemetry workspace.\n',
  });

  it('answers from the named document alone when the search found it', async () => {
    assert.deepEqual(files(await docs.index.retrieve('How do I parse a boolean flag?', { top: 5 })), ['minimist/README.md', 'mri/README.md'], 'no name: both');
    assert.deepEqual(files(await docs.index.retrieve('With mri, how do I parse a boolean flag?', { top: 5 })), ['mri/README.md']);
    assert.deepEqual(files(await docs.index.retrieve('In minimist, how do I parse a boolean flag?', { top: 5 })), ['minimist/README.md']);
    assert.deepEqual(files(await docs.index.retrieve('mri or minimist: which parses a boolean flag?', { top: 5 })), ['minimist/README.md', 'mri/README.md'], 'both named: both');
  });

  it('does not take a topic for a name: a title word that other documents discuss', async () => {
    assert.ok(MAX_OTHER_FILES < 3, 'the corpus has three other pages that discuss telemetry');
    const found = files(await docs.index.retrieve('Is telemetry sent to the workspace by default?', { top: 5 }));
    assert.ok(found.includes('configuration.md'), `configuration.md answers it: ${found.join(', ')}`);
    assert.ok(found.includes('telemetry.md'));
  });
});
