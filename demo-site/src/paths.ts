import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** demo-site/ — this package's folder, whether running from src (tsx) or dist. */
export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The built widget (drop-in bundle, lazy chunks). Resolved through the package, not a sibling path. */
export const widgetDistDir = resolve(dirname(require.resolve('@grounded-chat/widget/package.json')), 'dist');

/** Static demo pages. */
export const publicDir = resolve(packageDir, 'public');

/** The docs the local index is built from; served read-only so citations can be opened. */
export const defaultDocsDir = resolve(packageDir, '..', 'docs');
