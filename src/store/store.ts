/** The event store over one SQL: records contexts, keeps the suppression list, dedupes deliveries. */

import { ConfigError, systemClock } from '../errors.js';
import type { EmailTrackingContext, RejectCategory } from '../events.js';
import { rejectUnknownKeys } from '../providers/options.js';
import { parseOptions } from '../schema.js';
import { createTrackingEventEncoder, decodeTrackingEvent } from '../wire.js';
import { normalizeAddress } from './address.js';
import {
  type D1DatabaseLike,
  fromD1,
  fromSqlite,
  isD1Database,
  isSqliteDatabase,
  type SqlDatabase,
  type SqliteDatabaseLike,
  type SqlStatement,
  type SqlValue,
} from './database.js';
import * as sql from './sql.js';
import {
  DEFAULT_EVENT_LIMIT,
  type EventPage,
  type EventQuery,
  type EventStore,
  MAX_EVENT_LIMIT,
  type StoreOptions,
  StoreOptionsSchema,
  type Suppression,
} from './types.js';

const _DAY_MS = 86_400_000;
// One JSON parameter stays well under D1's 2 MB limit on a bound string.
const _CHUNK_CHARS = 512 * 1024;

/** The reason a context suppresses its recipient, or null when it does not. */
export function suppressionReason(context: EmailTrackingContext): RejectCategory | null {
  switch (context.eventType) {
    case 'bounced':
    case 'rejected':
      return context.permanent === true
        ? (context.rejectCategory ?? (context.eventType === 'bounced' ? 'bounced' : 'other'))
        : null;
    case 'complained':
      return 'spam';
    case 'unsubscribed':
      return 'unsubscribed';
    default:
      return null;
  }
}

/**
 * Splits rows into JSON array parameters of bounded size (each row's JSON measured once), each
 * with the index of its first row.
 */
function _chunks(rows: readonly unknown[]): { json: string; start: number }[] {
  const chunks: { json: string; start: number }[] = [];
  let parts: string[] = [];
  let size = 0;
  let start = 0;
  const cut = () => {
    chunks.push({ json: `[${parts.join(',')}]`, start });
    start += parts.length;
    parts = [];
    size = 0;
  };
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (parts.length && size + json.length > _CHUNK_CHARS) cut();
    parts.push(json);
    size += json.length + 1;
  }
  if (parts.length) cut();
  return chunks;
}

/** One statement per chunk of `rows`, its JSON array the last parameter, after `before`. */
const _each = (query: string, rows: readonly unknown[], ...before: number[]): SqlStatement[] =>
  _chunks(rows).map(({ json }) => ({ sql: query, params: [...before, json] }));

function _parseStoreOptions(options: StoreOptions | undefined) {
  rejectUnknownKeys(options ?? {}, Object.keys(StoreOptionsSchema.entries), 'store');
  try {
    return parseOptions(StoreOptionsSchema, options ?? {});
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`store.${error.setting}`, error.detail);
  }
}

/** Options as `StoreOptionsSchema` gives them, or as the environment reader builds them. */
export interface CheckedStoreOptions {
  readonly ignoreLocalPartCase?: boolean | undefined;
  readonly retentionDays?: number | undefined;
  readonly now?: (() => Date) | undefined;
}

/**
 * The store over any `SqlDatabase`, for checked options: `createD1Store` and `createSqliteStore`
 * are this with the options parsed, `storeFromEnv` with the variables it checked itself (so a
 * Worker carries no store option schema).
 */
