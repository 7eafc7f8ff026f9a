// DESIGN "Event store, suppression list, dedupe", as a user of createSqliteStore sees it. Runtime
// neutral (node:assert, node:crypto): store.bun.ts and store.deno.ts hand each case a fresh store
// on their runtime's own SQLite, and store.test.ts runs both.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  ConfigError,
  createMailWebhookHandler,
  decodeTrackingEvent,
  type EmailTrackingContext,
  type EventStore,
  postmark,
  resend,
  type Sink,
  type StoreOptions,
} from '../../src/index.js';

export interface StoreRunner {
  /** A fresh, empty store. */
  readonly make: (options?: StoreOptions) => EventStore;
  /** A store whose database fails (closed under it). */
  readonly broken: () => EventStore;
}

export interface BlindStoreCase {
  readonly name: string;
  readonly run: (runner: StoreRunner) => Promise<void>;
}

const HOST = 'https://h.example';
const TOKEN = 'blind-store-token-0123456789';
const SECRET = `whsec_${Buffer.from('blind store test secret, 32 bytes!').toString('base64')}`;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const DAY = 86_400_000;

let serial = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++serial}`;
const at = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

/** A Resend webhook, signed as Standard Webhooks; the same `id` is Resend's retry. */
function resendPost(
  type: string,
  to: string[],
  options: { created?: string; id?: string; emailId?: string; data?: object } = {},
): Request {
  const id = options.id ?? fresh('msg');
  const body = JSON.stringify({
    type,
    created_at: options.created ?? at(60_000),
    data: { email_id: options.emailId ?? fresh('email'), to, ...options.data },
  });
  const ts = Math.floor(Date.now() / 1000);
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
  return new Request(`${HOST}/webhooks/mail/resend`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(ts),
      'svix-signature': `v1,${sig}`,
    },
    body,
  });
}

const hardBounce = (to: string, options: Parameters<typeof resendPost>[2] = {}) =>
  resendPost('email.bounced', [to], {
    ...options,
    data: { bounce: { type: 'Permanent', subType: 'General', message: 'no such user' } },
  });

const api = (path: string, method = 'GET', token: string | null = TOKEN) =>
  new Request(`${HOST}/webhooks/mail/${path}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });

/** A handler over `store` with recording sinks after it; `failing` sinks throw while `down`. */
function setup(store: EventStore, options: { apiToken?: string | null; sinks?: Sink[] } = {}) {
  const taken: EmailTrackingContext[] = [];
  const sink: Sink = {
    name: 'recorder',
    async send(events) {
      taken.push(...events);
    },
  };
  const handle = createMailWebhookHandler({
    providers: [resend({ secret: SECRET }), postmark({ password: 'pm' })],
    store,
    sinks: options.sinks ?? [sink],
    ...(options.apiToken === null ? {} : { apiToken: options.apiToken ?? TOKEN }),
    logger: quiet,
  });
  const call = async (request: Request) => {
    const res = await handle(request);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  };
  return { handle, call, taken };
}

async function ok(call: ReturnType<typeof setup>['call'], request: Request, events = 1) {
  const res = await call(request);
  assert.deepEqual(
    { status: res.status, body: res.body },
    {
      status: 200,
      body: { ok: true, events },
    },
  );
}

