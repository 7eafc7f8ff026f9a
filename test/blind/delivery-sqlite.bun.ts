// Run by delivery-sqlite.test.ts under Bun: the SQLite store (bun:sqlite) through the handler.
import { Database } from 'bun:sqlite';
import {
  createMailWebhookHandler,
  createSqliteStore,
  type EmailTrackingContext,
  ses,
} from '../../src/index.js';
import { sesBounce, silent, snsRequest } from './delivery-helpers.js';

const db = new Database(':memory:');
const store = createSqliteStore(db as never);
const got: EmailTrackingContext[] = [];
const handle = createMailWebhookHandler({
  providers: [ses({ verifySignature: false })],
  logger: silent,
  store,
  apiToken: 'tok-sqlite',
  sinks: [{ name: 'r', send: async (events) => void got.push(...events) }],
});
const out: Record<string, unknown> = {};
const first = await handle(
  snsRequest(sesBounce({ recipients: ['Jane@Example.com', 'bob@example.com'] }), 'sns-1'),
);
out.first = [first.status, await first.json()];
const again = await handle(
  snsRequest(sesBounce({ recipients: ['Jane@Example.com', 'bob@example.com'] }), 'sns-1'),
);
out.again = [again.status, await again.json()];
out.delivered = got.map((c) => c.recipient);
out.suppressedLower = await store.isSuppressed('Jane@example.com');
out.suppressedFolded = await store.isSuppressed('jane@example.com');
const api = (path: string, method = 'GET', token: string | null = 'tok-sqlite') =>
  handle(
    new Request(`https://h.example.com/webhooks/mail${path}`, {
      method,
      headers: token ? { authorization: `Bearer ${token}` } : {},
    }),
  );
const sup = await api('/suppressions/bob@example.com');
out.suppression = [sup.status, await sup.json()];
const noAuth = await api('/suppressions/bob@example.com', 'GET', null);
out.noAuth = [noAuth.status, noAuth.headers.get('www-authenticate')];
const events = await api('/events?recipient=bob@example.com');
out.events = [events.status, await events.json()];
const del = await api('/suppressions/bob@example.com', 'DELETE');
out.deleted = [del.status, await del.json()];
out.afterDelete = await store.isSuppressed('bob@example.com');
out.tables = (
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
    name: string;
  }[]
).map((r) => r.name);
console.log(JSON.stringify(out));
