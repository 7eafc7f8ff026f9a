/** An in-memory EventStore for Node tests (Node 20 has no SQLite); failures switchable per method. */
import type { EmailTrackingContext, EventStore } from '../../src/index.js';

const key = (c: EmailTrackingContext) => `${c.eventId}\n${c.recipient}\n${c.eventType}`;

export function fakeStore() {
  const delivered = new Set<string>();
  const recorded: EmailTrackingContext[] = [];
  const fail = { record: false, markDelivered: false, events: false, hang: false };
  const calls: string[] = [];
  const store: EventStore = {
    name: 'fake',
    async record(events) {
      calls.push('record');
      if (fail.hang) await new Promise(() => {});
      if (fail.record) throw new Error('database is locked');
      recorded.push(...events);
      const seen = new Set<string>();
      return events.filter((c) => {
        const id = key(c);
        if (delivered.has(id) || seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    },
    async markDelivered(events) {
      calls.push('markDelivered');
      if (fail.markDelivered) throw new Error('disk I/O error');
      for (const c of events) delivered.add(key(c));
    },
    async isSuppressed() {
      return false;
    },
    async suppression() {
      return null;
    },
    async unsuppress() {
      return false;
    },
    async events(query = {}) {
      calls.push(`events ${JSON.stringify(query)}`);
      if (fail.events) throw new Error('no such table: events');
      return recorded.slice(0, query.limit ?? 100);
    },
  };
  return { store, delivered, recorded, fail, calls };
}
