export type { Authenticator, Principal } from './types.js';
export { noAuth } from './none.js';
export { easyAuth, easyAuthEnabled, principalFromHeaders, type EasyAuthOptions } from './easyauth.js';
export { entraAuth, type EntraAuthOptions } from './entra.js';
export { customAuth } from './custom.js';
export { fromMiddleware, type FromMiddlewareOptions } from './middleware.js';
