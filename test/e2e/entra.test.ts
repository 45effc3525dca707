/**
 * AUTH_MODE=entra: the /sign-in/entra page signs in with @azure/msal-browser. Entra is not
 * reachable here, so Chromium's requests to login.microsoftonline.com are answered by the test with
 * the shapes Entra serves (instance discovery, OpenID metadata, should MSAL ask for them), and the
 * sign-in navigation to the authorize endpoint is recorded: it must carry this site's client id,
 * redirect URI and scopes, with no CSP violation on the way.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, HTTPRequest } from 'puppeteer-core';
import { startChain, type RunningChain } from './helpers.js';
import { launchChromium } from './browser-helpers.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const LOGIN = 'https://login.microsoftonline.com';

let chain: RunningChain;
let browser: Browser;
before(async () => {
  chain = await startChain({
    AUTH_MODE: 'entra',
    AUTH_ENTRA_TENANT_ID: TENANT,
    AUTH_ENTRA_AUDIENCE: 'api://grounded-chat',
    DEMO_ENTRA_CLIENT_ID: CLIENT,
  });
  browser = await launchChromium('entra');
});
after(async () => {
  await browser?.close();
  await chain?.stop();
});

function entraStandIn(req: HTTPRequest, seen: string[]) {
  const url = req.url();
  if (!url.startsWith(LOGIN)) return req.continue();
  seen.push(url);
  const json = (body: unknown) =>
    req.respond({ status: 200, contentType: 'application/json', headers: { 'access-control-allow-origin': '*' }, body: JSON.stringify(body) });
  if (url.includes('/discovery/instance')) {
    return json({
      tenant_discovery_endpoint: `${LOGIN}/${TENANT}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: 'login.microsoftonline.com', preferred_cache: 'login.windows.net', aliases: ['login.microsoftonline.com', 'login.windows.net'] }],
    });
  }
  if (url.includes('/.well-known/openid-configuration')) {
    return json({
      issuer: `${LOGIN}/${TENANT}/v2.0`,
      authorization_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/authorize`,
      token_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/token`,
      end_session_endpoint: `${LOGIN}/${TENANT}/oauth2/v2.0/logout`,
      jwks_uri: `${LOGIN}/${TENANT}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
    });
  }
  return req.respond({ status: 200, contentType: 'text/html', body: '<!doctype html><title>Entra stand-in</title><p>sign-in page' });
}

describe('Entra sign-in page', () => {
  it('offers sign-in and sends the visitor to Entra with this site\'s client, redirect URI and scopes', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    const seen: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (req) => void entraStandIn(req, seen));
    const csp: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/.test(m.text())) csp.push(m.text());
    });
    await page.goto(chain.url + '/sign-in/entra', { waitUntil: 'load' });
    await page.waitForFunction(() => document.querySelector('[data-entra-status]')!.textContent === 'Not signed in.');
    assert.equal(await page.$eval('[data-entra-signin]', (b) => (b as HTMLButtonElement).hidden), false);
    const origin = new URL(page.url()).origin;
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click('[data-entra-signin]')]);
    const authorize = new URL(page.url());
    assert.equal(`${authorize.origin}${authorize.pathname}`, `${LOGIN}/${TENANT}/oauth2/v2.0/authorize`);
    assert.equal(authorize.searchParams.get('client_id'), CLIENT);
    assert.equal(authorize.searchParams.get('redirect_uri'), `${origin}/sign-in/entra`);
    assert.match(authorize.searchParams.get('scope') ?? '', /api:\/\/grounded-chat\/\.default/);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(seen.some((u) => u.includes('/oauth2/v2.0/authorize')), 'the sign-in went to Entra');
    assert.deepEqual(csp, [], 'no CSP violation on the way');
    assert.deepEqual(problems, []);
    await context.close();
  });
});
