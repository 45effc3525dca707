/**
 * The Redis LimitStore, for apps on several instances: rates through rate-limit-redis, slots and
 * token counters with small Lua scripts so each check-and-take is one atomic round trip.
 *
 * Give it a `sendCommand` of your own client (node-redis: `(...a) => client.sendCommand(a)`,
 * ioredis: `(c, ...a) => client.call(c, ...a)`), or a `url` and it makes a node-redis client.
 */
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import type { Logger } from '../logger.js';
import type { LimitStore } from './store.js';

type Reply = boolean | number | string | null | Reply[];
export type SendCommand = (...args: string[]) => Promise<unknown>;

export type RedisStoreOptions = {
  /** Prefix of every key. Default `gc:`. */
  prefix?: string;
  logger?: Logger;
  /** With `url`: how long a request waits for Redis to (re)connect before failing. Default 2 000 ms. */
  connectTimeoutMs?: number;
} & ({ sendCommand: SendCommand } | { url: string });

const ACQUIRE = `local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return 1`;
const RELEASE = `local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n`;
const ADD = `for i, k in ipairs(KEYS) do
  redis.call('INCRBY', k, ARGV[1])
  redis.call('PEXPIREAT', k, ARGV[2])
end
return 1`;

// The same, two at a time: a chat's admission (slot + quota counters) and its end (slot + charge)
// are one round trip each. ARGV[1] is '' when there is no slot (KEYS then holds counters only).
const ACQUIRE_GET = `local first = 1
local ok = 1
if ARGV[1] ~= '' then
  first = 2
  local n = redis.call('INCR', KEYS[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) ok = 0 end
end
local out = {ok}
for i = first, #KEYS do out[#out + 1] = tonumber(redis.call('GET', KEYS[i]) or '0') end
return out`;
const RELEASE_ADD = `local first = 1
if ARGV[1] == '1' then
  first = 2
  local n = redis.call('DECR', KEYS[1])
  if n <= 0 then redis.call('DEL', KEYS[1]) end
end
if tonumber(ARGV[2]) > 0 then
  for i = first, #KEYS do
    redis.call('INCRBY', KEYS[i], ARGV[2])
    redis.call('PEXPIREAT', KEYS[i], ARGV[3])
  end
end
return 1`;

export function redisStore(options: RedisStoreOptions): LimitStore {
  const prefix = options.prefix ?? 'gc:';
  let send: SendCommand;
  let close: (() => Promise<void>) | undefined;
  if ('sendCommand' in options) send = options.sendCommand;
  else {
    const client = createClient({ url: options.url, disableOfflineQueue: true });
    // Without a listener node-redis throws on a lost connection; it reconnects by itself.
    client.on('error', (err: unknown) =>
      options.logger?.error('redis connection problem', { error: (err as Error)?.name ?? typeof err }),
    );
    const waitMs = options.connectTimeoutMs ?? 2_000;
    let connecting: Promise<unknown> | undefined;
    let closed = false;
    send = async (...args) => {
      if (closed) throw new Error('redis store closed');
      connecting ??= client.connect().catch(() => {});
      if (!client.isReady) {
        // While Redis is down, wait a little for it, then fail this request (fail closed) rather than queue it.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([connecting, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
        clearTimeout(timer);
        if (!client.isReady) throw new Error('redis not connected');
      }
      return client.sendCommand(args);
    };
    close = async () => {
      closed = true;
      if (client.isReady) await client.close();
      else if (client.isOpen) client.destroy();
    };
  }
  const eval_ = (script: string, keys: readonly string[], args: Array<string | number>) =>
    send('EVAL', script, String(keys.length), ...keys.map((k) => prefix + k), ...args.map(String)) as Promise<Reply>;

  const store: LimitStore = {
    kind: 'redis',
    rateLimitStore: (p) => new RedisStore({ prefix: prefix + p, sendCommand: (...a: string[]) => send(...a) as Promise<number> }),
    acquire: async (key, max, ttlMs) => Number(await eval_(ACQUIRE, [key], [max, ttlMs])) === 1,
    release: async (key) => {
      await eval_(RELEASE, [key], []);
    },
    getCounters: async (keys) => {
      if (keys.length === 0) return [];
      const values = (await send('MGET', ...keys.map((k) => prefix + k))) as Array<string | null>;
      return values.map((v) => (v === null ? 0 : Number(v) || 0));
    },
    addCounters: async (keys, amount, resetAt) => {
      if (keys.length === 0 || amount <= 0) return;
      await eval_(ADD, keys, [Math.ceil(amount), Math.ceil(resetAt)]);
    },
    acquireAndGet: async (slot, counterKeys) => {
      const keys = slot ? [slot.key, ...counterKeys] : counterKeys;
      const reply = (await eval_(ACQUIRE_GET, keys, slot ? [slot.max, slot.ttlMs] : ['', 0])) as number[];
      return { acquired: Number(reply[0]) === 1, counters: reply.slice(1).map((v) => Number(v) || 0) };
    },
    releaseAndAdd: async (slotKey, counterKeys, amount, resetAt) => {
      const keys = slotKey ? [slotKey, ...counterKeys] : counterKeys;
      if (keys.length === 0) return;
      await eval_(RELEASE_ADD, keys, [slotKey ? 1 : 0, Math.max(0, Math.ceil(amount)), Math.ceil(resetAt)]);
    },
  };
  if (close) store.close = close;
  return store;
}
