/**
 * The site's one script on every page (no inline script anywhere: the CSP forbids it).
 * - the sign-in bar: who the platform says is signed in (from /api/session, which reads Easy Auth's
 *   principal headers on the server, and only where WEBSITE_AUTH_ENABLED says they are the
 *   platform's), sign-in and sign-out links, or the local-mode notice;
 * - the chats' sign-in link after a 401 (`login-url`);
 * - copy buttons of the snippets;
 * - the docs search.
 */
import type { Hit, SearchFile } from '../src/search-index.js';

interface Session {
  authMode: 'none' | 'easyauth' | 'entra';
  user: { name: string } | null;
  signIn: string | null;
  signOut: string | null;
}

const here = () => location.pathname + location.search;

async function session(): Promise<void> {
  const bar = document.querySelector<HTMLElement>('[data-session]');
  let s: Session;
  try {
    const res = await fetch('/api/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!res.ok) return;
    s = (await res.json()) as Session;
  } catch {
    return;
  }
  const signIn = s.signIn ? s.signIn.replace('{path}', encodeURIComponent(here())) : null;
  if (signIn) for (const chat of document.querySelectorAll('grounded-chat')) if (!chat.hasAttribute('login-url')) chat.setAttribute('login-url', signIn);
  if (!bar) return;
  bar.replaceChildren();
  const link = (href: string, text: string) => Object.assign(document.createElement('a'), { href, textContent: text });
  if (s.authMode === 'none') {
    const note = link('/docs/demo-site.md#local-mode', 'Local mode: no sign-in');
    note.className = 'local-mode';
    note.title = 'AUTH_MODE=none: anyone who can reach this address can chat. Use Easy Auth or Entra on App Service.';
    bar.append(note);
  } else if (s.user) {
    const who = document.createElement('span');
    who.textContent = `Signed in as ${s.user.name}`;
    bar.append(who);
    if (s.signOut) bar.append(' · ', link(s.signOut, 'Sign out'));
  } else if (signIn) {
    bar.append(link(signIn, 'Sign in'));
  }
}

function copyButtons(): void {
  document.addEventListener('click', async (e) => {
    const button = (e.target as Element | null)?.closest<HTMLButtonElement>('button[data-copy]');
    if (!button) return;
    const source = document.getElementById(button.dataset.copy ?? '');
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.textContent ?? '');
      button.textContent = 'Copied';
    } catch {
      // No clipboard permission (an http page, an old browser): select the text for Ctrl+C.
      getSelection()?.selectAllChildren(source);
      button.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => (button.textContent = 'Copy'), 2000);
  });
}

function search(): void {
  const form = document.querySelector<HTMLFormElement>('form[data-search]');
  if (!form) return;
  const input = form.querySelector('input')!;
  const list = form.querySelector<HTMLElement>('[data-results]')!;
  // The index and its search code load on first use: no cost to a page that is only read.
  let find: Promise<(q: string) => Hit[]> | undefined;
  const load = () =>
    (find ??= Promise.all([import('../src/search-index.js'), fetch(form.dataset.index ?? '/search.json').then((r) => r.json() as Promise<SearchFile>)]).then(
      ([m, file]) => m.loadSearch(file),
    ));
  let latest = 0;
  const run = async () => {
    const query = input.value.trim();
    const mine = ++latest;
    if (!query) return list.replaceChildren();
    const hits = (await load())(query);
    if (mine !== latest) return; // a newer keystroke already answered
    list.replaceChildren();
    if (!hits.length) {
      list.append(Object.assign(document.createElement('li'), { textContent: `No section matches “${query}”.` }));
      return;
    }
    for (const h of hits) {
      const li = document.createElement('li');
      const a = Object.assign(document.createElement('a'), { href: h.url, textContent: h.heading });
      const small = Object.assign(document.createElement('small'), { textContent: ` — ${h.page}` });
      li.append(a, small);
      list.append(li);
    }
  };
  input.addEventListener('focus', () => void load(), { once: true });
  input.addEventListener('input', () => void run());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void run();
  });
  const q = new URLSearchParams(location.search).get('q');
  if (q) {
    input.value = q;
    void run();
  }
}

void session();
copyButtons();
search();
