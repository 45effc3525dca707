/**
 * Where the kit reports what visitors must not see (upstream statuses, failures of the relay).
 * Pass your own (pino, winston and console all fit) or `silentLogger` in tests.
 */
export type Logger = {
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

export const consoleLogger: Logger = {
  warn: (message, fields) => console.warn(`[grounded-chat] ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`[grounded-chat] ${message}`, fields ?? ''),
};

export const silentLogger: Logger = { warn: () => {}, error: () => {} };
