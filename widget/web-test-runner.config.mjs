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
      // GC_CPU_THROTTLE=4 runs every test page on a CPU slowed 4x (CDP Emulation.setCPUThrottlingRate):
      // how timing-sensitive tests are caught before a loaded CI machine finds them.
      // Each test file gets a browser context of its own, so its own localStorage and sessionStorage:
      // files run four at a time on one origin, and one file's cleanup (localStorage.clear()) could
      // wipe what another had just stored (seen once in a CI run: storage-key.test.ts read null).
      createPage: async ({ browser }) => {
        const context = await browser.createBrowserContext();
        const page = await context.newPage();
        page.once('close', () => void context.close().catch(() => {}));
        const rate = Number(process.env.GC_CPU_THROTTLE ?? 1);
        if (rate > 1) await (await page.createCDPSession()).send('Emulation.setCPUThrottlingRate', { rate });
        return page;
      },
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
