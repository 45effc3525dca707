/** Every visible or announced string of the element. Override any of them through the `strings` property. */
export interface GroundedChatStrings {
  title: string;
  greeting: string;
  inputLabel: string;
  placeholder: string;
  send: string;
  stop: string;
  retry: string;
  regenerate: string;
  copy: string;
  copied: string;
  copyCode: string;
  newConversation: string;
  openChat: string;
  closeChat: string;
  sources: string;
  /** `{n}` and `{title}` are replaced. */
  citation: string;
  closeSources: string;
  openSource: string;
  helpful: string;
  notHelpful: string;
  followups: string;
  suggestions: string;
  you: string;
  assistant: string;
  stopped: string;
  signIn: string;
  thinking: string;
  extractive: string;
  /** `{alt}` is replaced. Images are never loaded; they are shown as links. */
  image: string;
  /** Under an answer cut at the widget's limit. */
  answerCut: string;
  /** The length counter near the limit: `{count}` and `{max}` are replaced. */
  counter: string;
  /** Past the limit: `{count}`, `{max}` and `{over}` (characters to remove) are replaced. */
  tooLong: string;
  /**
   * Error texts per error code; `default` for any other code. `{seconds}` is replaced, and for
   * `quota_exceeded` `{time}` (when the quota resets, in the page's language).
   */
  errors: Record<string, string>;
}

export const defaultStrings: GroundedChatStrings = {
  title: 'Chat',
  greeting: 'Hi! Ask me a question and I will answer from this site’s documents.',
  inputLabel: 'Message',
  placeholder: 'Ask a question…',
  send: 'Send',
  stop: 'Stop',
  retry: 'Retry',
  regenerate: 'Regenerate',
  copy: 'Copy',
  copied: 'Copied',
  copyCode: 'Copy code',
  newConversation: 'New conversation',
  openChat: 'Open chat',
  closeChat: 'Close chat',
  sources: 'Sources',
  citation: 'Source {n}: {title}',
  closeSources: 'Close sources',
  openSource: 'Open source',
  helpful: 'Helpful',
  notHelpful: 'Not helpful',
  followups: 'Follow-up questions',
  suggestions: 'Suggestions',
  you: 'You',
  assistant: 'Assistant',
  stopped: 'Stopped.',
  signIn: 'Sign in',
  thinking: 'Thinking…',
  extractive: 'Quoted from the sources (no language model).',
  image: 'Image: {alt}',
  answerCut: 'The answer was too long and was cut here.',
  counter: 'Characters: {count} of {max}',
  tooLong: 'Too long to send: {count} of {max} characters. Remove {over}.',
  errors: {
    offline: 'You seem to be offline. Check your connection and try again.',
    network_blocked: 'This page could not reach the chat service, though you are online: a browser or network policy may block it, or the service is down.',
    network: 'The chat service could not be reached. Try again.',
    quota_exceeded: 'The daily question quota is used up. It resets at {time}.',
    quota_exceeded_later: 'The daily question quota is used up. Try again tomorrow.',
    rate_limited: 'Too many questions at once. Try again in {seconds} seconds.',
    rate_limited_soon: 'Too many questions at once. Try again in a moment.',
    content_filtered: 'This question or its answer was blocked by the content filter. Try rephrasing it.',
    unauthorized: 'Your session has ended. Sign in and try again.',
    forbidden: 'You do not have access to this chat.',
    timeout: 'The answer took too long. Try again.',
    upstream_unavailable: 'The assistant is unavailable right now. Try again in a little while.',
    payload_too_large: 'That message is too long. Shorten it and try again.',
    bad_request: 'The assistant could not take that question. Try shortening or rephrasing it.',
    bad_response: 'The server sent something that is not a chat answer (perhaps an error page). Try again later.',
    default: 'Something went wrong. Try again.',
  },
};

/** Replaces `{name}` placeholders. */
export const fill = (s: string, vars: Record<string, string | number>): string =>
  s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
