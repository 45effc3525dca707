/**
 * No authentication: every visitor is "anonymous" (rate-limited per IP). For local runs only, so
 * it refuses to exist on App Service, where forgetting to configure auth would publish the chat.
 */
import { ConfigError } from '../config-error.js';
import type { Authenticator } from './types.js';

export function noAuth(env: Record<string, string | undefined> = process.env): Authenticator {
  if (env.WEBSITE_SITE_NAME) {
    throw new ConfigError(
      `AUTH_MODE=none is refused on App Service (WEBSITE_SITE_NAME=${env.WEBSITE_SITE_NAME}): ` +
        'turn on App Service authentication and use AUTH_MODE=easyauth, or use AUTH_MODE=entra.',
    );
  }
  return async () => ({ id: 'anonymous', provider: 'none' });
}
