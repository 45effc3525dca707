/**
 * How the kit proves itself to the orchestrator when there is no static ORCHESTRATOR_KEY:
 * an Entra token for the endpoint (its `aad_token` mode, the architecture's production
 * recommendation; scope https://ml.azure.com/.default), or the endpoint key kept in Key Vault,
 * read with @azure/keyvault-secrets. Both use a TokenCredential: DefaultAzureCredential from
 * @azure/identity by default (managed identity on App Service), or any you pass.
 *
 * Why the SDK and not a REST call: it does Key Vault's challenge-based authentication (tenant and
 * scope from the vault's 401), retries with back-off, and follows the service's API versions.
 */
import type { SecretClient, SecretClientOptions } from '@azure/keyvault-secrets';
import type { TokenGetter } from './orchestrator-client.js';

/** The part of @azure/identity's TokenCredential the kit uses. */
export type TokenCredentialLike = {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
};

/** The managed online endpoint's audience. */
export const AZURE_ML_SCOPE = 'https://ml.azure.com/.default';

let defaultCredential: Promise<TokenCredentialLike> | undefined;

/**
 * DefaultAzureCredential, made once, on first use. Imported then, not at start: the SDKs take a
 * second or more to load, which an app using a static key should not pay.
 */
export function loadDefaultCredential(): Promise<TokenCredentialLike> {
  defaultCredential ??= import('@azure/identity').then((m) => new m.DefaultAzureCredential());
  return defaultCredential;
}

/**
 * Caches what `load` returns until its `until` time; concurrent callers while a load is under way
 * share it, so a burst of chats costs one token or secret fetch. `invalidate()` forgets it.
 */
function cachedUntil(load: () => Promise<{ value: string; until: number }>): TokenGetter {
  let cached: { value: string; until: number } | undefined;
  let inflight: Promise<string> | undefined;
  const get: TokenGetter = async () => {
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
  get.invalidate = () => {
    cached = undefined;
  };
  return get;
}

type CredentialSource = TokenCredentialLike | (() => TokenCredentialLike | Promise<TokenCredentialLike>);
const resolve = async (c: CredentialSource) => (typeof c === 'function' ? c() : c);

/** A cached token getter: refreshes five minutes before expiry, or when the orchestrator refuses it. */
export function tokenProvider(scope: string, credential: CredentialSource = loadDefaultCredential): TokenGetter {
  return cachedUntil(async () => {
    const t = await (await resolve(credential)).getToken(scope);
    if (!t) throw new Error(`no token for ${scope}`);
    return { value: t.token, until: t.expiresOnTimestamp - 5 * 60_000 };
  });
}

/**
 * Reads the endpoint key from Key Vault, caching it for `ttlMs` (default 1 h) so a rotated key is
 * picked up without a restart; the orchestrator refusing it (401) makes the client read it again
 * at once (see OrchestratorClient).
 */
export function keyVaultSecretProvider(options: {
  vaultUrl: string;
  secretName: string;
  credential?: CredentialSource;
  ttlMs?: number;
  /** SDK client options (tests point the SDK at a loopback vault with these). */
  clientOptions?: SecretClientOptions;
}): TokenGetter {
  const ttl = options.ttlMs ?? 3_600_000;
  let client: SecretClient | undefined;
  return cachedUntil(async () => {
    const { SecretClient } = await import('@azure/keyvault-secrets');
    client ??= new SecretClient(options.vaultUrl, (await resolve(options.credential ?? loadDefaultCredential)) as never, options.clientOptions);
    const secret = await client.getSecret(options.secretName);
    if (typeof secret.value !== 'string' || secret.value === '') throw new Error(`Key Vault secret ${options.secretName} has no value`);
    return { value: secret.value, until: Date.now() + ttl };
  });
}
