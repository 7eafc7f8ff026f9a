/** The event store inside workerd on a real D1: the shared cases, the Worker's variables, migrations. */
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, test } from 'vitest';
import worker from '../../src/adapters/cloudflare';
import {
  ConfigError,
  createD1Store,
  createMailWebhookHandler,
  createSqliteStore,
  ses,
} from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { envelope, snsRequest } from '../helpers/envelope.js';
import { storeCases, TOKEN } from '../store/cases.js';
import { captureLogLines } from './queue-batch';

/** A store on an emptied database, so each case starts clean. */
async function emptied(db: D1Database) {
  await db.batch(
    ['events', 'deliveries', 'suppressions'].map((table) =>
      db.prepare(`DROP TABLE IF EXISTS ${table}`),
    ),
  );
}

describe('the event store on D1', () => {
  for (const { name, run } of storeCases) {
    test(name, () =>
      run(async (options) => {
        await emptied(env.STORE_TEST_DB);
        return createD1Store(env.STORE_TEST_DB, options);
      }),
    );
  }

  test('two isolates (a store each on one database) given the same SNS message at once deliver it once between them', async () => {
    await emptied(env.STORE_TEST_DB);
    let recorded = 0;
    let bothRecorded = () => {};
    const reached = new Promise<void>((resolve) => {
      bothRecorded = resolve;
    });
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const taken: string[] = [];
    const isolate = (name: string) => {
      const store = createD1Store(env.STORE_TEST_DB);
      return createMailWebhookHandler({
        providers: [ses({ verifySignature: false })],
        logger: silentLogger,
        store: {
          ...store,
          record(...args: Parameters<typeof store.record>) {
            if (++recorded === 2) bothRecorded();
            return store.record(...args);
          },
        },
        sinks: [
          {
            name,
            async send(events) {
              taken.push(...events.map((e) => `${name} ${e.eventId}`));
              await gate;
            },
          },
        ],
      });
    };
    const [one, two] = [isolate('one'), isolate('two')];
    const to = `isolates-${Date.now()}@example.com`;
    const event = { ...bounce, mail: { ...bounce.mail, destination: [to] } };
    const message = envelope(
      {
        ...event,
        bounce: {
          ...bounce.bounce,
          bouncedRecipients: [{ ...bounce.bounce.bouncedRecipients[0], emailAddress: to }],
        },
      },
      { messageId: `isolates-${Date.now()}`, timestamp: new Date().toISOString() },
    );
    const answers = Promise.all([one(snsRequest(message)), two(snsRequest(message))]);
    await reached;
    openGate();
    expect((await answers).map((r) => r.status)).toEqual([200, 200]);
    expect(taken).toEqual([`one ${message.MessageId}`]);
  });

  test('a delivery that failed leaves no deliveries row, so an earlier mailhooks (a rollback) still delivers its retry', async () => {
    await emptied(env.STORE_TEST_DB);
    // Before claims, any deliveries row meant "delivered": a lifted claim must leave none.
    const handle = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      logger: silentLogger,
      store: createD1Store(env.STORE_TEST_DB),
      sinks: [
        {
          name: 'down',
          send: async () => {
            throw new Error('endpoint down');
          },
        },
      ],
    });
    const to = `rollback-${Date.now()}@example.com`;
    const message = envelope(
      { ...bounce, mail: { ...bounce.mail, destination: [to] } },
      { messageId: `rollback-${Date.now()}`, timestamp: new Date().toISOString() },
    );
    expect((await handle(snsRequest(message))).status).toBe(503);
    const rows = await env.STORE_TEST_DB.prepare('SELECT * FROM deliveries WHERE event_id = ?')
      .bind(message.MessageId)
      .all();
    expect(rows.results).toEqual([]);
  });

  test('createSqliteStore given the D1 binding is a ConfigError pointing to createD1Store, not a store that fails every request', async () => {
    let thrown: unknown;
    try {
      createSqliteStore(env.STORE_TEST_DB as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).setting).toBe('store');
    expect((thrown as Error).message).toContain('a D1 binding takes createD1Store');
  });

  test('a database set up by migrations/ is the schema the store expects', async () => {
    await applyD1Migrations(env.STORE_MIGRATED_DB, env.STORE_MIGRATIONS);
    const store = createD1Store(env.STORE_MIGRATED_DB);
    expect(await store.events({ limit: 1 })).toEqual([]);
    const tables = await env.STORE_MIGRATED_DB.prepare(
      "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
    ).all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toEqual([
      'deliveries',
      'deliveries_by_time',
      'events',
      'events_by_message',
      'events_by_recipient',
      'events_by_time',
      'events_by_type',
      'events_key',
      'suppressions',
    ]);
  });
});

describe('the Worker with MAIL_WEBHOOK_DB and MAIL_WEBHOOK_API_TOKEN', () => {
  // The Worker logs to the console: captured, so the test output stays quiet.
  const logged = captureLogLines();
  const workerEnv = () => ({
    ...env,
    MAIL_WEBHOOK_DB: env.STORE_TEST_DB,
    MAIL_WEBHOOK_API_TOKEN: TOKEN,
    MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  });

  test('a bounce posted to the Worker makes the address suppressed through its API', async () => {
    await emptied(env.STORE_TEST_DB);
    const to = `worker-${Date.now()}@example.com`;
    const at = new Date(Date.now() - 60_000).toISOString();
    const event = {
      ...bounce,
      bounce: {
        ...bounce.bounce,
        timestamp: at,
        bouncedRecipients: [{ ...bounce.bounce.bouncedRecipients[0], emailAddress: to }],
      },
      mail: { ...bounce.mail, destination: [to] },
    };
    const e = workerEnv();
    const request = snsRequest(envelope(event, { timestamp: new Date().toISOString() }));
    const posted = await worker.fetch(request, e);
    expect(posted.status).toBe(200);
    const asked = await worker.fetch(
      new Request(`http://localhost/webhooks/mail/suppressions/${to}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      e,
    );
    expect(await asked.json()).toEqual({
      suppressed: true,
      reason: 'bounced',
      provider: 'ses',
      since: at,
    });
    const anonymous = await worker.fetch(
      new Request(`http://localhost/webhooks/mail/suppressions/${to}`),
      e,
    );
    expect(anonymous.status).toBe(401);
  });

  test('MAIL_WEBHOOK_API_TOKEN without a database: every request 503 misconfigured', async () => {
    const { MAIL_WEBHOOK_DB: _, ...noDb } = workerEnv();
    const response = await worker.fetch(
      new Request('http://localhost/webhooks/mail/events', {
        headers: { authorization: `Bearer ${TOKEN}` },
      }),
      noDb,
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('misconfigured');
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: 'mailhooks is misconfigured',
        setting: 'MAIL_WEBHOOK_API_TOKEN',
      }),
    );
  });
});
