/**
 * Run by runtimes.test.ts under Bun and Deno, as a server opens MAIL_WEBHOOK_SQLITE_PATH: a bounce
 * posted while another connection holds the file's write lock, which a timer releases 100 ms
 * later. Prints the answer's status and body.
 */
import { openBuiltinSqlite, openBuiltinSqliteStore } from '../../src/adapters/_sqlite.js';
import { createMailWebhookHandler, ses } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { envelope, snsRequest } from '../helpers/envelope.js';

declare const process: { argv: string[] };

const path = process.argv[process.argv.length - 1] as string;
const handle = createMailWebhookHandler({
  providers: [ses({ verifySignature: false })],
  store: openBuiltinSqliteStore(path, {}),
  sinks: [{ name: 'test', send: async () => {} }],
  logger: silentLogger,
});
const other = openBuiltinSqlite(path);
other.exec('BEGIN IMMEDIATE');
setTimeout(() => other.exec('COMMIT'), 100);
const response = await handle(snsRequest(envelope(bounce)));
console.log(response.status, await response.text());
