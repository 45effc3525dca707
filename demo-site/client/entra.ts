// AUTH_MODE=entra: sign in with @azure/msal-browser and hand the access token to the chat through
// its getHeaders() hook (awaited before every request, so a silent refresh happens there).
// The public client settings come from /api/session; no secret is involved (a SPA has none).
import { PublicClientApplication, InteractionRequiredAuthError, type AccountInfo } from '@azure/msal-browser';
import type { GroundedChatElement } from '@grounded-chat/widget';

interface EntraSession {
  authMode: string;
  entra?: { clientId: string; authority: string; scopes: string[]; knownAuthorities?: string[] };
}

const status = document.querySelector('[data-entra-status]')!;
const signInButton = document.querySelector<HTMLButtonElement>('[data-entra-signin]')!;
const signOutButton = document.querySelector<HTMLButtonElement>('[data-entra-signout]')!;
const chat = document.querySelector('grounded-chat') as GroundedChatElement;

const s = (await fetch('/api/session').then((r) => r.json())) as EntraSession;
if (s.authMode !== 'entra' || !s.entra) {
  status.textContent =
    s.authMode === 'entra'
      ? 'AUTH_MODE=entra, but DEMO_ENTRA_CLIENT_ID is not set: this page cannot sign in.'
      : `This site runs AUTH_MODE=${s.authMode}: the chat below needs no token. Set AUTH_MODE=entra to try this page.`;
} else {
  const { clientId, authority, scopes, knownAuthorities } = s.entra;
  const msal = new PublicClientApplication({
    // knownAuthorities: an authority other than login.microsoftonline.com (DEMO_ENTRA_AUTHORITY).
    auth: { clientId, authority, redirectUri: location.origin + '/sign-in/entra', ...(knownAuthorities ? { knownAuthorities } : {}) },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await msal.initialize();
  const result = await msal.handleRedirectPromise();
  let account: AccountInfo | null = result?.account ?? msal.getAllAccounts()[0] ?? null;
  const show = () => {
    status.textContent = account ? `Signed in as ${account.name ?? account.username}.` : 'Not signed in.';
    signInButton.hidden = !!account;
    signOutButton.hidden = !account;
  };
  show();
  signInButton.addEventListener('click', () => void msal.loginRedirect({ scopes }));
  signOutButton.addEventListener('click', () => void msal.logoutRedirect({ account }));
  chat.getHeaders = async (): Promise<Record<string, string>> => {
    if (!account) return {};
    try {
      const r = await msal.acquireTokenSilent({ scopes, account });
      return { Authorization: `Bearer ${r.accessToken}` };
    } catch (err) {
      if (err instanceof InteractionRequiredAuthError) await msal.acquireTokenRedirect({ scopes, account });
      throw err;
    }
  };
  chat.addEventListener('grounded-chat:unauthorized', () => void msal.loginRedirect({ scopes }));
}
