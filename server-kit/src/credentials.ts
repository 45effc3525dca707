/**
 * How the kit proves itself to the orchestrator when there is no static ORCHESTRATOR_KEY:
 * an Entra token (managed identity on App Service) or a key kept in Key Vault.
 *
 * `@azure/identity` is optional: pass any object with `getToken(scopes)` (a TokenCredential), or
 * install @azure/identity and the kit loads DefaultAzureCredential on first use.
 */
import { request } from 'undici';

/** The part of @azure/identity's TokenCredential the kit uses. */
export type TokenCredentialLike = {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
};

/** The managed online endpoint's audience. */
export const AZURE_ML_SCOPE = 'https://ml.azure.com/.default';
const KEY_VAULT_SCOPE = 'https://vault.azure.net/.default';

let defaultCredential: Promise<TokenCredentialLike> | undefined;

/** DefaultAzureCredential from @azure/identity, loaded once, on first use. */
export function loadDefaultCredential(): Promise<TokenCredentialLike> {
  defaultCredential ??= (async () => {
    const name = '@azure/identity'; // a variable, so TypeScript does not require the package
    try {
      const identity = (await import(name)) as { DefaultAzureCredential: new () => TokenCredentialLike };
      return new identity.DefaultAzureCredential();
    } catch {
      defaultCredential = undefined;
      throw new Error(
        'ORCHESTRATOR_KEY is not set, so the kit needs an Entra token, but @azure/identity is not installed: ' +
          'run `npm i @azure/identity` or set ORCHESTRATOR_KEY.',
      );
    }
  })();
  return defaultCredential;
}

/**
 * Caches what `load` returns until its `until` time; concurrent callers while a load is under way
 * share it, so a burst of chats costs one token or secret fetch.
 */
function cachedUntil(load: () => Promise<{ value: string; until: number }>): () => Promise<string> {
  let cached: { value: string; until: number } | undefined;
  let inflight: Promise<string> | undefined;
  return async () => {
    if (cached && Date.now() < cached.until) return cached.value;
    inflight ??= load()
      .then((fresh) => {
        cached = fresh;
        return fresh.value;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

/** A cached token getter: refreshes five minutes before expiry. */
export function tokenProvider(
  scope: string,
  credential: TokenCredentialLike | (() => Promise<TokenCredentialLike>),
): () => Promise<string> {
  return cachedUntil(async () => {
    const cred = typeof credential === 'function' ? await credential() : credential;
    const t = await cred.getToken(scope);
    if (!t) throw new Error(`no token for ${scope}`);
    return { value: t.token, until: t.expiresOnTimestamp - 5 * 60_000 };
  });
}

/**
 * Reads the endpoint key from Key Vault (REST, `GET {vault}/secrets/{name}`) with an Entra token,
 * caching it for `ttlMs` (default 1 h) so a rotated key is picked up without a restart.
 */
export function keyVaultSecretProvider(options: {
  vaultUrl: string;
  secretName: string;
  credential: TokenCredentialLike | (() => Promise<TokenCredentialLike>);
  ttlMs?: number;
}): () => Promise<string> {
  const vaultToken = tokenProvider(KEY_VAULT_SCOPE, options.credential);
  const url = new URL(`secrets/${encodeURIComponent(options.secretName)}?api-version=7.4`, options.vaultUrl.replace(/\/?$/, '/'));
  const ttl = options.ttlMs ?? 3_600_000;
  return cachedUntil(async () => {
    const res = await request(url, {
      headers: { authorization: `Bearer ${await vaultToken()}`, accept: 'application/json' },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    const body = (await res.body.json().catch(() => undefined)) as { value?: unknown } | undefined;
    if (res.statusCode !== 200 || typeof body?.value !== 'string') {
      throw new Error(`Key Vault answered ${res.statusCode} for secret ${options.secretName}`);
    }
    return { value: body.value, until: Date.now() + ttl };
  });
}
