/** SES inputs that once answered 500 or made events from nothing: type names, inbound mail, timestamps. */
import { describe, expect, test } from 'vitest';
import { createMailWebhookHandler, type EmailTrackingContext, ses } from '../../src/index.js';
import { parseSesEvent } from '../../src/providers/ses/parse.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import click from '../fixtures/ses/event-publishing-click.json' with { type: 'json' };
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import legacyDelivery from '../fixtures/ses/notification-delivery.json' with { type: 'json' };
import { answer, captureHandler } from '../helpers/capture-handler.js';
import { envelope, memoryLogger, snsHeaders, snsRequest, URL_SES } from '../helpers/envelope.js';
import { createSigner } from '../helpers/signing.js';

/** An unsigned handler (verification off) with a recording sink and logger. */
function setup() {
  const received: EmailTrackingContext[] = [];
  const sink = {
    name: 'test',
    send: async (events: EmailTrackingContext[]) => void received.push(...events),
  };
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    sinks: [sink],
    logger,
    providers: [ses({ verifySignature: false })],
  });
  const post = async (message: unknown) => {
    const response = await handle(snsRequest(envelope(message)));
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { post, received, lines };
}

const clone = <T>(value: T): T => structuredClone(value);

describe('type names that live on Object.prototype are unknown events, never a 500', () => {
  const NAMES = [
    'constructor',
    'toString',
    '__proto__',
    'hasOwnProperty',
    'valueOf',
    'isPrototypeOf',
    '__defineGetter__',
  ];

  test.each(NAMES)('eventType %j', async (name) => {
    const { post, received, lines } = setup();
    // JSON text, so `__proto__` is an own key as it would be on the wire.
    const message = JSON.stringify({ ...clone(send), eventType: name });
    expect(await post(message)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received.map((c) => [c.eventType, c.recipient, c.rejectCategory, c.permanent])).toEqual([
      ['unknown', 'recipient@example.com', null, null],
    ]);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  test.each(NAMES)('legacy notificationType %j', async (name) => {
    const { post, received } = setup();
    const { notificationType: _, ...rest } = clone(legacyDelivery);
    const message = JSON.stringify({ notificationType: name, ...rest });
    expect(await post(message)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received.map((c) => c.eventType)).toEqual(['unknown']);
  });

  test('parseSesEvent itself answers unknown for each', () => {
    const { logger } = memoryLogger();
    for (const name of NAMES) {
      const result = parseSesEvent(JSON.parse(JSON.stringify({ ...send, eventType: name })), {
        eventId: 'e',
        fallback: new Date(0),
        logger,
      });
      expect(result).toMatchObject({ kind: 'events', events: [{ eventType: 'unknown' }] });
    }
  });
});

describe('messages that are not tracking events: 200, a warning, no events', () => {
  test.each([
    [
      'an inbound-mail notification (notificationType Received)',
      {
        notificationType: 'Received',
        mail: clone(send).mail,
        receipt: { recipients: ['inbox@example.com'], action: { type: 'SNS' } },
        content: 'From: a@example.com\r\n\r\nhello',
      },
    ],
    ['eventType Received', { ...clone(send), eventType: 'Received' }],
    ['a bare Received, as django-anymail tests it', { notificationType: 'Received' }],
    ['an object with neither eventType nor notificationType', { mail: clone(send).mail }],
    ['an empty object', {}],
    [
      'both types null (a null field is an absent one)',
      { ...clone(send), eventType: null, notificationType: null },
    ],
  ])('%s', async (_name, message) => {
    const { post, received, lines } = setup();
    expect(await post(message)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(received).toEqual([]);
    expect(lines.filter((l) => l.msg === 'event')).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toContain(
      'notification is not an SES tracking event; nothing to deliver',
    );
  });
});

test('a legacy notification with "eventType": null is read by its notificationType (null is absent)', async () => {
  const { post, received } = setup();
  expect(await post({ ...clone(legacyDelivery), eventType: null })).toEqual({
    status: 200,
    body: { ok: true, events: 1 },
  });
  expect(received.map((e) => e.eventType)).toEqual(['delivered']);
});

describe('timestamps that are not real instants: 400 naming the field, never shifted', () => {
  const BAD = ['9999-12-31T23:59:59-23:59', '2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z'];

  const where: [string, (text: string) => object, string][] = [
    [
      'the detail timestamp',
      (text) => ({ ...clone(click), click: { ...click.click, timestamp: text } }),
      'click.timestamp',
    ],
    [
      'the legacy bounce timestamp',
      (text) => ({ ...clone(bounce), bounce: { ...bounce.bounce, timestamp: text } }),
      'bounce.timestamp',
    ],
    [
      'mail.timestamp of a Send (no detail timestamp)',
      (text) => ({ ...clone(send), mail: { ...send.mail, timestamp: text } }),
      'mail.timestamp',
    ],
    [
      'mail.timestamp beside a valid detail timestamp',
      (text) => ({ ...clone(click), mail: { ...click.mail, timestamp: text } }),
      'mail.timestamp',
    ],
  ];

  for (const [name, build, field] of where) {
    test.each(BAD)(`${name}: %j`, async (text) => {
      const { post, received } = setup();
      const { status, body } = await post(build(text));
      expect(status).toBe(400);
      expect(body).toMatchObject({ ok: false, error: 'invalid-ses-event' });
      expect(body.message).toContain(`"${field}"`);
      expect(received).toEqual([]);
    });
  }

  test.each([
    ['2017-08-09T23:51:25.570Z', '2017-08-09T23:51:25.570Z'],
    ['2017-08-09T23:51:25 +0000', '2017-08-09T23:51:25.000Z'],
    ['2017-08-09T18:51:25.570-05:00', '2017-08-09T23:51:25.570Z'],
    ['2017-08-09T23:51:25.570123Z', '2017-08-09T23:51:25.570Z'],
  ])('a lenient but real form still parses: %j', async (text, iso) => {
    const { post, received } = setup();
    const event = { ...clone(click), click: { ...click.click, timestamp: text } };
    expect(await post(event)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received[0]?.timestamp.toISOString()).toBe(iso);
  });
});

describe('a signed Message nested more than 64 deep', () => {
  /** A signed Notification of the allowed topic carrying `message` as its Message text. */
  async function postSigned(message: string) {
    const signer = await createSigner();
    const { handle, events, lines } = captureHandler(ses({ topicArns: [signer.topicArn] }), {
      fetch: signer.fetch,
    });
    const body = await signer.sign(signer.notification({ Message: message }));
    const response = await handle(
      new Request(URL_SES, {
        method: 'POST',
        headers: snsHeaders(body),
        body: JSON.stringify(body),
      }),
    );
    return { ...(await answer<Record<string, unknown>>(response)), events, lines };
  }
  /** `depth` objects, one inside the other. */
  const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const withExtra = (event: object, depth: number) =>
    `${JSON.stringify(event).slice(0, -1)},"extra":${nested(depth)}}`;

  test.each([
    ['an eventType', withExtra(send, 64), 'extra'],
    ['a legacy notificationType', withExtra(legacyDelivery, 100), 'extra'],
    [
      'an eventType, the depth inside mail',
      JSON.stringify({ ...send, mail: { ...send.mail, x: JSON.parse(nested(63)) } }),
      'mail',
    ],
  ])('that names %s is a 400 naming the field, with no event', async (_name, message, field) => {
    const { status, body, events } = await postSigned(message);
    expect(status).toBe(400);
    expect(body).toEqual({
      ok: false,
      error: 'invalid-ses-event',
      message: `SES event field "${field}" nests more than 64 deep`,
    });
    expect(events).toEqual([]);
  });

  test('one level less is delivered', async () => {
    const { status, body, events } = await postSigned(withExtra(send, 63));
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(events.map((e) => [e.eventType, e.recipient])).toEqual([
      ['sent', 'recipient@example.com'],
    ]);
  });

  test('that names no type is still no tracking event: 200, a warning, no events', async () => {
    const { status, body, events, lines } = await postSigned(nested(1000));
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields?.note)).toEqual([
      'Message has neither eventType nor notificationType',
    ]);
  });
});
