/** The store's SQL, shared by D1 and SQLite: the schema (also `migrations/0001_init.sql`) and queries. */

/**
 * The schema, one statement each. `recipient` columns hold the normalized address; timestamps
 * are milliseconds since 1970. Indexes are ascending: scanned backwards, with the rowid they end
 * in, they give "newest first" for each of the three history queries without a sort. Written a
 * column a line, in pieces the bundler joins (one space between columns; the migration file lays
 * the same statements out a line each).
 */
export const SCHEMA: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS events (' +
    'id INTEGER PRIMARY KEY, ' +
    'event_id TEXT NOT NULL, ' +
    'recipient TEXT NOT NULL, ' +
    'message_id TEXT NOT NULL, ' +
    'event_type TEXT NOT NULL, ' +
    'esp_name TEXT NOT NULL, ' +
    'timestamp INTEGER NOT NULL, ' +
    'wire TEXT NOT NULL)',
  'CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (event_id, recipient, event_type)',
  'CREATE INDEX IF NOT EXISTS events_by_recipient ON events (recipient, timestamp)',
  'CREATE INDEX IF NOT EXISTS events_by_message ON events (message_id, timestamp)',
  'CREATE INDEX IF NOT EXISTS events_by_type ON events (event_type, timestamp)',
  'CREATE INDEX IF NOT EXISTS events_by_time ON events (timestamp)',
  'CREATE TABLE IF NOT EXISTS deliveries (' +
    'event_id TEXT NOT NULL, ' +
    'recipient TEXT NOT NULL, ' +
    'event_type TEXT NOT NULL, ' +
    'delivered_at INTEGER NOT NULL, ' +
    'PRIMARY KEY (event_id, recipient, event_type)) WITHOUT ROWID',
  'CREATE INDEX IF NOT EXISTS deliveries_by_time ON deliveries (delivered_at)',
  'CREATE TABLE IF NOT EXISTS suppressions (' +
    'recipient TEXT NOT NULL PRIMARY KEY, ' +
    'reason TEXT NOT NULL, ' +
    'provider TEXT NOT NULL, ' +
    'since INTEGER NOT NULL, ' +
    'event_id TEXT NOT NULL) WITHOUT ROWID',
];

// Rows travel as one JSON array parameter read with json_each: one statement for any number of
// rows, and D1's limit of 100 bound parameters per statement never comes into play.
// Each query below is written a clause a line, in pieces the bundler joins with one space.
const _at = (i: number) => `json_extract(value, '$[${i}]')`;

/**
 * `[[eventId, recipient, eventType], ...]` → the array index and `delivered_at` of each key with
 * a `deliveries` row: a delivery (`delivered_at` ≥ 0, when), or a claim: a request delivering the
 * key, until `-delivered_at` (its deadline), after which the claim is void.
 */
export const SELECT_DELIVERED =
  'SELECT key AS i, delivered_at AS t FROM json_each(?) JOIN deliveries ' +
  `ON event_id = ${_at(0)} AND recipient = ${_at(1)} AND event_type = ${_at(2)}`;

/**
 * `[[recipient, reason, provider, since, eventId, eventType], ...]`: suppresses each address
 * whose event is seen for the first time (a retry never re-suppresses an address someone
 * unsuppressed); the earliest suppressing event wins. Runs before the events are inserted. The
 * delivery record counts too: an event older than the retention is pruned as soon as it is
 * inserted, while its delivery (timed by when it was delivered) is kept.
 */
export const UPSERT_SUPPRESSIONS =
  'INSERT INTO suppressions (recipient, reason, provider, since, event_id) ' +
  `SELECT ${_at(0)}, ${_at(1)}, ${_at(2)}, ${_at(3)}, ${_at(4)} FROM json_each(?) ` +
  'WHERE NOT EXISTS (SELECT 1 FROM events e ' +
  `WHERE e.event_id = ${_at(4)} AND e.recipient = ${_at(0)} AND e.event_type = ${_at(5)}) ` +
  'AND NOT EXISTS (SELECT 1 FROM deliveries d ' +
  `WHERE d.event_id = ${_at(4)} AND d.recipient = ${_at(0)} AND d.event_type = ${_at(5)}) ` +
  'ON CONFLICT (recipient) DO UPDATE SET reason = excluded.reason, provider = excluded.provider, ' +
  'since = excluded.since, event_id = excluded.event_id ' +
  'WHERE excluded.since < suppressions.since';

