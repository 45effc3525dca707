/**
 * Shared zod pieces for reading environment variables: unset and empty are the same, numbers and
 * booleans say what they expected, and a slice parses to one readable line per bad variable.
 */
import { z } from 'zod';

// Unset and empty are the same thing: `FOO= npm start` must not turn into an invalid value.
export const optionalString = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

export const optionalUrl = optionalString.pipe(
  z.url({ message: 'must be an absolute URL such as https://example.com/' }).optional(),
);

export const intInRange = (min: number, max: number, fallback: number) =>
  optionalString.transform((s, ctx) => {
    if (s === undefined) return fallback;
    if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) {
      ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${s}")` });
      return z.NEVER;
    }
    return Number(s);
  });


export const optionalBoolean = optionalString.transform((s, ctx) => {
  if (s === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(s)) return true;
  if (/^(0|false|no|off)$/i.test(s)) return false;
  ctx.addIssue({ code: 'custom', message: `must be true or false (got "${s}")` });
  return z.NEVER;
});

/** `schema` applied to `env`: the data, or one readable line per bad variable. */
export function parseSlice<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): { ok: true; data: z.infer<T> } | { ok: false; problems: string[] } {
  const parsed = schema.safeParse(env);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`) };
}