export const blindStoreCases: BlindStoreCase[] = [
  {
    name: 'routes: 401 with WWW-Authenticate Bearer without a token, 403 with a wrong one',
    async run({ make }) {
      const { call } = setup(make());
      for (const path of ['suppressions/a@example.com', 'events']) {
        const none = await call(api(path, 'GET', null));
        assert.equal(none.status, 401, path);
        assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/i, path);
        const wrong = await call(api(path, 'GET', 'not-the-token'));
        assert.equal(wrong.status, 403, path);
        assert.doesNotMatch(JSON.stringify(wrong.body), new RegExp(TOKEN), path);
      }
      const del = await call(api('suppressions/a@example.com', 'DELETE', null));
      assert.equal(del.status, 401);
    },
  },
  {
    name: 'routes: 404 without apiToken (the store still works)',
    async run({ make }) {
      const store = make();
      const { call } = setup(store, { apiToken: null });
      assert.equal((await call(api('suppressions/a@example.com'))).status, 404);
      assert.equal((await call(api('events'))).status, 404);
      await ok(call, hardBounce('a@example.com'));
      assert.equal(await store.isSuppressed('a@example.com'), true);
    },
  },
  {
    name: 'GET an address never suppressed: exactly { suppressed: false }',
    async run({ make }) {
      const { call } = setup(make());
      const res = await call(api('suppressions/nobody@example.com'));
      assert.deepEqual(
        { status: res.status, body: res.body },
        {
          status: 200,
          body: { suppressed: false },
        },
      );
    },
  },
  {
    name: 'a permanent bounce suppresses: reason, provider, since = its timestamp',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const when = at(3 * 60_000);
      await ok(call, hardBounce('jane@example.com', { created: when }));
      const res = await call(api('suppressions/jane@example.com'));
      assert.deepEqual(
        { status: res.status, body: res.body },
        {
          status: 200,
          body: {
            suppressed: true,
            reason: 'bounced',
            provider: 'resend',
            since: new Date(when).toISOString(),
          },
        },
      );
      const record = await store.suppression('jane@example.com');
      assert.ok(record);
      assert.ok(record.since instanceof Date);
      assert.equal(record.since.toISOString(), new Date(when).toISOString());
      assert.equal(record.reason, 'bounced');
      assert.equal(record.provider, 'resend');
    },
  },
  {
    name: 'who is suppressed: complaint spam, unsubscribe unsubscribed, suppressed blocked; transient bounce, failure, delivery nobody',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      await ok(call, resendPost('email.complained', ['spam@example.com']));
      await ok(call, resendPost('email.suppressed', ['blocked@example.com']));
      await ok(
        call,
        resendPost('email.bounced', ['soft@example.com'], {
          data: { bounce: { type: 'Transient', subType: 'MailboxFull', message: 'full' } },
        }),
      );
      await ok(call, resendPost('email.failed', ['failed@example.com']));
      await ok(call, resendPost('email.delivered', ['fine@example.com']));
      await ok(call, resendPost('email.delivery_delayed', ['late@example.com']));
      const unsubscribe = JSON.stringify({
        RecordType: 'SubscriptionChange',
        MessageID: fresh('pm'),
        ChangedAt: at(60_000),
        Recipient: 'gone@example.com',
        SuppressSending: true,
        SuppressionReason: 'ManualSuppression',
      });
      const auth = `Basic ${Buffer.from('u:pm').toString('base64')}`;
      await ok(
        call,
        new Request(`${HOST}/webhooks/mail/postmark`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: unsubscribe,
        }),
      );
      const reasons: Record<string, unknown> = {};
      for (const who of ['spam', 'blocked', 'soft', 'failed', 'fine', 'late', 'gone']) {
        const res = await call(api(`suppressions/${who}@example.com`));
        reasons[who] = res.body.suppressed ? `${res.body.reason}/${res.body.provider}` : false;
      }
      assert.deepEqual(reasons, {
        spam: 'spam/resend',
        blocked: 'blocked/resend',
        soft: false,
        failed: false,
        fine: false,
        late: false,
        gone: 'unsubscribed/postmark',
      });
    },
  },
  {
    name: 'since is the first suppressing event: a later one keeps it, an earlier one arriving late takes its place',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const t1 = at(30 * 60_000);
      const t2 = at(20 * 60_000);
      const t3 = at(10 * 60_000);
      await ok(call, hardBounce('s@example.com', { created: t2 }));
      await ok(call, resendPost('email.complained', ['s@example.com'], { created: t3 }));
      assert.equal(
        (await call(api('suppressions/s@example.com'))).body.since,
        new Date(t2).toISOString(),
      );
      await ok(call, hardBounce('s@example.com', { created: t1 }));
      assert.equal(
        (await call(api('suppressions/s@example.com'))).body.since,
        new Date(t1).toISOString(),
      );
    },
  },
  {
    name: 'domain case-insensitive, local part exact',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      await ok(call, hardBounce('Jane@Example.COM'));
      assert.equal((await call(api('suppressions/Jane@example.com'))).body.suppressed, true);
      assert.equal((await call(api('suppressions/Jane@EXAMPLE.com'))).body.suppressed, true);
      assert.deepEqual((await call(api('suppressions/jane@example.com'))).body, {
        suppressed: false,
      });
      assert.equal(await store.isSuppressed('Jane@example.com'), true);
      assert.equal(await store.isSuppressed('JANE@example.com'), false);
      assert.equal(await store.suppression('jane@example.com'), null);
      // The history finds the address however its domain is written.
      const events = await store.events({ recipient: 'Jane@example.com' });
      assert.equal(events.length, 1);
    },
  },
  {
    name: 'ignoreLocalPartCase: true folds the local part too',
    async run({ make }) {
      const store = make({ ignoreLocalPartCase: true });
      const { call } = setup(store);
      await ok(call, hardBounce('Jane@Example.COM'));
      assert.equal((await call(api('suppressions/jane@example.com'))).body.suppressed, true);
      assert.equal(await store.isSuppressed('JANE@EXAMPLE.COM'), true);
    },
  },
  {
    name: 'DELETE lifts a suppression: 200 { suppressed: false }; a new bounce suppresses again',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      await ok(call, hardBounce('lift@example.com'));
      const del = await call(api('suppressions/lift@example.com', 'DELETE'));
      assert.deepEqual(
        { status: del.status, body: del.body },
        {
          status: 200,
          body: { suppressed: false },
        },
      );
      assert.deepEqual((await call(api('suppressions/lift@example.com'))).body, {
        suppressed: false,
      });
      assert.equal(await store.isSuppressed('lift@example.com'), false);
      const never = await call(api('suppressions/never@example.com', 'DELETE'));
      assert.deepEqual(
        { status: never.status, body: never.body },
        {
          status: 200,
          body: { suppressed: false },
        },
      );
      await ok(call, hardBounce('lift@example.com'));
      assert.equal(await store.isSuppressed('lift@example.com'), true);
    },
  },
  {
    name: 'a retry of an event already recorded does not re-suppress an address lifted with DELETE',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const id = fresh('msg');
      const emailId = fresh('email');
      const created = at(60_000);
      await ok(call, hardBounce('retry@example.com', { id, emailId, created }));
      await call(api('suppressions/retry@example.com', 'DELETE'));
      await ok(call, hardBounce('retry@example.com', { id, emailId, created }));
      assert.equal(await store.isSuppressed('retry@example.com'), false);
    },
  },
  {
    name: 'history: newest first, filters by recipient, messageId and type, wire objects over HTTP',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const emailId = fresh('email');
      const who = 'h@example.com';
      await ok(call, resendPost('email.delivered', [who], { emailId, created: at(20 * 60_000) }));
      await ok(call, resendPost('email.sent', [who], { emailId, created: at(30 * 60_000) }));
      await ok(call, resendPost('email.opened', [who], { emailId, created: at(10 * 60_000) }));
      await ok(
        call,
        resendPost('email.opened', ['other@example.com'], { created: at(5 * 60_000) }),
      );
      const types = (events: EmailTrackingContext[]) => events.map((e) => e.eventType);
      assert.deepEqual(types(await store.events({ recipient: who })), [
        'opened',
        'delivered',
        'sent',
      ]);
      assert.deepEqual(types(await store.events({ messageId: emailId })), [
        'opened',
        'delivered',
        'sent',
      ]);
      assert.deepEqual(
        (await store.events({ eventType: 'opened' })).map((e) => e.recipient),
        ['other@example.com', who],
      );
      const all = await store.events();
      assert.equal(all.length, 4);
      assert.ok(all[0]?.timestamp instanceof Date);
      const res = await call(api(`events?recipient=${encodeURIComponent(who)}&type=opened`));
      assert.equal(res.status, 200);
      assert.deepEqual(Object.keys(res.body), ['events']);
      assert.equal(res.body.events.length, 1);
      const wire = res.body.events[0];
      assert.equal(typeof wire.timestamp, 'string');
      const decoded = decodeTrackingEvent(wire);
      assert.equal(decoded.eventType, 'opened');
      assert.equal(decoded.recipient, who);
      assert.equal(decoded.messageId, emailId);
      const byMessage = await call(api(`events?messageId=${emailId}`));
      assert.deepEqual(
        byMessage.body.events.map((e: { eventType: string }) => e.eventType),
        ['opened', 'delivered', 'sent'],
      );
    },
  },
  {
    name: 'limit: 100 by default, as asked up to 1000, at most 1000',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const to = Array.from({ length: 1100 }, (_, i) => `r${i}@example.com`);
      await ok(call, resendPost('email.delivered', to), 1100);
      assert.equal((await store.events()).length, 100);
      assert.equal((await store.events({ limit: 250 })).length, 250);
      assert.equal((await store.events({ limit: 5000 })).length, 1000);
      assert.equal((await call(api('events'))).body.events.length, 100);
      assert.equal((await call(api('events?limit=7'))).body.events.length, 7);
      const most = await call(api('events?limit=5000'));
      assert.equal(most.status, 200);
      assert.equal(most.body.events.length, 1000);
      for (const bad of ['0', '-1', 'ten']) {
        const res = await call(api(`events?limit=${bad}`));
        assert.equal(res.status, 400, bad);
        assert.match(JSON.stringify(res.body), /limit/, bad);
      }
    },
  },
  {
    name: 'dedupe: a retry is not delivered again, and events: N counts it',
    async run({ make }) {
      const { call, taken } = setup(make());
      const id = fresh('msg');
      const emailId = fresh('email');
      const created = at(60_000);
      const again = () =>
        resendPost('email.delivered', ['a@example.com', 'b@example.com'], { id, emailId, created });
      await ok(call, again(), 2);
      await ok(call, again(), 2);
      assert.deepEqual(taken.map((e) => e.recipient).sort(), ['a@example.com', 'b@example.com']);
      // Another event of the same message is not a duplicate.
      await ok(call, resendPost('email.opened', ['a@example.com'], { emailId }));
      assert.equal(taken.length, 3);
    },
  },
  {
    name: 'dedupe only after every later sink took it: a retry after a failure reaches them all',
    async run({ make }) {
      const first: EmailTrackingContext[] = [];
      const second: EmailTrackingContext[] = [];
      let down = true;
      const sinks: Sink[] = [
        {
          name: 'first',
          async send(events) {
            first.push(...events);
          },
        },
        {
          name: 'second',
          async send(events) {
            if (down) throw new Error('endpoint down');
            second.push(...events);
          },
        },
      ];
      const { call } = setup(make(), { sinks });
      const id = fresh('msg');
      const emailId = fresh('email');
      const created = at(60_000);
      const retry = () => hardBounce('d@example.com', { id, emailId, created });
      assert.equal((await call(retry())).status, 503);
      down = false;
      await ok(call, retry());
      assert.equal(second.length, 1);
      assert.equal(first.length, 2); // a sink before the failing one sees it again
      await ok(call, retry());
      assert.equal(second.length, 1);
      assert.equal(first.length, 2);
    },
  },
  {
    name: 'a store that fails: 503 store-failed, and no sink sees the event',
    async run({ broken }) {
      const { call, taken } = setup(broken());
      const res = await call(hardBounce('x@example.com'));
      assert.equal(res.status, 503);
      assert.equal(res.body.error, 'store-failed');
      assert.equal(taken.length, 0);
    },
  },
  {
    name: 'reserved provider paths: suppressions and events are a ConfigError while the routes are served',
    async run({ make }) {
      for (const path of ['suppressions', 'events']) {
        assert.throws(
          () =>
            createMailWebhookHandler({
              providers: [resend({ secret: SECRET, path })],
              store: make(),
              apiToken: TOKEN,
              logger: quiet,
            }),
          (error: unknown) => error instanceof ConfigError && error.message.includes(path),
          path,
        );
      }
    },
  },
  {
    name: 'apiToken without a store is a ConfigError',
    async run() {
      assert.throws(
        () =>
          createMailWebhookHandler({
            providers: [resend({ secret: SECRET })],
            apiToken: TOKEN,
            logger: quiet,
          }),
        ConfigError,
      );
    },
  },
  {
    name: 'retentionDays: an event older than that suppresses but is not kept; a new one is kept',
    async run({ make }) {
      const store = make({ retentionDays: 5 });
      const { call } = setup(store);
      await ok(call, hardBounce('old@example.com', { created: at(10 * DAY) }));
      await ok(call, resendPost('email.delivered', ['old@example.com'], { created: at(DAY) }));
      assert.equal(await store.isSuppressed('old@example.com'), true);
      assert.deepEqual(
        (await store.events({ recipient: 'old@example.com' })).map((e) => e.eventType),
        ['delivered'],
      );
    },
  },
  {
    name: 'store options: an unknown key or a bad value is a ConfigError',
    async run({ make }) {
      assert.throws(() => make({ ignoreLocalPartcase: true } as StoreOptions), ConfigError);
      assert.throws(() => make({ retentionDays: 0 }), ConfigError);
    },
  },
  {
    name: 'a permanent reject suppresses with its category (postmark BadEmailAddress: invalid)',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const bounce = JSON.stringify({
        RecordType: 'Bounce',
        ID: Math.floor(Math.random() * 1e9),
        Type: 'BadEmailAddress',
        TypeCode: 100000,
        MessageID: fresh('pm'),
        Email: 'bad@example.com',
        BouncedAt: at(60_000),
        Description: 'Invalid email address',
        Details: 'bad address',
      });
      const auth = `Basic ${Buffer.from('u:pm').toString('base64')}`;
      await ok(
        call,
        new Request(`${HOST}/webhooks/mail/postmark`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: bounce,
        }),
      );
      const res = await call(api('suppressions/bad@example.com'));
      assert.equal(res.body.suppressed, true);
      assert.equal(res.body.reason, 'invalid');
      assert.equal(res.body.provider, 'postmark');
    },
  },
  {
    name: 'DELETE compares addresses like GET; unsuppress says whether there was one',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      await ok(call, hardBounce('Case@Example.com'));
      await call(api('suppressions/case@example.com', 'DELETE'));
      assert.equal(await store.isSuppressed('Case@example.com'), true, 'another local part');
      await call(api('suppressions/Case@EXAMPLE.COM', 'DELETE'));
      assert.equal(await store.isSuppressed('Case@example.com'), false);
      await ok(call, hardBounce('u@example.com'));
      assert.equal(await store.unsuppress('u@example.com'), true);
      assert.equal(await store.unsuppress('u@example.com'), false);
    },
  },
  {
    name: 'addresses in the path and the query: encoded or not, plus-addressing kept',
    async run({ make }) {
      const store = make();
      const { call } = setup(store);
      const who = 'jane+news@example.com';
      await ok(call, hardBounce(who));
      assert.equal((await call(api(`suppressions/${who}`))).body.suppressed, true);
      assert.equal(
        (await call(api(`suppressions/${encodeURIComponent(who)}`))).body.suppressed,
        true,
      );
      assert.deepEqual((await call(api('suppressions/jane@example.com'))).body, {
        suppressed: false,
      });
      for (const query of [who, encodeURIComponent(who)]) {
        const res = await call(api(`events?recipient=${query}`));
        assert.equal(res.body.events.length, 1, query);
      }
    },
  },
  {
    name: 'events query: an unknown parameter or type is a 400',
    async run({ make }) {
      const { call } = setup(make());
      for (const query of ['type=exploded', 'recipent=a@example.com']) {
        const res = await call(api(`events?${query}`));
        assert.equal(res.status, 400, query);
      }
    },
  },
  {
    name: 'the routes follow basePath',
    async run({ make }) {
      const handle = createMailWebhookHandler({
        basePath: '/esp',
        providers: [resend({ secret: SECRET })],
        store: make(),
        apiToken: TOKEN,
        logger: quiet,
      });
      const get = (url: string) =>
        handle(new Request(url, { headers: { authorization: `Bearer ${TOKEN}` } }));
      const res = await get(`${HOST}/esp/suppressions/a@example.com`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { suppressed: false });
      assert.equal((await get(`${HOST}/webhooks/mail/suppressions/a@example.com`)).status, 404);
    },
  },
  {
    name: 'routes: another method is 405; a path that is no address is a 400',
    async run({ make }) {
      const { call } = setup(make());
      assert.equal((await call(api('suppressions/a@example.com', 'POST'))).status, 405);
      assert.equal((await call(api('suppressions/a@example.com', 'PUT'))).status, 405);
      assert.equal((await call(api('events', 'DELETE'))).status, 405);
      const bad = await call(api('suppressions/not-an-address'));
      assert.equal(bad.status, 400);
    },
  },
];