/** `[[eventId, recipient, messageId, eventType, espName, timestamp, wire], ...]`; a retry is ignored. */
export const INSERT_EVENTS =
  'INSERT OR IGNORE INTO events ' +
  '(event_id, recipient, message_id, event_type, esp_name, timestamp, wire) ' +
  `SELECT ${_at(0)}, ${_at(1)}, ${_at(2)}, ${_at(3)}, ${_at(4)}, ${_at(5)}, ${_at(6)} FROM json_each(?)`;

/**
 * `(value, floor, [[eventId, recipient, eventType], ...])`: sets `delivered_at` to `value` for
 * each key with no row, or with a claim from `floor` on; a delivery is kept. A request claims
 * with `(-until, -now, keys)` (lapsed claims only), and marks delivered with `(now, -9e15, keys)`.
 */
export const UPSERT_DELIVERIES =
  'INSERT INTO deliveries (event_id, recipient, event_type, delivered_at) ' +
  `SELECT ${_at(0)}, ${_at(1)}, ${_at(2)}, ?1 FROM json_each(?3) WHERE 1 ` +
  'ON CONFLICT DO UPDATE SET delivered_at = ?1 ' +
  'WHERE delivered_at BETWEEN ?2 AND -1';

/**
 * `[[eventId, recipient, eventType], ...]`: deletes the claims on these keys (the sinks failed),
 * so a retry delivers them, under this version or an earlier one (which takes any row for a
 * delivery).
 */
export const RELEASE_DELIVERIES =
  'DELETE FROM deliveries WHERE delivered_at < 0 AND (event_id, recipient, event_type) IN (' +
  `SELECT ${_at(0)}, ${_at(1)}, ${_at(2)} FROM json_each(?))`;

// Bounded, so turning retention on over a large table never makes one request delete it all.
export const PRUNE_EVENTS =
  'DELETE FROM events WHERE id IN (SELECT id FROM events WHERE timestamp < ? LIMIT 1000)';
/** Deliveries older than the cutoff; never a claim (a lapsed one is taken over by the ESP's retry). */
export const PRUNE_DELIVERIES =
  'DELETE FROM deliveries WHERE (event_id, recipient, event_type) IN (' +
  'SELECT event_id, recipient, event_type FROM deliveries WHERE delivered_at BETWEEN 0 AND ? LIMIT 1000)';

export const SELECT_SUPPRESSION =
  'SELECT reason, provider, since, event_id FROM suppressions WHERE recipient = ?';
export const DELETE_SUPPRESSION = 'DELETE FROM suppressions WHERE recipient = ?';

/**
 * The history query for the conditions given (written here, values bound), newest first, at most
 * LIMIT rows. A row whose wire JSON comes after 24e6 characters of the rows before it comes back
 * as its id in place of its wire: the first such row is where the next page begins. So the newest
 * row is always whole, however large, and the rows stream from the index: no sort, nothing read
 * past LIMIT. Why 24e6: the 1000 events a read may ask for fit while they average 24 KB (a usual
 * one is 2 to 4 KB, one whose rawEvent names 1,200 recipients 24 KB), so `limit` is what bounds a
 * read unless events are unusually large; and a Worker's answer of that many such events peaks
 * near 100 MB (the rows, the decoded events, the JSON and its bytes: about four times the wire),
 * within the 128 MB an isolate has. Written tight: this string is in every Worker.
 */
export function selectEvents(conditions: readonly string[]) {
  return `SELECT iif(SUM(length(wire))OVER(ORDER BY timestamp DESC,id DESC)-length(wire)<24e6,wire,id)wire FROM events WHERE ${conditions.join(' AND ')} ORDER BY timestamp DESC,id DESC LIMIT ?`;
}
