import { z } from 'zod';
import { isAbsolute, resolve } from 'node:path';
import { defaultDocsDir } from './paths.js';

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DOCS_DIR: z.string().min(1).optional(),
  WEBSITE_SITE_NAME: z.string().optional(),
});

export type DemoConfig = {
  port: number;
  host: string;
  docsDir: string;
  /** True on App Service, where a front end terminates TLS and sets X-Forwarded-For. */
  onAppService: boolean;
};

/** The demo site's own settings; the chat settings are the server kit's (see createChatRouterFromEnv). */
export function loadDemoConfig(env: NodeJS.ProcessEnv): DemoConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new DemoConfigError(lines);
  }
  const v = parsed.data;
  const docsDir = v.DOCS_DIR ? (isAbsolute(v.DOCS_DIR) ? v.DOCS_DIR : resolve(v.DOCS_DIR)) : defaultDocsDir;
  return { port: v.PORT, host: v.HOST, docsDir, onAppService: Boolean(v.WEBSITE_SITE_NAME) };
}

export class DemoConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'DemoConfigError';
  }
}