export function createSqlStore(db: SqlDatabase, name: string, o: CheckedStoreOptions): EventStore {
  const now = o.now ?? systemClock;
  const address = (email: string) => normalizeAddress(email, o.ignoreLocalPartCase);
  const key = (c: EmailTrackingContext) => [c.eventId, address(c.recipient), c.eventType];

  // Tables are created by the first call; a failure lets the next call try again.
  let ready: Promise<unknown> | undefined;
  const run = async (statements: SqlStatement[]) => {
    ready ??= db.batch(sql.SCHEMA.map((text) => ({ sql: text, params: [] }))).catch((error) => {
      ready = undefined;
      throw error;
    });
    await ready;
    return db.batch(statements);
  };

  const _prune = (): SqlStatement[] => {
    if (o.retentionDays === undefined) return [];
    const cutoff = now().getTime() - o.retentionDays * _DAY_MS;
    return [
      { sql: sql.PRUNE_EVENTS, params: [cutoff] },
      { sql: sql.PRUNE_DELIVERIES, params: [cutoff] },
    ];
  };

  /**
   * `EventStore.record`: with `until`, claims the contexts for a request whose deadline that is,
   * and waits on those another request's claim holds.
   */
  const record = async (
    events: readonly EmailTrackingContext[],
    until = 0,
  ): Promise<EmailTrackingContext[]> => {
    // The first of each key in this request; later copies are duplicates already.
    const seen = new Set<string>();
    const firsts = events.filter((c) => {
      const id = JSON.stringify(key(c));
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const encode = createTrackingEventEncoder();
    const suppressing = firsts.flatMap((c) => {
      const reason = suppressionReason(c);
      // An event that names no recipient (reported with an empty one) suppresses no one.
      return reason === null || !c.recipient.trim()
        ? []
        : [
            [
              address(c.recipient),
              reason,
              c.espName,
              c.timestamp.getTime(),
              c.eventId,
              c.eventType,
            ],
          ];
    });
    const rows = firsts.map((c) => [
      c.eventId,
      address(c.recipient),
      c.messageId,
      c.eventType,
      c.espName,
      c.timestamp.getTime(),
      encode(c).json,
    ]);
    // Pruned after the insert, in the same batch: an event already older than retentionDays
    // is never kept (its suppression is: suppressions are never pruned).
    // The lookups are chunked as the inserts are: one bound string stays under D1's limit
    // however large a batch maxBodyBytes lets in. Each key is claimed in the transaction it
    // is looked up in: of two requests carrying it, one delivers it and the other waits.
    const lookups = _chunks(firsts.map(key));
    const time = Date.now();
    const results = await run([
      ...lookups.map(({ json }) => ({ sql: sql.SELECT_DELIVERED, params: [json] })),
      ..._each(sql.UPSERT_SUPPRESSIONS, suppressing),
      ..._each(sql.INSERT_EVENTS, rows),
      ..._each(sql.UPSERT_DELIVERIES, until ? firsts.map(key) : [], -until, -time),
      ..._prune(),
    ]);
    const found: number[] = [];
    lookups.forEach(({ start }, n) => {
      for (const row of results[n] ?? []) found[start + Number(row.i)] = row.t as number;
    });
    // Delivered: dropped. Claimed by a request still running: looked up again after a wait.
    const fresh: EmailTrackingContext[] = [];
    const busy: EmailTrackingContext[] = [];
    firsts.forEach((c, i) => {
      // No row: never seen, or a lifted claim (-1) or one lapsed: this request delivers it.
      const t = found[i] ?? -1;
      (until && t < -time ? busy : t < 0 ? fresh : []).push(c);
    });
    if (busy.length) {
      // Looked up again every 100 ms while there is time.
      if (time + 100 >= until) throw new Error('another request is delivering them');
      await new Promise((resolve) => setTimeout(resolve, 100));
      fresh.push(...(await record(busy, until)));
    }
    return fresh;
  };

  const suppression = async (email: string): Promise<Suppression | null> => {
    const recipient = address(email);
    const [rows] = await run([{ sql: sql.SELECT_SUPPRESSION, params: [recipient] }]);
    const row = rows?.[0];
    if (!row) return null;
    return {
      recipient,
      reason: row.reason as Suppression['reason'],
      provider: String(row.provider),
      since: new Date(Number(row.since)),
      eventId: String(row.event_id),
    };
  };

  return {
    name,

    record,

    async markDelivered(events) {
      // Any claim gives way: these were delivered.
      if (events.length)
        await run(_each(sql.UPSERT_DELIVERIES, events.map(key), now().getTime(), -9e15));
    },

    async release(events) {
      await run(_each(sql.RELEASE_DELIVERIES, events.map(key)));
    },

    isSuppressed: async (email) => (await suppression(email)) !== null,

    suppression,

    async unsuppress(email) {
      const recipient = address(email);
      const [rows] = await run([
        { sql: sql.SELECT_SUPPRESSION, params: [recipient] },
        { sql: sql.DELETE_SUPPRESSION, params: [recipient] },
      ]);
      return (rows?.length ?? 0) > 0;
    },

    async events(query: EventQuery = {}) {
      // `{ type }` (the route's name) or a misspelt key must not return every event.
      rejectUnknownKeys(query, ['recipient', 'messageId', 'eventType', 'limit', 'next'], 'events');
      // `1` (true) first: the query always has a WHERE.
      const conditions = ['1'];
      const params: SqlValue[] = [];
      if (query.recipient !== undefined) {
        conditions.push('recipient = ?');
        params.push(address(query.recipient));
      }
      if (query.messageId !== undefined) {
        conditions.push('message_id = ?');
        params.push(query.messageId);
      }
      if (query.eventType !== undefined) {
        conditions.push('event_type = ?');
        params.push(query.eventType);
      }
      if (query.next !== undefined) {
        // That row and those after it in the history's order (id breaks a tie on timestamp);
        // written tight, as the query is (sql.ts).
        conditions.push('(timestamp,id)<=(SELECT timestamp,id FROM events WHERE id=?)');
        params.push(query.next);
      }
      params.push(eventLimit(query.limit));
      const [rows = []] = await run([{ sql: sql.selectEvents(conditions), params }]);
      const found: EventPage = [];
      for (const { wire } of rows) {
        // An id in place of the wire, past the size budget (sql.ts): the next page begins there.
        if (typeof wire !== 'string') {
          found.next = Number(wire);
          break;
        }
        found.push(decodeTrackingEvent(wire));
      }
      return found;
    },
  };
}

/** `limit` as the store applies it: default 100, at most 1000; anything else not a count throws. */
export function eventLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_EVENT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a whole number from 1, got ${limit}`);
  }
  return Math.min(limit, MAX_EVENT_LIMIT);
}

/**
 * The store on Cloudflare D1. Tables are created when missing; `migrations/` holds the same
 * schema for `wrangler d1 migrations apply`.
 * @param binding the D1 binding, e.g. `env.MAIL_WEBHOOK_DB`
 * @example
 * const handle = createMailWebhookHandler({ store: createD1Store(env.MAIL_WEBHOOK_DB), apiToken });
 */
export function createD1Store(binding: D1DatabaseLike, options?: StoreOptions): EventStore {
  if (!isD1Database(binding)) {
    throw new ConfigError('store', 'createD1Store expects a D1 database binding');
  }
  return createSqlStore(fromD1(binding), 'd1', _parseStoreOptions(options));
}

/**
 * The store on SQLite: a `bun:sqlite` `Database`, or a `node:sqlite` `DatabaseSync` (Deno,
 * Node 22.5+). Tables are created when missing.
 * @example
 * import { Database } from 'bun:sqlite';
 * const store = createSqliteStore(new Database('mailhooks.sqlite'), { retentionDays: 90 });
 */
export function createSqliteStore(db: SqliteDatabaseLike, options?: StoreOptions): EventStore {
  // A D1 binding has `prepare` and `exec` too, but runs them later, outside any transaction:
  // every request would fail, and its statements reject where no one awaits them.
  if (!isSqliteDatabase(db) || isD1Database(db)) {
    throw new ConfigError(
      'store',
      'createSqliteStore expects a bun:sqlite Database or a node:sqlite DatabaseSync (a D1 binding takes createD1Store)',
    );
  }
  return createSqlStore(fromSqlite(db), 'sqlite', _parseStoreOptions(options));
}
