/** The event store's public shape: options, the suppression record, history queries. */
import * as v from 'valibot';
import type { EmailTrackingContext, RejectCategory, TrackingEventType } from '../events.js';
import { boolean, functionSchema, number } from '../schema.js';

// Pure: functionSchema is a call esbuild cannot see through, and only the store factories read
// this schema; a Worker (the environment reader passes checked options) leaves it out.
export const StoreOptionsSchema = /* @__PURE__ */ (() =>
  v.object({
    /** Fold the local part's case too (`Jane@x` is `jane@x`). Default false: only the domain's. */
    ignoreLocalPartCase: v.optional(boolean(), false),
    /** Events (and dedupe records) older than this many days are pruned as new ones arrive. */
    retentionDays: v.optional(
      v.pipe(
        number(),
        v.check((days) => days >= 1 && days <= 36_500, 'expected a number of days from 1 to 36500'),
      ),
    ),
    /** The clock retention is measured against (tests). */
    now: v.optional(functionSchema<() => Date>('a clock function')),
  }))();

/** Options of `createD1Store` and `createSqliteStore`. */
export type StoreOptions = v.InferInput<typeof StoreOptionsSchema>;

/** Why and since when an address is suppressed. */
export interface Suppression {
  /** The address as stored (domain part lower-cased). */
  readonly recipient: string;
  /** `bounced`, `invalid`, ... for a permanent bounce or reject; `spam`; `unsubscribed`. */
  readonly reason: RejectCategory;
  /** The ESP that reported it (`espName`). */
  readonly provider: string;
  /** When the first event that suppressed the address happened. */
  readonly since: Date;
  /** That event's id. */
  readonly eventId: string;
}

/** A history query; filters combine, newest first. */
export interface EventQuery {
  readonly recipient?: string | undefined;
  readonly messageId?: string | undefined;
  readonly eventType?: TrackingEventType | undefined;
  /** Default 100, at most 1000. */
  readonly limit?: number | undefined;
  /** An earlier answer's `next`: the history from that event on (the next page). */
  readonly next?: number | undefined;
}

/**
 * Contexts, newest first. `next` is set when the store cut the list short of `limit` to keep the
 * answer's size bounded: the same query with it reads on.
 */
export type EventPage = EmailTrackingContext[] & { next?: number };

export const DEFAULT_EVENT_LIMIT = 100;
export const MAX_EVENT_LIMIT = 1000;

/**
 * An event store: keeps every context, the suppression list, and what was delivered. The
 * handler calls `record` before the sinks and `markDelivered` once every sink took the events.
 */
export interface EventStore {
  readonly name: string;
  /**
   * Records the contexts; resolves with those not delivered before (first of each key). With
   * `until` (a deadline, ms since 1970), it also claims them for the caller until then, and for
   * a context another caller's claim holds, waits for that caller: delivered, it is dropped;
   * released or past its deadline, it is claimed and returned.
   */
  record(events: readonly EmailTrackingContext[], until?: number): Promise<EmailTrackingContext[]>;
  /** Marks the contexts delivered: a retry carrying them again is dropped by `record`. */
  markDelivered(events: readonly EmailTrackingContext[]): Promise<void>;
  /** Lifts the claims `record(events, until)` made: the sinks failed, a retry may deliver them. */
  release?(events: readonly EmailTrackingContext[]): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  /** The suppression record, or null for an address not suppressed. */
  suppression(email: string): Promise<Suppression | null>;
  /** Lifts a suppression; resolves true when there was one. */
  unsuppress(email: string): Promise<boolean>;
  /** Contexts, newest first; `next` when the list was cut short of `limit` (see `EventPage`). */
  events(query?: EventQuery): Promise<EventPage>;
}

const _METHODS = [
  'record',
  'markDelivered',
  'isSuppressed',
  'suppression',
  'unsuppress',
  'events',
] as const;

/** True for an object with every method of `EventStore` (the handler's `store` option). */
export const isEventStore = (value: unknown): value is EventStore =>
  typeof value === 'object' &&
  value !== null &&
  _METHODS.every((m) => typeof (value as Record<string, unknown>)[m] === 'function');
