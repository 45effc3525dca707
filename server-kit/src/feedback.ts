/**
 * `POST {base}/feedback`: a thumbs up/down on an answer, handed to your `onFeedback` hook (store it,
 * send it to Application Insights, …). Answers 204; the hook's failures are logged, not shown.
 */
import { z } from 'zod';
import type { Principal } from './auth/types.js';
import { ChatKitError } from './errors.js';
import { describeIssue } from './validate.js';

export const feedbackSchema = z.object({
  messageId: z.string().max(200).optional(),
  traceId: z.string().regex(/^[0-9a-f]{32}$/, { message: 'must be 32 lowercase hex digits' }).optional(),
  rating: z.enum(['up', 'down']),
  comment: z.string().max(2000, { message: 'must be at most 2000 characters' }).optional(),
});
export type Feedback = z.infer<typeof feedbackSchema>;

export type FeedbackOptions = {
  onFeedback: (feedback: Feedback, principal: Principal) => void | Promise<void>;
};

export function parseFeedback(body: unknown): Feedback {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ChatKitError('bad_request', 'The request body must be a JSON object with a rating.');
  }
  const result = feedbackSchema.safeParse(body, { reportInput: true });
  if (!result.success) {
    throw new ChatKitError('bad_request', result.error.issues.slice(0, 3).map(describeIssue).join('; '));
  }
  return result.data;
}
