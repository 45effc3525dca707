/**
 * The installed package's own folder (two levels above `dist/eval/`): the question set and judge
 * prompts ship inside the package, unlike the corpus and index, which are the user's and resolve
 * against the working directory (docs/configuration.md).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
