/**
 * The content of the site's own pages (the docs pages are in docs-pages.ts). Every chat talks to
 * the one endpoint, `/api/chat`, and each page keeps its own conversation through the widget's
 * `storage-key` attribute (stored as `grounded-chat:{key}`): a question asked on the theming page
 * does not reappear on another page, nor colour its answers.
 */
import { escapeHtml } from './markdown.js';
import type { PageInput } from './layout.js';

export const HOME_SUGGESTIONS = [
  'How do I mount the server kit in Express?',
  'What does the offline extractive answerer do?',
  'Which environment variables configure the orchestrator?',
];

/** The one chat endpoint of the site (the server kit's router). */
export const CHAT_ENDPOINT = '/api/chat';

/** The widget's `storage-key` of a page's chat: its own stored conversation. */
export const storageKeyFor = (page: string) => `demo-${page}`;

interface ChatAttrs {
  mode?: 'launcher';
  theme?: 'light' | 'dark';
  greeting?: string;
  suggestions?: string[];
  feedback?: boolean;
  className?: string;
}

export function chatTag(page: string, a: ChatAttrs = {}): string {
  const attrs = [
    `endpoint="${CHAT_ENDPOINT}"`,
    `storage-key="${escapeHtml(storageKeyFor(page))}"`,
    a.mode ? `mode="${a.mode}"` : '',
    a.theme ? `theme="${a.theme}"` : '',
    a.greeting ? `greeting="${escapeHtml(a.greeting)}"` : '',
    a.suggestions ? `suggestions="${escapeHtml(JSON.stringify(a.suggestions))}"` : '',
    a.feedback ? 'feedback' : '',
    a.className ? `class="${escapeHtml(a.className)}"` : '',
  ].filter(Boolean);
  return `<grounded-chat ${attrs.join(' ')}></grounded-chat>`;
}

const code = (lang: string, text: string, id?: string) =>
  `<div class="snippet">${id ? `<button type="button" class="copy" data-copy="${id}">Copy</button>` : ''}<pre tabindex="0"${id ? ` id="${id}"` : ''}><code class="language-${lang}">${escapeHtml(text.trim())}</code></pre></div>`;

/** The placeholder the home page's chat shell is rendered into (see site-build.ts). */
export const HOME_CHAT_PLACEHOLDER = '<!--home-chat-->';

export const homePage = (): PageInput => ({
  path: '/',
  title: 'grounded-chat — a chat that answers from your docs, with sources',
  description:
    'grounded-chat is an open-source kit: a web component, an Express server kit and an orchestrator that answer visitors from your own documents, citing them, on Azure or on a laptop.',
  widget: true,
  bodyClass: 'home',
  body: `      <section class="hero">
        <h1>Answers from your docs, with their sources</h1>
        <p>grounded-chat turns Microsoft's <em>basic Azure OpenAI end-to-end chat</em> architecture into parts you install: a <code>&lt;grounded-chat&gt;</code> element for any page, an Express router that signs visitors in and limits them, and an orchestrator that grounds every answer in your documents. For site owners who want a help chat that cites, and for Node developers who want the server side done right.</p>
      </section>
      <section class="chat-area" aria-label="Chat">
        ${HOME_CHAT_PLACEHOLDER}
      </section>
      <section class="what-runs">
        <h2>What runs here</h2>
        <p>Ask about grounded-chat itself: the corpus is this project's <a href="/docs/">docs</a>. With <code>npm start</code>, answers come from the local index and the offline extractive answerer, which quotes the best passages and says so; deployed with Azure AI Search and Azure OpenAI configured, the same chat answers generatively. Either way every answer cites, and a citation opens the docs page at the cited section.</p>
        <p><a href="/on-your-site">Put it on your site</a> · <a href="/theming">Theme it</a> · <a href="/recipes/">React, Vue and plain HTML recipes</a></p>
      </section>`,
});

