import { expect, test } from 'vitest';
import { type EmailTrackingContext, EmailTrackingEvent } from '../../src/events.js';
import { createMailWebhookHandler } from '../../src/handler.js';
import type { LogFields, Logger } from '../../src/log.js';
import { ses } from '../../src/providers/ses/index.js';
import { EventBus } from '../../src/sinks/memory.js';
import { createQueueSink } from '../../src/sinks/queue.js';
import type { Sink } from '../../src/sinks/types.js';
import { decodeTrackingEvent } from '../../src/wire.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { unreadable } from '../helpers/unreadable.js';
import { fakeStore } from '../store/fake-store.js';
import { snsRequest } from './samples.js';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

/**
 * Posts `message` (an SES event in an SNS envelope, signatures off) to a handler with these
 * sinks: its answer, and the lines it logged.
 */
async function post(sinks: Sink[], message: object, id: string) {
  const { logger, lines } = recordingLogger();
  const handle = createMailWebhookHandler({
    sinks,
    providers: [ses({ verifySignature: false })],
    logger,
  });
  return { response: await handle(snsRequest(message, id)), lines };
}

test('a sink that throws makes the request 503 and reports no event as delivered, even one an earlier sink took', async () => {
  const bus = new EventBus('before');
  let taken = 0;
  bus.subscribe(EmailTrackingEvent, (context, next) => {
    taken++;
    return next(context);
  });
  const broken: Sink = {
    name: 'broken',
    send: async () => {
      throw new Error('disk full');
    },
  };
  const { response, lines } = await post([bus, broken], bounce, 'sns-broken-1');

  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
  expect(taken).toBe(1);
  expect(lines.filter((l) => l.level === 'info' && l.message === 'event')).toEqual([]);
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'error',
      fields: expect.objectContaining({ sink: 'broken', error: 'Error: disk full' }),
    }),
  );
});

// What a sink may reject with: none of it has a readable name, message or reason.
const unreadableRejections = unreadable(
  'an Error whose message getter throws',
  'an object whose reason getter throws',
  'a proxy that throws on every read',
);

test.each(unreadableRejections)(
  'a sink that rejects with %s answers 503 sink-failed, not 500',
  async (_, thrown) => {
    const broken: Sink = { name: 'broken', send: () => Promise.reject(thrown()) };
    const { response, lines } = await post([broken], bounce, 'sns-unreadable-1');

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ sink: 'broken', error: expect.any(String) }),
      }),
    );
  },
);

/** A sink that fails, whose name reads once (when the handler checks its options) and then throws. */
function flakySink(): Sink {
  let reads = 0;
  return {
    get name(): string {
      if (reads++ > 0) throw new Error('client closed');
      return 'crm';
    },
    send: async () => {
      throw new Error('CRM down');
    },
  };
}

test('a failing sink whose name getter throws once the handler is made answers 503 sink-failed, not 500', async () => {
  const flaky = flakySink();
  const { response, lines } = await post([flaky], bounce, 'sns-name-getter-1');

  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'error',
      message: 'request refused',
      fields: expect.objectContaining({ reason: 'sink-failed', error: 'Error: CRM down' }),
    }),
  );
});

test('a failing sink whose name getter throws is named by its place in sinks, not undefined', async () => {
  const flaky = flakySink();
  const { response, lines } = await post(
    [new EventBus('first'), flaky],
    bounce,
    'sns-name-getter-2',
  );

  expect(response.status).toBe(503);
  expect(await response.json()).toEqual({
    ok: false,
    error: 'sink-failed',
    message: 'sink sinks[1] did not take the events; retry later',
  });
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'error',
      fields: expect.objectContaining({ sink: 'sinks[1]', error: 'Error: CRM down' }),
    }),
  );
});

test('a failing sink named with an empty string is named by its place too', async () => {
  const unnamed: Sink = {
    name: '',
    send: async () => {
      throw new Error('CRM down');
    },
  };
  const { response, lines } = await post([unnamed], bounce, 'sns-empty-name');

  expect(await response.json()).toEqual({
    ok: false,
    error: 'sink-failed',
    message: 'sink sinks[0] did not take the events; retry later',
  });
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'error',
      fields: expect.objectContaining({ sink: 'sinks[0]' }),
    }),
  );
});

