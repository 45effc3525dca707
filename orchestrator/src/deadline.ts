/**
 * A step's signal: aborted when its parent is, or when its deadline passes.
 *
 * Why not `AbortSignal.any([parent, AbortSignal.timeout(ms)])`: that is two more signals per
 * step, tied by weak references the garbage collector must track, and a timer that runs to its
 * end even when the step took a millisecond. Every request runs two or three steps, so this is
 * one controller, one listener and one timer, all released the moment the step is over.
 */
export interface Deadline {
  signal: AbortSignal;
  /** True when the deadline (not the parent) ended it. */
  readonly timedOut: boolean;
  /** Stops the timer and unhooks from the parent. */
  dispose(): void;
}

export function deadline(parent: AbortSignal | undefined, ms: number): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, ms);
  timer.unref();
  const follow = () => controller.abort(parent!.reason);
  if (parent?.aborted) follow();
  else parent?.addEventListener('abort', follow, { once: true });
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', follow);
    },
  };
}