const SNIPPET = `<script type="module" src="https://YOUR-APP.azurewebsites.net/widget/grounded-chat.js"></script>
<grounded-chat
  endpoint="https://YOUR-APP.azurewebsites.net/api/chat"
  mode="launcher"
  login-url="https://YOUR-APP.azurewebsites.net/.auth/login/aad"
  suggestions='["How do I return an order?", "Where is my invoice?"]'
></grounded-chat>`;

export const onYourSitePage = (): PageInput => ({
  path: '/on-your-site',
  title: 'On your site — the grounded-chat launcher as a site owner embeds it',
  description: 'Embed grounded-chat on your own site: one script tag and one element; a launcher button opens the chat in a panel.',
  widget: true,
  bodyClass: 'shop',
  body: `      <h1>On your site</h1>
      <p>This page plays a small online shop's help page, with the chat as its owner would embed it: a launcher button in the corner (bottom right) that opens the chat in a panel, full screen on a phone. <kbd>Escape</kbd> closes it and focus returns to the button.</p>
      <div class="shop-card">
        <h2>Returns and refunds</h2>
        <p>Items can be returned within 30 days. Questions about anything else? Open the chat in the corner.</p>
      </div>
      <h2>The snippet to copy</h2>
      <p>Two tags, anywhere in your page. Calling the chat API from another origin needs that origin in <code>CORS_ALLOWED_ORIGINS</code> (see <a href="/docs/configuration.md">configuration</a>); served from the same App Service app, nothing more is needed.</p>
      ${code('html', SNIPPET, 'snippet-launcher')}
      <p>The element needs no inline script or style and works under <code>script-src 'self'</code>: see <a href="/docs/widget.md">the widget guide</a>.</p>
      ${chatTag('on-your-site', { mode: 'launcher', suggestions: ['How do I add the widget to a page?', 'How do visitors sign in?'] })}`,
});

/** `brandCss`: the brand theme's rules, cut from the site's own stylesheet, so the code shown is the code that runs. */
export const themingPage = (brandCss: string): PageInput => ({
  path: '/theming',
  title: 'Theming grounded-chat — light, dark and a brand theme',
  description: 'Light, dark and a brand theme of the grounded-chat element side by side, styled with CSS custom properties and ::part from the page.',
  widget: true,
  bodyClass: 'theming',
  body: `      <h1>Theming</h1>
      <p>The element is styled from your page's own stylesheet: custom properties (<code>--gc-accent</code>, <code>--gc-surface</code>, <code>--gc-radius</code>, <code>--gc-font</code>…) and parts (<code>::part(header)</code>, <code>::part(title)</code>, <code>::part(chip)</code>…). Each of the three keeps its own conversation.</p>
      <div class="themes">
        <figure><figcaption>Light: <code>theme="light"</code></figcaption>${chatTag('theming-light', { theme: 'light', className: 'theme-box' })}</figure>
        <figure class="dark-box"><figcaption>Dark: <code>theme="dark"</code></figcaption>${chatTag('theming-dark', { theme: 'dark', className: 'theme-box' })}</figure>
        <figure><figcaption>Brand: custom properties and <code>::part</code></figcaption>${chatTag('theming-brand', { theme: 'light', className: 'theme-box brand', greeting: 'Good day! What would you like to know about grounded-chat?' })}</figure>
      </div>
      <h2>The brand theme's CSS</h2>
      ${code('css', brandCss, 'snippet-brand')}`,
});

export interface Recipe {
  slug: string;
  title: string;
  description: string;
  intro: string;
  lang: string;
  source: string;
  /** The live part of the page. */
  live: string;
  script?: string;
  widget: boolean;
}