/** The bounce fixture with two bounced recipients: r0@example.com and r1@example.com. */
const twoRecipients = {
  ...bounce,
  bounce: {
    ...bounce.bounce,
    bouncedRecipients: ['r0@example.com', 'r1@example.com'].map((emailAddress) => ({
      ...bounce.bounce.bouncedRecipients[0],
      emailAddress,
    })),
  },
};

test('a sink that drains the array it was given (a buffer’s splice) takes nothing from the sink after it', async () => {
  const buffered: string[] = [];
  const draining: Sink = {
    name: 'buffer',
    send: async (events) => {
      buffered.push(...events.splice(0).map((e) => e.recipient));
    },
  };
  const received: string[] = [];
  const durable: Sink = {
    name: 'durable',
    send: async (events) => {
      received.push(...events.map((e) => e.recipient));
    },
  };
  const { response, lines } = await post([draining, durable], twoRecipients, 'sns-drain-1');

  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ok: true, events: 2 });
  expect(buffered).toEqual(['r0@example.com', 'r1@example.com']);
  expect(received).toEqual(['r0@example.com', 'r1@example.com']);
  expect(lines.filter((l) => l.message === 'event').map((l) => l.fields?.recipient)).toEqual([
    'r0@example.com',
    'r1@example.com',
  ]);
});

test.each<[string, (context: EmailTrackingContext) => void]>([
  ['sets timestamp to null', (c) => Object.assign(c, { timestamp: null })],
  ['turns its Date invalid in place', (c) => c.timestamp.setTime(Number.NaN)],
  [
    'makes recipient a getter that throws',
    (c) =>
      Object.defineProperty(c, 'recipient', {
        get() {
          throw new Error('gone');
        },
      }),
  ],
])(
  'a sink that took the events and then %s: 200, each event line as parsed, never 500',
  async (_, change) => {
    const meddling: Sink = {
      name: 'meddling',
      send: async (events) => {
        for (const event of events) change(event);
      },
    };
    const { response, lines } = await post([meddling], twoRecipients, 'sns-meddling-1');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    expect(lines.filter((l) => l.message === 'event').map((l) => l.fields)).toEqual(
      ['r0@example.com', 'r1@example.com'].map((recipient) =>
        expect.objectContaining({ recipient, timestamp: bounce.bounce.timestamp }),
      ),
    );
  },
);

test('a sink that reassigns fields (strips rawEvent, empties tags, a string timestamp) leaves the sinks after it the parsed context', async () => {
  const stripping: Sink = {
    name: 'redacting-log',
    send: async (events) => {
      for (const event of events) {
        Object.assign(event, { rawEvent: undefined, tags: null, timestamp: 'now' });
      }
    },
  };
  const queued: string[] = [];
  const queue = createQueueSink({
    sendBatch: async (messages: { body: string }[]) => {
      queued.push(...messages.map((m) => m.body));
    },
  });
  const { response } = await post([stripping, queue], bounce, 'sns-stripping-1');

  expect(response.status).toBe(200);
  expect(queued).toHaveLength(1);
  const decoded = decodeTrackingEvent(queued[0] as string);
  expect(decoded.rawEvent).toEqual(bounce);
  expect(decoded.tags).toEqual([]);
  expect(decoded.timestamp.toISOString()).toBe(bounce.bounce.timestamp);
});

test('the last sink, given the parsed contexts themselves, cannot change the answer or what the store marks', async () => {
  const { logger } = recordingLogger();
  const fake = fakeStore();
  const last: Sink = {
    name: 'last',
    send: async (events) => {
      for (const event of events) event.recipient = 'someone-else@example.com';
      events.splice(0);
    },
  };
  const alone = createMailWebhookHandler({
    sinks: [last],
    providers: [ses({ verifySignature: false })],
    logger,
  });
  const answer = await alone(snsRequest(twoRecipients, 'sns-last-1'));
  expect([answer.status, await answer.json()]).toEqual([200, { ok: true, events: 2 }]);

  const stored = createMailWebhookHandler({
    sinks: [last],
    store: fake.store,
    providers: [ses({ verifySignature: false })],
    logger,
  });
  const first = await stored(snsRequest(twoRecipients, 'sns-last-2'));
  expect([first.status, await first.json()]).toEqual([200, { ok: true, events: 2 }]);
  expect([...fake.delivered].map((key) => key.split('\n')[1])).toEqual([
    'r0@example.com',
    'r1@example.com',
  ]);
});
