/** Every event-store case, runtime-neutral: runners hand them D1 (workerd) or SQLite (Bun, Deno). */
import type { EventStore, StoreOptions } from '../../src/index.js';
import {
  ConfigError,
  createMailWebhookHandler,
  decodeTrackingEvent,
  type EmailTrackingContext,
  encodeTrackingEvent,
  type MailWebhookOptions,
  mailgun,
  postmark,
  type Sink,
  ses,
} from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import { makeContext } from '../../src/providers/context.js';
import bounceEvent from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import complaintEvent from '../fixtures/ses/event-publishing-complaint.json' with { type: 'json' };
import deliveryEvent from '../fixtures/ses/event-publishing-delivery.json' with { type: 'json' };
import { envelope, snsRequest } from '../helpers/envelope.js';

/** A fresh, empty store with these options. */
export type MakeStore = (options?: StoreOptions) => Promise<EventStore>;

export interface StoreCase {
  readonly name: string;
  readonly run: (makeStore: MakeStore) => Promise<void>;
}

export const TOKEN = 'store-test-token-0123456789';
const BASE = 'http://localhost/webhooks/mail';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

let _serial = 0;
/** A fresh id, so cases never see each other's rows. */
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++_serial}`;

/** `minutes` ago, as SES writes it. */
const ago = (minutes: number) => new Date(Date.now() - minutes * MINUTE).toISOString();

interface SesInit {
  readonly to: string;
  readonly messageId?: string;
  readonly at?: string;
  readonly bounceType?: 'Permanent' | 'Transient';
}

function sesBounce({
  to,
  messageId = fresh('ses'),
  at = ago(5),
  bounceType = 'Permanent',
}: SesInit) {
  const bounce = bounceEvent.bounce;
  return {
    ...bounceEvent,
    bounce: {
      ...bounce,
      bounceType,
      timestamp: at,
      bouncedRecipients: [{ ...bounce.bouncedRecipients[0], emailAddress: to }],
    },
    mail: { ...bounceEvent.mail, messageId, destination: [to], timestamp: at },
  };
}

function sesComplaint({ to, messageId = fresh('ses'), at = ago(5) }: SesInit) {
  return {
    ...complaintEvent,
    complaint: {
      ...complaintEvent.complaint,
      timestamp: at,
      complainedRecipients: [{ emailAddress: to }],
    },
    mail: { ...complaintEvent.mail, messageId, destination: [to], timestamp: at },
  };
}

function sesDelivery({ to, messageId = fresh('ses'), at = ago(5) }: SesInit) {
  return {
    ...deliveryEvent,
    delivery: { ...deliveryEvent.delivery, timestamp: at, recipients: [to] },
    mail: { ...deliveryEvent.mail, messageId, destination: [to], timestamp: at },
  };
}

/** An SNS Notification around an SES event; the same `snsId` is an SNS retry. */
const sesPost = (event: unknown, snsId = fresh('sns')) =>
  snsRequest(envelope(event, { messageId: snsId, timestamp: new Date().toISOString() }));

const post = (path: string, body: unknown) =>
  new Request(`${BASE}/${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

const api = (path: string, method = 'GET', token: string | null = TOKEN) =>
  new Request(`${BASE}/${path}`, {
    method,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });

/** A handler with the store and one capturing sink after it, which fails while `down` is set. */
function setup(store: EventStore, options: MailWebhookOptions = {}) {
  const taken: EmailTrackingContext[] = [];
  const state = { down: false };
  const sink: Sink = {
    name: 'after-store',
    async send(events) {
      if (state.down) throw new Error('endpoint down');
      taken.push(...events);
    },
  };
  const handle = createMailWebhookHandler({
    providers: [
      ses({ verifySignature: false }),
      postmark({ verifySignature: false }),
      mailgun({ verifySignature: false }),
    ],
    sinks: [sink],
    store,
    apiToken: TOKEN,
    logger: silentLogger,
    ...options,
  });
  const json = async (request: Request) => {
    const response = await handle(request);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { handle, json, taken, state };
}

/** A context made directly (no provider), for cases about the store itself. */
function context(
  init: Partial<EmailTrackingContext> & { recipient: string },
): EmailTrackingContext {
  return makeContext({
    eventType: 'delivered',
    messageId: fresh('direct-msg'),
    timestamp: new Date(Date.now() - 5 * MINUTE),
    espName: 'acme-mail',
    rawEvent: {},
    eventId: fresh('direct'),
    ...init,
  });
}

/** A promise held shut until `open()`. */
function gate() {
  let open = () => {};
  const shut = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { shut, open };
}

/**
 * The store with its `record` calls counted: `recorded(n)` resolves once `record` was called `n`
 * times, so a case knows a second request reached the store without waiting a set time.
 */
function counted(store: EventStore) {
  let calls = 0;
  const waiting: { n: number; done: () => void }[] = [];
  const wrapped: EventStore = {
    ...store,
    record(...args: Parameters<EventStore['record']>) {
      calls++;
      for (const w of waiting.filter((w) => calls >= w.n)) w.done();
      return store.record(...args);
    },
  };
  const recorded = (n: number) =>
    new Promise<void>((done) => (calls >= n ? done() : waiting.push({ n, done })));
  return { store: wrapped, recorded };
}

/** One request claims `event`; a second, whose deadline comes first, throws and takes nothing. */
async function _secondWhileClaimed(store: EventStore, event: EmailTrackingContext): Promise<void> {
  // The claim outlasts the test: the second request gives up at its own 300 ms deadline, and a
  // loaded machine running its 100 ms waits seconds late must still find the claim held.
  equal((await store.record([event], Date.now() + 60_000)).length, 1, 'a request claims it');
  const outcome = await store.record([event], Date.now() + 300).then(
    (taken) => taken.map((c) => c.eventId),
    (error: Error) => error.message,
  );
  equal(outcome, 'another request is delivering them', 'the second request, at its deadline');
}

/** As src/store/sql.ts reads the history: this many characters of wire JSON before a page ends. */
const READ_CHARS = 24e6;

/**
 * Contexts of one message recorded in one request (ids ascend in array order), the i-th at
 * `offsets[i]` seconds before a fixed moment, with a rawEvent of `chars[i]` characters.
 */
async function recordLarge(
  store: EventStore,
  offsets: readonly number[],
  chars: (i: number) => number,
) {
  const messageId = fresh('large');
  const at = Date.now() - 10 * MINUTE;
  const sent = offsets.map((seconds, i) =>
    context({
      recipient: `r${i}@example.com`,
      messageId,
      timestamp: new Date(at - seconds * 1000),
      rawEvent: { pad: 'x'.repeat(chars(i)) },
    }),
  );
  await store.record(sent);
  return { messageId, sent };
}

/** Each event's place in `sent`, as the page lists them. */
const places = (sent: readonly EmailTrackingContext[], page: readonly { eventId: string }[]) =>
  page.map((e) => sent.findIndex((c) => c.eventId === e.eventId));

export const storeCases: readonly StoreCase[] = [
  {
    name: "an unsubscribe that names no recipient (Postmark's Bounce variant) is delivered and suppresses no one",
    async run(makeStore) {
      const store = await makeStore();
      const { json, taken } = setup(store);
      const variant = {
        RecordType: 'Bounce',
        Type: 'Unsubscribe',
        ID: Number(Date.now().toString().slice(-9)),
        MessageID: fresh('pm'),
        Description: 'Unsubscribe or Remove request.',
      };
      equal((await json(post('postmark', variant))).body, { ok: true, events: 1 }, 'answer');
      equal(
        taken.map((c) => [c.eventType, c.recipient]),
        [['unsubscribed', '']],
        'delivered',
      );
      equal(await store.isSuppressed(''), false, 'isSuppressed("")');
    },
  },
  {
    name: 'a permanent SES bounce makes the address suppressed through the API',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('jane')}@example.com`;
      const at = ago(3);
      equal((await json(sesPost(sesBounce({ to, at })))).status, 200, 'bounce answer');
      const answer = await json(api(`suppressions/${encodeURIComponent(to)}`));
      equal(
        answer,
        {
          status: 200,
          body: { suppressed: true, reason: 'bounced', provider: 'ses', since: at },
        },
        'GET suppression',
      );
      equal(await store.isSuppressed(to), true, 'isSuppressed');
      equal((await store.suppression(to))?.since.toISOString(), at, 'suppression().since');
    },
  },
  {
    name: 'a transient bounce and a delivery suppress nobody',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('soft')}@example.com`;
      await json(sesPost(sesBounce({ to, bounceType: 'Transient' })));
      await json(sesPost(sesDelivery({ to })));
      equal((await json(api(`suppressions/${to}`))).body, { suppressed: false }, 'GET');
      equal(await store.suppression(to), null, 'suppression()');
    },
  },
  {
    name: 'complaints and unsubscribes from SES, Postmark and Mailgun suppress with their reason',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const sesTo = `${fresh('ses')}@example.com`;
      const postmarkTo = `${fresh('pm')}@example.com`;
      const mailgunTo = `${fresh('mg')}@example.com`;
      await json(sesPost(sesComplaint({ to: sesTo })));
      const spam = {
        RecordType: 'SpamComplaint',
        ID: Date.now(),
        Type: 'SpamComplaint',
        TypeCode: 512,
        MessageID: fresh('pm-msg'),
        Email: postmarkTo,
        BouncedAt: '2026-04-27T16:28:50.396Z',
      };
      equal((await json(post('postmark', spam))).status, 200, 'postmark answer');
      const unsubscribe = {
        'event-data': {
          event: 'unsubscribed',
          id: fresh('mg-id'),
          timestamp: 1_777_000_000.5,
          recipient: mailgunTo,
          message: { headers: { 'message-id': `${fresh('mg-msg')}@mg.example.com` } },
        },
      };
      equal((await json(post('mailgun', unsubscribe))).status, 200, 'mailgun answer');
      const reasons = [];
      for (const to of [sesTo, postmarkTo, mailgunTo]) {
        const { body } = await json(api(`suppressions/${to}`));
        reasons.push([body.suppressed, body.reason, body.provider]);
      }
      equal(
        reasons,
        [
          [true, 'spam', 'ses'],
          [true, 'spam', 'postmark'],
          [true, 'unsubscribed', 'mailgun'],
        ],
        'suppressions',
      );
    },
  },
  {
    name: 'the domain part is compared case-insensitively, the local part exactly',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const local = fresh('Jane.Doe');
      await json(sesPost(sesBounce({ to: `${local}@Example.COM` })));
      equal(await store.isSuppressed(`${local}@example.com`), true, 'domain folded');
      equal(await store.isSuppressed(`${local}@EXAMPLE.com`), true, 'domain folded again');
      equal(await store.isSuppressed(`${local.toLowerCase()}@example.com`), false, 'local exact');
      equal((await json(api(`suppressions/${local}@eXample.com`))).body.suppressed, true, 'API');
      equal(
        (await store.events({ recipient: `${local}@EXAMPLE.COM` })).map((e) => e.recipient),
        [`${local}@Example.COM`],
        'history keeps the address as sent',
      );
    },
  },
  {
    name: 'ignoreLocalPartCase folds the local part too',
    async run(makeStore) {
      const store = await makeStore({ ignoreLocalPartCase: true });
      const { json } = setup(store);
      const local = fresh('Jane.Doe');
      await json(sesPost(sesComplaint({ to: `${local}@Example.com` })));
      equal(await store.isSuppressed(`${local.toUpperCase()}@EXAMPLE.COM`), true, 'folded');
    },
  },
  {
    name: 'history by recipient, by message and by type, newest first, with a limit',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('hist')}@example.com`;
      const messageId = fresh('msg');
      await json(sesPost(sesDelivery({ to, messageId, at: ago(30) })));
      await json(sesPost(sesBounce({ to, messageId, at: ago(10), bounceType: 'Transient' })));
      await json(sesPost(sesComplaint({ to, at: ago(20) })));
      const types = (events: EmailTrackingContext[]) => events.map((e) => e.eventType);
      equal(
        types(await store.events({ recipient: to })),
        ['bounced', 'complained', 'delivered'],
        'by recipient',
      );
      equal(types(await store.events({ messageId })), ['bounced', 'delivered'], 'by message');
      equal(
        types(await store.events({ recipient: to, eventType: 'complained' })),
        ['complained'],
        'by type',
      );
      equal(types(await store.events({ recipient: to, limit: 1 })), ['bounced'], 'limit');
      const byApi = await json(api(`events?recipient=${encodeURIComponent(to)}&type=&limit=2`));
      equal(byApi.status, 200, 'API status');
      const wire = byApi.body.events as {
        eventType: string;
        timestamp: string;
        recipient: string;
      }[];
      equal(
        wire.map((e) => e.eventType),
        ['bounced', 'complained'],
        'API events',
      );
      equal(typeof wire[0]?.timestamp, 'string', 'wire timestamp');
      const byMessage = await json(api(`events?messageId=${messageId}&type=delivered`));
      equal((byMessage.body.events as unknown[]).length, 1, 'API by message and type');
      const bad = await json(api('events?type=exploded'));
      equal([bad.status, bad.body.error], [400, 'invalid-query'], 'unknown type');
      for (const limit of ['5000', '5000000000', '9'.repeat(40)]) {
        const huge = await json(api(`events?limit=${limit}&recipient=${to}`));
        equal(huge.status, 200, `limit=${limit} is capped, not refused`);
      }
    },
  },
  {
    name: "events() with a key it does not know (type, the route's name; recipent) is refused naming the closest one, not answered with every event",
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('typo')}@example.com`;
      await json(sesPost(sesDelivery({ to })));
      await json(sesPost(sesBounce({ to })));
      const refused = async (query: object) => {
        try {
          return `answered ${(await store.events(query as never)).length} events`;
        } catch (error) {
          return error instanceof ConfigError ? error.message : String(error);
        }
      };
      equal(
        await refused({ recipient: to, type: 'bounced' }),
        'events.type: unknown option; did you mean eventType?',
        'type',
      );
      equal(
        await refused({ recipent: to }),
        'events.recipent: unknown option; did you mean recipient?',
        'recipent',
      );
      equal(
        await refused({ recipient: to, eventType: 'bounced' }),
        'answered 1 events',
        'known keys',
      );
    },
  },
  {
    name: 'a later sink fails: 503; SNS retries and the sink gets the event exactly once',
    async run(makeStore) {
      const store = await makeStore();
      const { json, taken, state } = setup(store);
      const to = `${fresh('retry')}@example.com`;
      const snsId = fresh('sns');
      const event = sesBounce({ to });
      state.down = true;
      const first = await json(sesPost(event, snsId));
      equal([first.status, first.body.error], [503, 'sink-failed'], 'first attempt');
      state.down = false;
      const second = await json(sesPost(event, snsId));
      equal(second, { status: 200, body: { ok: true, events: 1 } }, 'SNS retry');
      const third = await json(sesPost(event, snsId));
      equal(third, { status: 200, body: { ok: true, events: 1 } }, 'duplicate counted, not sent');
      equal(
        taken.map((e) => [e.recipient, e.eventId]),
        [[to, snsId]],
        'delivered downstream',
      );
      equal((await store.events({ recipient: to })).length, 1, 'recorded once');
    },
  },
  {
    name: 'the same event twice in one request reaches the sinks once; events counts both',
    async run(makeStore) {
      const store = await makeStore();
      const { json, taken } = setup(store);
      const to = `${fresh('twice')}@example.com`;
      const event = sesDelivery({ to });
      const twice = { ...event, delivery: { ...event.delivery, recipients: [to, to] } };
      equal((await json(sesPost(twice))).body, { ok: true, events: 2 }, 'answer');
      equal(taken.length, 1, 'delivered once');
    },
  },
  {
    name: 'retention prunes old events as new ones arrive; suppressions stay',
    async run(makeStore) {
      const store = await makeStore({ retentionDays: 1 });
      const { json } = setup(store);
      const to = `${fresh('old')}@example.com`;
      await json(sesPost(sesBounce({ to, at: ago(3 * 24 * 60) })));
      await json(sesPost(sesDelivery({ to, at: ago(60) })));
      equal(
        (await store.events({ recipient: to })).map((e) => e.eventType),
        ['delivered'],
        'pruned',
      );
      equal(await store.isSuppressed(to), true, 'still suppressed');
    },
  },
  {
    name: 'an event already older than retentionDays is not kept, even with none after it',
    async run(makeStore) {
      const store = await makeStore({ retentionDays: 1 });
      const { json } = setup(store);
      const to = `${fresh('stale')}@example.com`;
      const snsId = fresh('sns');
      const event = sesBounce({ to, at: ago(3 * 24 * 60) });
      const answer = await json(sesPost(event, snsId));
      equal(answer, { status: 200, body: { ok: true, events: 1 } }, 'accepted');
      equal(await store.events({ recipient: to }), [], 'not in the history');
      const byApi = await json(api(`events?recipient=${encodeURIComponent(to)}`));
      equal(byApi.body, { events: [] }, 'not in the API');
      equal(await store.isSuppressed(to), true, 'still suppressed');
      await json(api(`suppressions/${to}`, 'DELETE'));
      await json(sesPost(event, snsId));
      equal(await store.isSuppressed(to), false, 'a retry after DELETE does not re-suppress');
    },
  },
  {
    name: 'the API reads + in the query as a plus (plus-addressing), and takes trailing slashes',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('jane')}+news@example.com`;
      await json(sesPost(sesBounce({ to })));
      const recipients = (body: Record<string, unknown>) =>
        (body.events as { recipient: string }[]).map((e) => e.recipient);
      equal(recipients((await json(api(`events?recipient=${to}`))).body), [to], 'literal +');
      const encoded = `events?recipient=${encodeURIComponent(to)}`;
      equal(recipients((await json(api(encoded))).body), [to], '%2B');
      const slashed = await json(api(`events/?recipient=${to}`));
      equal([slashed.status, recipients(slashed.body)], [200, [to]], 'events/');
      const suppression = await json(api(`suppressions/${to}/`));
      equal(
        [suppression.status, suppression.body.suppressed],
        [200, true],
        'suppressions/{email}/',
      );
    },
  },
  {
    name: 'DELETE lifts a suppression; a retry of the old bounce does not bring it back',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('lift')}@example.com`;
      const snsId = fresh('sns');
      const event = sesBounce({ to });
      await json(sesPost(event, snsId));
      equal(
        (await json(api(`suppressions/${to}`, 'DELETE'))).body,
        { suppressed: false },
        'DELETE',
      );
      equal((await json(api(`suppressions/${to}`))).body, { suppressed: false }, 'GET after');
      await json(sesPost(event, snsId));
      equal(await store.isSuppressed(to), false, 'after the retry');
    },
  },
  {
    name: 'the routes need the bearer token: 401 with a challenge without, 403 wrong',
    async run(makeStore) {
      const { handle } = setup(await makeStore());
      const none = await handle(api('suppressions/a@example.com', 'GET', null));
      equal(none.status, 401, 'no token');
      equal(/^Bearer /.test(none.headers.get('www-authenticate') ?? ''), true, 'challenge');
      equal((await handle(api('events', 'GET', 'wrong-token'))).status, 403, 'wrong token');
      equal((await handle(api('events', 'DELETE'))).status, 405, 'wrong method');
      equal((await handle(api('suppressions/not-an-address'))).status, 400, 'not an address');
    },
  },
  {
    name: 'without apiToken the routes are 404; apiToken without a store or on a reserved path throws',
    async run(makeStore) {
      const store = await makeStore();
      const { handle } = setup(store, { apiToken: undefined });
      equal((await handle(api('events'))).status, 404, 'no routes');
      const throws = (options: MailWebhookOptions) => {
        try {
          createMailWebhookHandler({ logger: silentLogger, ...options });
          return 'no error';
        } catch (error) {
          return error instanceof ConfigError ? error.setting : String(error);
        }
      };
      equal(throws({ apiToken: TOKEN }), 'apiToken', 'apiToken without a store');
      for (const path of ['events', 'suppressions']) {
        equal(
          throws({ store, apiToken: TOKEN, providers: [ses({ path, verifySignature: false })] }),
          'providers',
          `reserved path ${path}`,
        );
      }
      equal(
        throws({ store, providers: [ses({ path: 'events', verifySignature: false })] }),
        'no error',
        'not reserved without routes',
      );
    },
  },
  {
    name: 'history gives 100 events by default and at most 1000 however many are asked for',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const messageId = fresh('bulk');
      const many = Array.from({ length: 1001 }, (_, i) =>
        context({ recipient: `r${i}@example.com`, messageId }),
      );
      equal((await store.record(many)).length, 1001, 'recorded');
      equal((await store.events({ messageId })).length, 100, 'default limit');
      equal((await store.events({ messageId, limit: 5000 })).length, 1000, 'capped limit');
      const count = async (query: string) =>
        ((await json(api(`events?messageId=${messageId}${query}`))).body.events as unknown[])
          .length;
      equal(await count(''), 100, 'API default limit');
      equal(await count('&limit=5000'), 1000, 'API capped limit');
    },
  },
  {
    name: 'a batch whose dedupe keys fill several bound strings is deduped row by row across them',
    async run(makeStore) {
      const store = await makeStore();
      // ~650 characters of key a row: 3,000 rows fill four 512 KB parameters, so a row's place
      // in the batch is found past the second one too.
      const long = fresh('k').padEnd(600, 'x');
      const batch = Array.from({ length: 3000 }, (_, i) =>
        context({ recipient: `r${i}@example.com`, eventId: `${long}-${i}` }),
      );
      equal((await store.record(batch)).length, 3000, 'first sight: every row is new');
      const marked = [batch[10], batch[1700], batch[2500], batch[2999]] as EmailTrackingContext[];
      await store.markDelivered(marked);
      const again = await store.record(batch);
      equal(again.length, 2996, 'delivered rows are dropped, in any bound string');
      const ids = new Set(again.map((c) => c.eventId));
      equal(
        marked.map((c) => ids.has(c.eventId)),
        [false, false, false, false],
        'the delivered ones are the ones dropped',
      );
      equal(ids.has(`${long}-2498`), true, 'a neighbour in the second string is kept');
    },
  },
  {
    name: 'a permanent reject suppresses with its rejectCategory as the reason; a reject that may pass does not',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const invalid = `${fresh('invalid')}@example.com`;
      const blocked = `${fresh('blocked')}@example.com`;
      const rejected = { eventType: 'rejected', rejectReason: 'x' } as const;
      await store.record([
        context({ ...rejected, recipient: invalid, rejectCategory: 'invalid', permanent: true }),
        context({ ...rejected, recipient: blocked, rejectCategory: 'blocked', permanent: false }),
      ]);
      const { body } = await json(api(`suppressions/${invalid}`));
      equal(
        [body.suppressed, body.reason, body.provider],
        [true, 'invalid', 'acme-mail'],
        'invalid',
      );
      equal(await store.isSuppressed(blocked), false, 'content reject');
    },
  },
  {
    name: 'since is the timestamp of the first event that suppressed the address; later ones keep it',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('since')}@example.com`;
      const first = ago(30);
      await json(sesPost(sesBounce({ to, at: first })));
      await json(sesPost(sesComplaint({ to, at: ago(10) })));
      const answer = await json(api(`suppressions/${to}`));
      equal(
        answer.body,
        { suppressed: true, reason: 'bounced', provider: 'ses', since: first },
        'GET suppression',
      );
    },
  },
  {
    name: 'an event at the same instant as the one that suppressed the address does not replace it',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('tie')}@example.com`;
      const at = ago(30);
      await json(sesPost(sesBounce({ to, at })));
      await json(sesPost(sesComplaint({ to, at })));
      equal(
        (await json(api(`suppressions/${to}`))).body,
        { suppressed: true, reason: 'bounced', provider: 'ses', since: at },
        'GET suppression',
      );
    },
  },
  {
    name: 'since is the first suppressing event even when it arrives after a later one, across requests and within one',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const to = `${fresh('late')}@example.com`;
      const earlier = ago(30);
      // The complaint (10 minutes ago) is delivered first; the bounce it follows arrives late.
      await json(sesPost(sesComplaint({ to, at: ago(10) })));
      await json(sesPost(sesBounce({ to, at: earlier })));
      equal(
        (await json(api(`suppressions/${to}`))).body,
        { suppressed: true, reason: 'bounced', provider: 'ses', since: earlier },
        'across requests',
      );
      const other = `${fresh('batch')}@example.com`;
      const first = new Date(Date.now() - 40 * MINUTE);
      await store.record([
        context({
          recipient: other,
          eventType: 'unsubscribed',
          timestamp: new Date(Date.now() - 20 * MINUTE),
        }),
        context({ recipient: other, eventType: 'complained', timestamp: first }),
      ]);
      const record = await store.suppression(other);
      equal(
        [record?.reason, record?.since.toISOString()],
        ['spam', first.toISOString()],
        'within one request',
      );
    },
  },
  {
    name: 'which events suppress: permanent bounced and rejected (reason their rejectCategory), complained, unsubscribed; nothing else',
    async run(makeStore) {
      const store = await makeStore();
      const rows: [Partial<EmailTrackingContext>, string | null][] = [
        [{ eventType: 'bounced', permanent: true, rejectCategory: 'bounced' }, 'bounced'],
        [{ eventType: 'bounced', permanent: true, rejectCategory: 'invalid' }, 'invalid'],
        [{ eventType: 'bounced', permanent: false, rejectCategory: 'bounced' }, null],
        [{ eventType: 'bounced', permanent: null, rejectCategory: 'bounced' }, null],
        [{ eventType: 'rejected', permanent: true, rejectCategory: 'blocked' }, 'blocked'],
        [
          { eventType: 'rejected', permanent: true, rejectCategory: 'unsubscribed' },
          'unsubscribed',
        ],
        [{ eventType: 'rejected', permanent: false, rejectCategory: 'spam' }, null],
        [{ eventType: 'failed', permanent: false, rejectCategory: 'other' }, null],
        [{ eventType: 'complained', rejectCategory: 'spam' }, 'spam'],
        [{ eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }, 'unsubscribed'],
        [{ eventType: 'deferred' }, null],
        [{ eventType: 'delivered' }, null],
        [{ eventType: 'opened' }, null],
        [{ eventType: 'clicked' }, null],
        [{ eventType: 'queued' }, null],
        [{ eventType: 'sent' }, null],
        [{ eventType: 'unknown' }, null],
      ];
      const recipients = rows.map((_, i) => `${fresh(`kind${i}`)}@example.com`);
      await store.record(
        rows.map(([fields], i) => context({ ...fields, recipient: recipients[i] as string })),
      );
      const found = [];
      for (const to of recipients) found.push((await store.suppression(to))?.reason ?? null);
      equal(
        found,
        rows.map(([, reason]) => reason),
        'reasons',
      );
    },
  },
  {
    name: 'with two sinks after the store, the second failing: the retry reaches both, then nothing repeats',
    async run(makeStore) {
      const store = await makeStore();
      const first: string[] = [];
      const second: string[] = [];
      const state = { down: true };
      const handle = createMailWebhookHandler({
        providers: [ses({ verifySignature: false })],
        store,
        logger: silentLogger,
        sinks: [
          {
            name: 'first',
            send: async (events) => void first.push(...events.map((e) => e.eventId)),
          },
          {
            name: 'second',
            async send(events) {
              if (state.down) throw new Error('down');
              second.push(...events.map((e) => e.eventId));
            },
          },
        ],
      });
      const to = `${fresh('two')}@example.com`;
      const snsId = fresh('sns');
      const event = sesDelivery({ to });
      equal((await handle(sesPost(event, snsId))).status, 503, 'second sink down');
      state.down = false;
      equal((await handle(sesPost(event, snsId))).status, 200, 'retry');
      equal((await handle(sesPost(event, snsId))).status, 200, 'duplicate');
      equal([first, second], [[snsId, snsId], [snsId]], 'what each sink got');
    },
  },
  {
    name: 'DELETE of an address never suppressed is 200 suppressed false; a new suppressing event after DELETE suppresses again',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const never = `${fresh('never')}@example.com`;
      equal(
        await json(api(`suppressions/${never}`, 'DELETE')),
        { status: 200, body: { suppressed: false } },
        'DELETE of nothing',
      );
      const to = `${fresh('again')}@example.com`;
      await json(sesPost(sesBounce({ to, at: ago(30) })));
      await json(api(`suppressions/${to}`, 'DELETE'));
      const at = ago(5);
      await json(sesPost(sesComplaint({ to, at })));
      equal(
        (await json(api(`suppressions/${to}`))).body,
        { suppressed: true, reason: 'spam', provider: 'ses', since: at },
        'suppressed by the new complaint',
      );
    },
  },
  {
    name: 'a permanent bounce or reject that names no rejectCategory suppresses as bounced or other',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const bounced = `${fresh('bare-bounce')}@example.com`;
      const rejected = `${fresh('bare-reject')}@example.com`;
      // A provider of the user's own may leave rejectCategory null; the address still goes.
      await store.record([
        context({ eventType: 'bounced', recipient: bounced, permanent: true }),
        context({ eventType: 'rejected', recipient: rejected, permanent: true }),
      ]);
      equal(
        [
          (await json(api(`suppressions/${bounced}`))).body.reason,
          (await store.suppression(rejected))?.reason,
        ],
        ['bounced', 'other'],
        'reasons',
      );
    },
  },
  {
    name: 'a suppression lifted between a failed delivery and its retry stays lifted',
    async run(makeStore) {
      const store = await makeStore();
      const { json, taken, state } = setup(store);
      const to = `${fresh('lifted')}@example.com`;
      const snsId = fresh('sns');
      const event = sesBounce({ to });
      // Recorded (and suppressed) on the first attempt, whose sink failed: never delivered.
      state.down = true;
      equal((await json(sesPost(event, snsId))).status, 503, 'first attempt');
      equal(await store.isSuppressed(to), true, 'suppressed by the first attempt');
      await json(api(`suppressions/${to}`, 'DELETE'));
      state.down = false;
      equal((await json(sesPost(event, snsId))).status, 200, 'SNS retry');
      equal(
        taken.map((c) => c.recipient),
        [to],
        'the retry reaches the sink',
      );
      equal((await json(api(`suppressions/${to}`))).body, { suppressed: false }, 'still lifted');
    },
  },
  {
    name: 'a quoted local part holding an @ keeps its case; only the part after the last @ is folded',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const local = `"${fresh('Jane')}@Home"`;
      await json(sesPost(sesBounce({ to: `${local}@Example.COM` })));
      equal(await store.isSuppressed(`${local}@example.com`), true, 'domain folded');
      // The part of the local part after its own @ is the local part too: kept exact.
      const otherLocal = local.replace('@Home"', '@home"');
      equal(await store.isSuppressed(`${otherLocal}@example.com`), false, 'local exact');
      equal(
        (await json(api(`suppressions/${encodeURIComponent(`${local}@EXAMPLE.com`)}`))).body
          .suppressed,
        true,
        'API',
      );
    },
  },
  {
    name: 'retentionDays: 1 prunes an event a day and an hour old and keeps one 23 hours old',
    async run(makeStore) {
      const store = await makeStore({ retentionDays: 1 });
      const { json } = setup(store);
      const older = `${fresh('older')}@example.com`;
      const newer = `${fresh('newer')}@example.com`;
      await json(sesPost(sesDelivery({ to: older, at: ago(25 * 60) })));
      await json(sesPost(sesDelivery({ to: newer, at: ago(23 * 60) })));
      equal((await store.events({ recipient: older })).length, 0, 'a day and an hour old');
      equal((await store.events({ recipient: newer })).length, 1, '23 hours old');
    },
  },
  {
    name: 'retentionDays: an event exactly that old is kept; one a millisecond older is pruned',
    async run(makeStore) {
      const at = Date.now();
      const store = await makeStore({ retentionDays: 1, now: () => new Date(at) });
      const edge = `${fresh('edge')}@example.com`;
      const past = `${fresh('past')}@example.com`;
      await store.record([context({ recipient: edge, timestamp: new Date(at - DAY) })]);
      await store.record([context({ recipient: past, timestamp: new Date(at - DAY - 1) })]);
      equal((await store.events({ recipient: edge })).length, 1, 'exactly a day old');
      equal((await store.events({ recipient: past })).length, 0, 'a day and a millisecond old');
    },
  },
  {
    name: 'history: events with the same timestamp come newest-arrived first',
    async run(makeStore) {
      const store = await makeStore();
      const recipient = `${fresh('tie')}@example.com`;
      const timestamp = new Date(Date.now() - MINUTE);
      const first = context({ recipient, timestamp, eventType: 'delivered' });
      const second = context({ recipient, timestamp, eventType: 'opened' });
      await store.record([first]);
      await store.record([second]);
      equal(
        (await store.events({ recipient })).map((c) => c.eventType),
        ['opened', 'delivered'],
        'by recipient',
      );
      equal(
        (await store.events({ limit: 2 })).map((c) => c.eventId),
        [second.eventId, first.eventId],
        'unfiltered',
      );
    },
  },
  {
    name: 'events() refuses a limit that is no count from 1 (0, -1, 1.5) with a RangeError naming it',
    async run(makeStore) {
      const store = await makeStore();
      for (const limit of [0, -1, 1.5]) {
        const outcome = await store.events({ limit }).then(
          () => 'resolved',
          (error: Error) => `${error.name}: ${error.message}`,
        );
        equal(
          outcome,
          `RangeError: limit must be a whole number from 1, got ${limit}`,
          `limit ${limit}`,
        );
      }
    },
  },
  {
    name: 'dedupe keys on the event type too: another type under the same eventId and recipient is delivered',
    async run(makeStore) {
      const store = await makeStore();
      const recipient = `${fresh('types')}@example.com`;
      const eventId = fresh('shared-id');
      const delivered = context({ recipient, eventId, eventType: 'delivered' });
      const opened = context({ recipient, eventId, eventType: 'opened' });
      await store.markDelivered(await store.record([delivered], Date.now() + 60_000));
      const fresher = await store.record([delivered, opened], Date.now() + 60_000);
      equal(
        fresher.map((c) => c.eventType),
        ['opened'],
        'the delivered one is dropped, the opened one is not',
      );
    },
  },
  {
    name: 'GET events gives wire objects that decode to the contexts the sinks got',
    async run(makeStore) {
      const store = await makeStore();
      const { json, taken } = setup(store);
      const to = `${fresh('wire')}@example.com`;
      await json(sesPost(sesBounce({ to })));
      const { body } = await json(api(`events?recipient=${encodeURIComponent(to)}`));
      const events = (body.events as object[]).map((e) => decodeTrackingEvent(e));
      // Compared as wire JSON: one field order on both sides.
      equal(events.map(encodeTrackingEvent), taken.map(encodeTrackingEvent), 'decoded history');
      equal(events[0]?.timestamp instanceof Date, true, 'Date timestamp');
    },
  },
  {
    name: 'the same SNS message posted twice at the same moment reaches the sink once; both answers are 200 events 1',
    async run(makeStore) {
      const { store, recorded } = counted(await makeStore());
      const slow = gate();
      const taken: string[] = [];
      const handle = createMailWebhookHandler({
        providers: [ses({ verifySignature: false })],
        store,
        logger: silentLogger,
        sinks: [
          {
            name: 'slow',
            async send(events) {
              taken.push(...events.map((e) => e.eventId));
              await slow.shut;
            },
          },
        ],
      });
      const snsId = fresh('sns');
      const event = sesDelivery({ to: `${fresh('twice')}@example.com` });
      const answers = Promise.all([handle(sesPost(event, snsId)), handle(sesPost(event, snsId))]);
      // Both requests reached the store before the first delivery ends.
      await recorded(2);
      slow.open();
      const bodies = await Promise.all((await answers).map((r) => r.json()));
      equal(
        bodies,
        [
          { ok: true, events: 1 },
          { ok: true, events: 1 },
        ],
        'answers',
      );
      equal(taken, [snsId], 'delivered once');
    },
  },
  {
    name: 'an SNS retry while the first attempt is still delivering waits for it: 200, and the sink gets the event once',
    async run(makeStore) {
      const { store, recorded } = counted(await makeStore());
      const slow = gate();
      const entered = gate();
      const taken: string[] = [];
      const { json } = setup(store, {
        sinks: [
          {
            name: 'slow',
            async send(events) {
              taken.push(...events.map((e) => e.eventId));
              entered.open();
              await slow.shut;
            },
          },
        ],
      });
      const snsId = fresh('sns');
      const event = sesBounce({ to: `${fresh('slow')}@example.com` });
      const first = json(sesPost(event, snsId));
      await entered.shut;
      const retry = json(sesPost(event, snsId));
      await recorded(2);
      slow.open();
      equal(
        [await first, await retry],
        [
          { status: 200, body: { ok: true, events: 1 } },
          { status: 200, body: { ok: true, events: 1 } },
        ],
        'answers',
      );
      equal(taken, [snsId], 'delivered once');
    },
  },
  {
    name: 'a retry waiting on an attempt whose sink then fails delivers the event itself: nothing lost',
    async run(makeStore) {
      const { store, recorded } = counted(await makeStore());
      const slow = gate();
      const entered = gate();
      const taken: string[] = [];
      let calls = 0;
      const { json } = setup(store, {
        sinks: [
          {
            name: 'flaky',
            async send(events) {
              if (++calls === 1) {
                entered.open();
                await slow.shut;
                throw new Error('endpoint answered 503');
              }
              taken.push(...events.map((e) => e.eventId));
            },
          },
        ],
      });
      const snsId = fresh('sns');
      const event = sesDelivery({ to: `${fresh('flaky')}@example.com` });
      const first = json(sesPost(event, snsId));
      await entered.shut;
      const retry = json(sesPost(event, snsId));
      await recorded(2);
      slow.open();
      const answers = [await first, await retry];
      equal(
        answers.map((a) => a.status),
        [503, 200],
        'the first attempt failed, the retry delivered',
      );
      equal(taken, [snsId], 'delivered by the retry');
      equal((await json(sesPost(event, snsId))).body, { ok: true, events: 1 }, 'a later retry');
      equal(taken, [snsId], 'and not again');
    },
  },
  {
    name: 'two handlers sharing one store, given the same message at once, deliver it once between them',
    async run(makeStore) {
      const { store, recorded } = counted(await makeStore());
      const slow = gate();
      const taken: string[] = [];
      const handler = (name: string) =>
        createMailWebhookHandler({
          providers: [ses({ verifySignature: false })],
          store,
          logger: silentLogger,
          sinks: [
            {
              name,
              async send(events) {
                taken.push(...events.map((e) => `${name} ${e.eventId}`));
                await slow.shut;
              },
            },
          ],
        });
      const [one, two] = [handler('one'), handler('two')];
      const snsId = fresh('sns');
      const event = sesComplaint({ to: `${fresh('shared')}@example.com` });
      const answers = Promise.all([one(sesPost(event, snsId)), two(sesPost(event, snsId))]);
      await recorded(2);
      slow.open();
      equal(
        (await answers).map((r) => r.status),
        [200, 200],
        'answers',
      );
      equal(taken, [`one ${snsId}`], 'delivered once, by the first');
    },
  },
  {
    name: "a retry of an attempt that died mid-delivery (no mark, no release) delivers once that attempt's deadline passes, not at its own",
    async run(makeStore) {
      const store = await makeStore();
      const event = context({ recipient: `${fresh('died')}@example.com` });
      equal(
        (await store.record([event], Date.now() + 300)).length,
        1,
        'the first attempt claims it',
      );
      // The retry's own deadline is far off: waiting for it would end in a throw (a 503).
      const retried = await store.record([event], Date.now() + 20_000);
      equal(
        retried.map((c) => c.eventId),
        [event.eventId],
        'the retry takes over the lapsed claim',
      );
    },
  },
  {
    name: 'record without a deadline returns an event another request is delivering at once: it neither waits nor throws',
    async run(makeStore) {
      const store = await makeStore();
      const event = context({ recipient: `${fresh('unclaimed')}@example.com` });
      equal((await store.record([event], Date.now() + 20_000)).length, 1, 'a request claims it');
      equal(
        (await store.record([event])).map((c) => c.eventId),
        [event.eventId],
        'not delivered before: returned',
      );
    },
  },
  {
    name: 'record gives up at its own deadline while another request still holds the claim: it throws and takes nothing',
    async run(makeStore) {
      const store = await makeStore();
      const event = context({ recipient: `${fresh('held')}@example.com` });
      await _secondWhileClaimed(store, event);
    },
  },
  {
    name: "retention is measured against the store's own clock (now), not the machine's",
    async run(makeStore) {
      // The store's clock is two days on: an event of an hour ago is past a one-day retention.
      const store = await makeStore({
        retentionDays: 1,
        now: () => new Date(Date.now() + 2 * DAY),
      });
      const to = `${fresh('clock')}@example.com`;
      await store.record([
        context({ recipient: to, timestamp: new Date(Date.now() - 60 * MINUTE) }),
      ]);
      equal((await store.events({ recipient: to })).length, 0, 'pruned by the store clock');
    },
  },
  {
    name: 'a late release by an attempt whose claim lapsed leaves the delivery another request made: a later retry is dropped',
    async run(makeStore) {
      const store = await makeStore();
      const event = context({ recipient: `${fresh('late')}@example.com` });
      equal(
        (await store.record([event], Date.now() + 300)).length,
        1,
        'the first attempt claims it',
      );
      // Its deadline passes: a retry takes the event over and delivers it.
      equal((await store.record([event], Date.now() + 20_000)).length, 1, 'the retry takes it');
      await store.markDelivered([event]);
      // The first attempt's sinks then fail: it lifts its claim, which is no longer there.
      await store.release?.([event]);
      equal((await store.record([event], Date.now() + 20_000)).length, 0, 'a later retry');
    },
  },
  {
    name: 'with retentionDays set, pruning never lifts a claim: a second request still waits for the first',
    async run(makeStore) {
      const store = await makeStore({ retentionDays: 1 });
      const event = context({ recipient: `${fresh('pruned')}@example.com` });
      await _secondWhileClaimed(store, event);
    },
  },
  {
    name: 'a request prunes at most 1000 events (docs/store.md): 1500 stale ones go over two requests',
    async run(makeStore) {
      const store = await makeStore({ retentionDays: 1 });
      const messageId = fresh('stale-msg');
      const stale = Array.from({ length: 1500 }, (_, i) =>
        context({
          recipient: `r${i}@example.com`,
          messageId,
          timestamp: new Date(Date.now() - 2 * DAY),
        }),
      );
      await store.record(stale);
      const left = async () => (await store.events({ messageId, limit: 1000 })).length;
      equal(await left(), 500, 'after the first request');
      await store.record([context({ recipient: `${fresh('next')}@example.com` })]);
      equal(await left(), 0, 'after the next');
    },
  },
  {
    name: 'a history past its read size comes in pages: newest first, each flagged next, and next reads on without a gap or a repeat, ties included',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      // Each wire just over a 24th of the read size (1 MB, under D1's 2 MB a row): a page holds
      // 24. Six events share one timestamp, across the first page's end.
      const offsets = Array.from({ length: 27 }, (_, i) => (i < 20 ? i : i < 26 ? 20 : 21));
      const { messageId, sent } = await recordLarge(store, offsets, () => READ_CHARS / 24);
      // Newest first; on the shared timestamp, the last recorded first.
      const first = [...Array.from({ length: 20 }, (_, i) => i), 25, 24, 23, 22];
      const pages = [first, [21, 20, 26]];
      let next: number | undefined;
      for (const [n, expected] of pages.entries()) {
        const page = await store.events({ messageId, limit: 1000, next });
        equal(places(sent, page), expected, `store page ${n + 1}`);
        equal(page.next === undefined, n === 1, `store page ${n + 1}: next only when cut`);
        next = page.next;
      }
      let query = `events?messageId=${messageId}&limit=1000`;
      for (const [n, expected] of pages.entries()) {
        const { status, body } = await json(api(query));
        equal(status, 200, `API page ${n + 1} status`);
        equal(places(sent, body.events as { eventId: string }[]), expected, `API page ${n + 1}`);
        equal(
          Object.keys(body),
          n === 1 ? ['events'] : ['events', 'next'],
          `API page ${n + 1} keys`,
        );
        query = `events?messageId=${messageId}&limit=1000&next=${body.next}`;
      }
      // Within the limit asked for, nothing is cut: the answer is as before, no next.
      for (const limit of [3, 24]) {
        const { body } = await json(api(`events?messageId=${messageId}&limit=${limit}`));
        equal(Object.keys(body), ['events'], `limit=${limit}: keys`);
        equal(
          places(sent, body.events as { eventId: string }[]),
          first.slice(0, limit),
          `limit=${limit}`,
        );
      }
    },
  },
];

/** Cases for SQLite only: a row over D1's 2 MB limit. The SQLite runners run them after storeCases. */
export const sqliteCases: readonly StoreCase[] = [
  {
    name: 'an event over the read size is still read whole, on a page of its own flagged next',
    async run(makeStore) {
      const store = await makeStore();
      const { json } = setup(store);
      const over = READ_CHARS + 1000;
      const { messageId, sent } = await recordLarge(store, [0, 1], (i) => (i === 0 ? over : 10));
      const first = await store.events({ messageId, limit: 1000 });
      equal(places(sent, first), [0], 'the newest alone');
      const pad = (first[0]?.rawEvent as { pad?: string } | undefined)?.pad;
      equal(pad?.length, over, 'whole');
      const second = await store.events({ messageId, limit: 1000, next: first.next });
      equal([places(sent, second), second.next], [[1], undefined], 'then the older one, the last');
      const { body } = await json(api(`events?messageId=${messageId}`));
      equal([Object.keys(body), body.next], [['events', 'next'], first.next], 'API keys and next');
    },
  },
];
