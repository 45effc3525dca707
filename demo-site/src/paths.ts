import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** demo-site/ — this package's folder, whether running from src (tsx) or dist. */
export const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The built widget (drop-in bundle, lazy chunks). Resolved through the package, not a sibling path. */
export const widgetDistDir = resolve(dirname(require.resolve('@grounded-chat/widget/package.json')), 'dist');

/** Files served at the site's root (favicon), copied by the build. */
export const publicDir = resolve(packageDir, 'public');

/** The page scripts and the stylesheet, bundled by the build. */
export const clientDir = resolve(packageDir, 'client');

/** The docs the local index is built from, rendered by the build. */
export const defaultDocsDir = resolve(packageDir, '..', 'docs');

/** Where `npm run build` writes the site (see src/build/site-build.ts). */
export const defaultSiteDir = resolve(packageDir, 'dist', 'site');
