import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { defaultReporter } from '@web/test-runner';
import { chromeLauncher } from '@web/test-runner-chrome';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { countReporter } from '../scripts/wtr-count-reporter.mjs';
import { mockMiddleware } from './test/mock-server.mjs';

// The CSP test loads the built drop-in (dist/grounded-chat.js): build it when it is missing.
if (!existsSync(new URL('./dist/grounded-chat.js', import.meta.url))) {
  execFileSync('npx', ['rollup', '-c', 'rollup.config.mjs'], { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: 'inherit' });
}

export default {
  files: ['test/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 4,
  plugins: [esbuildPlugin({ ts: true, tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)) })],
  middleware: [mockMiddleware],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      },
    }),
  ],
  testFramework: { config: { timeout: 10000 } },
  reporters: [defaultReporter(), countReporter()],
};