export const RECIPES: Recipe[] = [
  {
    slug: 'html',
    title: 'Plain HTML',
    description: 'grounded-chat in plain HTML: a script tag, the element, and a module script listening to its events.',
    intro: 'One script tag and the element; a module script of the page listens to the element\'s events (here: the trace id of each answer, shown below the chat).',
    lang: 'html',
    source: `<script type="module" src="/widget/grounded-chat.js"></script>
<grounded-chat endpoint="/api/chat" suggestions='["How do I start?"]'></grounded-chat>
<script type="module">
  const chat = document.querySelector('grounded-chat');
  chat.addEventListener('grounded-chat:response', (e) => log(e.detail.message.context?.traceId));
</script>`,
    live: `${chatTag('recipe-html', { suggestions: ['How do I start?', 'What is the architecture?'], className: 'recipe-chat' })}
      <p>Answers received: <output data-trace-log>none yet</output></p>`,
    script: 'recipe-html.js',
    widget: true,
  },
  {
    slug: 'react',
    title: 'React 19',
    description: 'grounded-chat in a React 19 component: properties, a ref for events, bundled and served by this site.',
    intro: 'A React 19 component renders the element; React sets <code>suggestions</code> and <code>strings</code> as properties because the element is defined before React renders. React and the widget are bundled at build time and served from this site (no CDN).',
    lang: 'tsx',
    source: `import { useEffect, useRef, useState } from 'react';
import '@grounded-chat/widget';

const suggestions = ['How do I use it with React?'];
const strings = { title: 'React help' };

export function Help() {
  const chat = useRef(null);
  const [citations, setCitations] = useState(0);
  useEffect(() => {
    const el = chat.current;
    const onCitation = () => setCitations((n) => n + 1);
    el.addEventListener('grounded-chat:citation', onCitation);
    return () => el.removeEventListener('grounded-chat:citation', onCitation);
  }, []);
  return <grounded-chat ref={chat} endpoint="/api/chat" suggestions={suggestions} strings={strings} />;
}`,
    live: `<div id="react-root" class="recipe-chat"></div>`,
    script: 'recipe-react.js',
    widget: false,
  },
  {
    slug: 'vue',
    title: 'Vue 3',
    description: 'grounded-chat in a Vue 3 app: .prop bindings and full event names, bundled and served by this site.',
    intro: 'A Vue 3 app renders the element, binding <code>suggestions</code> as a property and listening to <code>grounded-chat:response</code> by its full name. Vue\'s runtime build (no template compiler, so no <code>eval</code> under the site\'s CSP) and the widget are bundled at build time and served from this site.',
    lang: 'js',
    source: `import { createApp, h, ref } from 'vue';
import '@grounded-chat/widget';

createApp({
  setup() {
    const answers = ref(0);
    return () => [
      h('grounded-chat', {
        endpoint: '/api/chat',
        '.suggestions': ['How do I use it with Vue?'],
        'onGrounded-chat:response': () => answers.value++,
      }),
      h('p', \`Answers: \${answers.value}\`),
    ];
  },
}).mount('#vue-root');`,
    live: `<div id="vue-root" class="recipe-chat"></div>`,
    script: 'recipe-vue.js',
    widget: false,
  },
  {
    slug: 'bearer',
    title: 'Bearer token',
    description: 'grounded-chat with bearer-token auth: the getHeaders() hook is awaited before every request, so it can refresh the token.',
    intro: 'For an API that wants a bearer token, give the element a <code>getHeaders()</code> hook: it is awaited before every request. Here it hands over a stand-in token and counts its calls; with <code>AUTH_MODE=entra</code> the token comes from MSAL, as on the <a href="/sign-in/entra">Entra sign-in page</a>. Locally (<code>AUTH_MODE=none</code>) the server ignores it.',
    lang: 'js',
    source: `const chat = document.querySelector('grounded-chat');
chat.getHeaders = async () => ({ Authorization: \`Bearer \${await getToken()}\` });
chat.addEventListener('grounded-chat:unauthorized', () => signIn());`,
    live: `${chatTag('recipe-bearer', { suggestions: ['How do I pass a bearer token?'], className: 'recipe-chat' })}
      <p>getHeaders() calls: <output data-header-count>0</output></p>`,
    script: 'recipe-bearer.js',
    widget: true,
  },
];

