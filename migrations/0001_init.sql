-- mailhooks event store: events, deliveries (dedupe) and suppressions.
-- The same schema the store creates when missing (src/store/sql.ts); apply with
-- `npx wrangler d1 migrations apply mailhooks --local` (or --remote).
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  message_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  esp_name TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  wire TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (event_id, recipient, event_type);
CREATE INDEX IF NOT EXISTS events_by_recipient ON events (recipient, timestamp);
CREATE INDEX IF NOT EXISTS events_by_message ON events (message_id, timestamp);
CREATE INDEX IF NOT EXISTS events_by_type ON events (event_type, timestamp);
CREATE INDEX IF NOT EXISTS events_by_time ON events (timestamp);
CREATE TABLE IF NOT EXISTS deliveries (
  event_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  event_type TEXT NOT NULL,
  delivered_at INTEGER NOT NULL,
  PRIMARY KEY (event_id, recipient, event_type)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_by_time ON deliveries (delivered_at);
CREATE TABLE IF NOT EXISTS suppressions (
  recipient TEXT NOT NULL PRIMARY KEY,
  reason TEXT NOT NULL,
  provider TEXT NOT NULL,
  since INTEGER NOT NULL,
  event_id TEXT NOT NULL
) WITHOUT ROWID;
