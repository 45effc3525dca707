/**
 * Who is signed in, as /api/session tells the page: the Easy Auth principal headers are believed
 * only with AUTH_MODE=easyauth and WEBSITE_AUTH_ENABLED=true; a forged header elsewhere shows nothing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import request from 'supertest';
import { loadDemoConfig } from '../src/config.js';
import { platformAuthEnabled, sessionRouter } from '../src/session.js';

const appFor = (env: Record<string, string>) => express().use('/api/session', sessionRouter(loadDemoConfig(env)));
const principal = { 'x-ms-client-principal-name': 'ada@contoso.com', 'x-ms-client-principal-id': '00000000-0000-0000-0000-000000000001' };

describe('/api/session', () => {
  const cases: Array<{ env: Record<string, string>; headers: Record<string, string>; user: string | null; signIn: string | null; mode: string }> = [
    { env: { WEBSITE_SITE_NAME: 's', WEBSITE_AUTH_ENABLED: 'True' }, headers: principal, user: 'ada@contoso.com', signIn: '/.auth/login/aad?post_login_redirect_uri={path}', mode: 'easyauth' },
    { env: { WEBSITE_SITE_NAME: 's', WEBSITE_AUTH_ENABLED: 'true' }, headers: {}, user: null, signIn: '/.auth/login/aad?post_login_redirect_uri={path}', mode: 'easyauth' },
    { env: { WEBSITE_SITE_NAME: 's' }, headers: principal, user: null, signIn: '/.auth/login/aad?post_login_redirect_uri={path}', mode: 'easyauth' },
    { env: { WEBSITE_SITE_NAME: 's', WEBSITE_AUTH_ENABLED: 'false' }, headers: principal, user: null, signIn: '/.auth/login/aad?post_login_redirect_uri={path}', mode: 'easyauth' },
    { env: { WEBSITE_SITE_NAME: 's', WEBSITE_AUTH_ENABLED: 'true' }, headers: { 'x-ms-client-principal-name': 'no id' }, user: null, signIn: '/.auth/login/aad?post_login_redirect_uri={path}', mode: 'easyauth' },
    { env: { AUTH_MODE: 'none', WEBSITE_AUTH_ENABLED: 'true' }, headers: principal, user: null, signIn: null, mode: 'none' },
    { env: {}, headers: principal, user: null, signIn: null, mode: 'none' },
    { env: { AUTH_MODE: 'entra', WEBSITE_AUTH_ENABLED: 'true' }, headers: principal, user: null, signIn: '/sign-in/entra', mode: 'entra' },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.env)} with ${Object.keys(c.headers).length ? 'principal headers' : 'no headers'} → ${c.user ?? 'nobody'}`, async () => {
      const res = await request(appFor(c.env)).get('/api/session').set(c.headers).expect(200);
      assert.equal(res.body.authMode, c.mode);
      assert.deepEqual(res.body.user, c.user ? { name: c.user } : null);
      assert.equal(res.body.signIn, c.signIn);
      assert.equal(res.body.signOut, c.user ? '/.auth/logout?post_logout_redirect_uri=/' : null);
      assert.equal(res.headers['cache-control'], 'private, no-store');
    });
  }

  it('reads WEBSITE_AUTH_ENABLED as the platform writes it', () => {
    for (const [v, on] of [['true', true], ['True', true], [' TRUE ', true], ['false', false], ['1', false], ['', false], [undefined, false]] as const) {
      assert.equal(platformAuthEnabled({ WEBSITE_AUTH_ENABLED: v }), on, String(v));
    }
  });

  it('passes only the Entra page\'s public settings, never more', async () => {
    const res = await request(appFor({ AUTH_MODE: 'entra', DEMO_ENTRA_CLIENT_ID: 'spa', AUTH_ENTRA_TENANT_ID: 'tid', AUTH_ENTRA_AUDIENCE: 'api://gc', ORCHESTRATOR_KEY: 'sekrit' })).get('/api/session');
    assert.deepEqual(res.body.entra, { clientId: 'spa', authority: 'https://login.microsoftonline.com/tid', scopes: ['api://gc/.default'] });
    assert.doesNotMatch(JSON.stringify(res.body), /sekrit/);
  });
});