export const recipePage = (r: Recipe): PageInput => ({
  path: `/recipes/${r.slug}`,
  title: `${r.title} recipe — grounded-chat`,
  description: r.description,
  widget: r.widget,
  scripts: r.script ? [r.script] : [],
  bodyClass: 'recipe',
  body: `      <p class="crumbs"><a href="/recipes/">Recipes</a></p>
      <h1>${escapeHtml(r.title)}</h1>
      <p>${r.intro}</p>
      <div class="recipe-grid">
        <div>${code(r.lang, r.source, `snippet-${r.slug}`)}</div>
        <div class="live">${r.live}</div>
      </div>`,
});

export const recipesIndexPage = (): PageInput => ({
  path: '/recipes/',
  title: 'Recipes — grounded-chat in plain HTML, React 19, Vue 3 and with a bearer token',
  description: 'Live recipes for embedding grounded-chat: plain HTML, React 19, Vue 3 and bearer-token auth through getHeaders().',
  body: `      <h1>Recipes</h1>
      <p>Each recipe runs live on its page, with the code beside it. Everything is served from this site; no CDN.</p>
      <ul class="cards">
        ${RECIPES.map((r) => `<li><a href="/recipes/${r.slug}">${escapeHtml(r.title)}</a><p>${escapeHtml(r.description)}</p></li>`).join('\n        ')}
        <li><a href="/sign-in/entra">Entra sign-in with MSAL</a><p>With AUTH_MODE=entra: sign in with @azure/msal-browser and pass the token through getHeaders().</p></li>
      </ul>`,
});

export const entraPage = (): PageInput => ({
  path: '/sign-in/entra',
  title: 'Sign in with Entra ID — grounded-chat',
  description: 'With AUTH_MODE=entra, this page signs in with @azure/msal-browser and passes the access token to the chat through getHeaders().',
  widget: true,
  scripts: ['entra.js'],
  body: `      <h1>Sign in with Entra ID</h1>
      <p>With <code>AUTH_MODE=entra</code> the server kit accepts bearer tokens from Microsoft Entra ID. This page signs in with <code>@azure/msal-browser</code> (bundled and served by this site) and passes the access token to the chat through its <code>getHeaders()</code> hook; a 401 sends you to sign in again.</p>
      <p class="status" data-entra-status>Checking how this site signs visitors in…</p>
      <p><button type="button" data-entra-signin hidden>Sign in with Microsoft</button> <button type="button" data-entra-signout hidden>Sign out</button></p>
      ${chatTag('entra', { suggestions: ['How does Entra sign-in work?'], className: 'recipe-chat' })}
      <p>Settings: <code>DEMO_ENTRA_CLIENT_ID</code> (the single-page app registration), <code>AUTH_ENTRA_TENANT_ID</code>, and <code>DEMO_ENTRA_SCOPES</code> (default: <code>AUTH_ENTRA_AUDIENCE/.default</code>). See <a href="/docs/demo-site.md">the demo site's docs</a>.</p>`,
});

export const notFoundPage = (): PageInput => ({
  path: '/404',
  title: 'Page not found — grounded-chat',
  description: 'This page does not exist on the grounded-chat demo site.',
  body: `      <h1>Page not found</h1>
      <p>There is no page at this address. Try the <a href="/">home page</a>, the <a href="/docs/">docs</a> or their search.</p>`,
});

export const errorPage = (): PageInput => ({
  path: '/500',
  title: 'Something went wrong — grounded-chat',
  description: 'The grounded-chat demo site could not answer this request.',
  body: `      <h1>Something went wrong</h1>
      <p>The site could not answer this request. It has been logged; try again, or go back to the <a href="/">home page</a>.</p>`,
});
