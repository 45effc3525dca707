/**
 * Twin: server-kit/src/telemetry/privacy.ts. Duplicated on purpose: the kit and the orchestrator
 * deploy separately and the project has no shared runtime package (four workspaces, by design), so
 * neither may import the other. Change both together; test/e2e/telemetry-twins.test.ts fails when
 * they stop hashing a visitor id alike (the two processes must agree on a visitor's hash).
 *
 * Privacy by default (docs/telemetry.md#privacy): visitor ids leave the process only as a keyed
 * hash, and no question, answer or document text is recorded unless `recordText` is on.
 *
 * Why a keyed hash (HMAC-SHA-256) and not a plain one: user ids are guessable (emails, object
 * ids), so an unkeyed hash can be reversed by hashing candidates. Give both processes the same
 * key (TELEMETRY_USER_HASH_KEY) and a visitor hashes to the same value in the kit's and the
 * orchestrator's telemetry; without one, a random per-process key still hides the id but the
 * same visitor gets a new hash whenever a process restarts.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface TelemetryPrivacyOptions {
  /** Key of the user-id hash. Default: TELEMETRY_USER_HASH_KEY, else random per process. */
  userHashKey?: string;
  /** Record question, answer and passage text on spans and logs. Default false. */
  recordText?: boolean;
}

export interface TelemetryPrivacy {
  readonly recordText: boolean;
  /** The pseudonymous id to record for a visitor id (22 base64url chars, 128 bits). */
  hashUser(id: string): string;
  /** `text` when recording text is on, else undefined. */
  text(text: string): string | undefined;
}

let processKey: Buffer | undefined;

export function telemetryPrivacy(options: TelemetryPrivacyOptions = {}, env: Record<string, string | undefined> = process.env): TelemetryPrivacy {
  const configured = options.userHashKey ?? env.TELEMETRY_USER_HASH_KEY;
  const key = configured ? Buffer.from(configured, 'utf8') : (processKey ??= randomBytes(32));
  const recordText = options.recordText ?? env.TELEMETRY_RECORD_TEXT === 'true';
  return {
    recordText,
    hashUser: (id) => hashUserId(id, key),
    text: (text) => (recordText ? text : undefined),
  };
}

export function hashUserId(id: string, key: string | Buffer): string {
  // String(): a host's own authenticator may hand a numeric id; it hashes like its text form.
  return createHmac('sha256', key).update(String(id), 'utf8').digest('base64url').slice(0, 22);
}
