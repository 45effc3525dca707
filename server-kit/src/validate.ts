/**
 * Validates a contract-A request and adds the kit's own rules on top of the protocol:
 * no client `system` message (the system prompt is the server's) and the last message is the
 * user's question. Messages name the offending field so a developer can fix the call quickly.
 */
import type { z } from 'zod';
import { chatRequestSchema, type ChatLimits, type ChatMessage, type ChatRequest } from './contract.js';
import { ChatKitError } from './errors.js';

/** `['messages', 0, 'role']` → `messages[0].role`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || 'body';
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : `a ${t}`;
}

function article(type: string): string {
  if (type === 'record') return 'an object'; // z.record: to a caller it is just an object
  if (type === 'array' || type === 'object') return `an ${type}`;
  return `a ${type}`;
}

/** zod's built-in messages start with a capital ("Invalid input…", "Too small…"); ours do not. */
function isDefaultMessage(message: string): boolean {
  return /^[A-Z]/.test(message);
}

/** One readable sentence per zod issue; never echoes the input's values. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${where} is required`;
      return `${where} must be ${article(issue.expected)}, not ${describeType(issue.input)}`;
    case 'invalid_value': {
      // The protocol allows `system`, the kit does not: do not advertise it.
      const values = issue.values.filter((v) => !(where.endsWith('.role') && v === 'system'));
      return `${where} must be one of ${values.map(String).join(', ')}`;
    }
    case 'too_small':
    case 'too_big': {
      if (!isDefaultMessage(issue.message)) return `${where} ${issue.message}`;
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.code === 'too_small' ? 'at least' : 'at most';
      const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' ? ' items' : '';
      return `${where} must be ${word} ${String(bound)}${unit}`;
    }
    case 'invalid_format':
    case 'custom':
      return isDefaultMessage(issue.message) ? `${where} is not valid` : `${where} ${issue.message}`;
    default:
      return `${where} is not valid`;
  }
}

const ROLES = new Set(['user', 'assistant', 'system']);

/**
 * The common request, checked by hand: `messages` of plain `{ role, content }` within the limits,
 * an optional `sessionState`, nothing else. It gives what the schema would (a copy with the same
 * fields); anything else (a message `context`, a request `context`, an unknown key, a wrong type)
 * goes through zod, which also words the error. Why: zod's generic walk was a noticeable part of
 * the kit's CPU per chat in a burst (bench/server-kit-burst.bench.mjs).
 */
function plainRequest(body: Record<string, unknown>, l: { maxMessages: number; maxMessageChars: number }): ChatRequest | undefined {
  for (const key in body) if (key !== 'messages' && key !== 'sessionState') return undefined;
  if (Object.getPrototypeOf(body) !== Object.prototype) return undefined;
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > l.maxMessages) return undefined;
  const out: ChatMessage[] = new Array(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i] as Record<string, unknown> | null;
    if (m === null || typeof m !== 'object' || Array.isArray(m) || Object.getPrototypeOf(m) !== Object.prototype) return undefined;
    let n = 0;
    for (const key in m) {
      if (key !== 'role' && key !== 'content') return undefined;
      n++;
    }
    const { role, content } = m;
    if (n !== 2 || typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string' || content.length > l.maxMessageChars) return undefined;
    out[i] = { role: role as ChatMessage['role'], content };
  }
  const request: ChatRequest = { messages: out };
  if (body.sessionState !== undefined) request.sessionState = body.sessionState;
  return request;
}

/**
 * Validates a request against `schema`, built by chatRequestSchema(`limits`) (the limits let
 * the common request skip zod; without them every request goes through it).
 */
export function parseChatRequest(
  body: unknown,
  schema: ReturnType<typeof chatRequestSchema>,
  limits?: Pick<ChatLimits, 'maxMessages' | 'maxMessageChars'>,
): ChatRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ChatKitError('bad_request', 'The request body must be a JSON object with a messages array.');
  }
  let request = limits ? plainRequest(body as Record<string, unknown>, limits) : undefined;
  if (!request) {
    // reportInput lets us tell "missing" from "wrong type"; the input itself never reaches the message.
    const result = schema.safeParse(body, { reportInput: true });
    if (!result.success) {
      const sentences = result.error.issues.slice(0, 3).map(describeIssue);
      throw new ChatKitError('bad_request', sentences.join('; '));
    }
    request = result.data as ChatRequest;
  }
  const { messages } = request;
  for (let i = 0; i < messages.length; i++) {
    if (messages[i]!.role === 'system') {
      throw new ChatKitError('bad_request', `messages[${i}].role: the system prompt is set by the server`);
    }
  }
  for (let i = 0; i < messages.length; i++) {
    const problem = textProblem(messages[i]!.content);
    if (problem) throw new ChatKitError('bad_request', `messages[${i}].content ${problem}`);
  }
  const last = messages[messages.length - 1]!;
  if (last.role !== 'user') {
    throw new ChatKitError('bad_request', 'The last message must be from the user.');
  }
  if (last.content.trim().length === 0) {
    throw new ChatKitError('bad_request', `messages[${messages.length - 1}].content must not be empty`);
  }
  return request;
}


/** With the u flag a well-formed pair is one code point above U+FFFF, so only a lone half matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/**
 * Bidi embedding/override/isolate controls (U+202A–U+202E, U+2066–U+2069): they make text read
 * differently from how it is stored ("Trojan Source"), in the model's prompt and in logs.
 * Marks (U+200E/U+200F) stay allowed: right-to-left writers use them.
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/** Why a message text is refused, or undefined. Refused rather than cleaned: nothing is silently lost. */
export function textProblem(text: string): string | undefined {
  // A lone surrogate is not Unicode text: the model API would reject or mangle it.
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired surrogate (not valid Unicode text)';
  if (BIDI_CONTROLS.test(text)) return 'contains bidirectional override characters';
  return undefined;
}
