/** SendGrid batches: the event map, reject categories, skipped elements, odd input that must not throw. */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, test } from 'vitest';
import { answer, makeKey, sendgridRequest, setup, signedRequest, type TestKey } from './harness.js';

const NOW = 1_700_000_000;
const BASE = {
  email: 'r@example.com',
  timestamp: 1699999000,
  sg_message_id: 'XMSG.filter0001.1.2.0',
  sg_event_id: 'evt-1',
};

let key: TestKey;
beforeAll(async () => {
  key = await makeKey();
});

/** Posts `elements` (or any JSON text) signed, and returns the answer, the events and the log. */
async function post(body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const { handle, received, lines } = setup({ publicKey: key.publicKey }, NOW);
  const result = await answer(await handle(await signedRequest(key, text, String(NOW))));
  return { ...result, received, lines };
}

const one = async (fields: Record<string, unknown>) => {
  const { received } = await post([{ ...BASE, ...fields }]);
  expect(received).toHaveLength(1);
  const [context] = received;
  if (!context) throw new Error('no context');
  return context;
};

describe('event map', () => {
  test.each([
    ['processed', 'queued', null],
    ['deferred', 'deferred', null],
    ['delivered', 'delivered', null],
    ['open', 'opened', null],
    ['click', 'clicked', null],
    ['spamreport', 'complained', 'spam'],
    ['unsubscribe', 'unsubscribed', 'unsubscribed'],
    ['group_unsubscribe', 'unsubscribed', 'unsubscribed'],
    ['group_resubscribe', 'unknown', null],
    ['machine_open', 'unknown', null],
    ['constructor', 'unknown', null],
    ['__proto__', 'unknown', null],
    ['toString', 'unknown', null],
    ['hasOwnProperty', 'unknown', null],
  ])('%s → %s (category %s)', async (event, eventType, rejectCategory) => {
    expect(await one({ event })).toMatchObject({ eventType, rejectCategory, permanent: null });
  });

  test('an element with no event, a non-string or an empty one is logged and skipped', async () => {
    const good = { ...BASE, event: 'open' };
    const { status, body, received, lines } = await post([
      BASE,
      { ...BASE, event: 42 },
      { ...BASE, event: ['open'] },
      { ...BASE, event: '' },
      { ...BASE, event: null },
      good,
    ]);
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received.map((c) => c.eventType)).toEqual(['opened']);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => [w.fields.index, w.fields.problem])).toEqual([
      [0, 'no event'],
      [1, 'no event'],
      [2, 'no event'],
      [3, 'no event'],
      [4, 'no event'],
    ]);
  });
});

describe('bounces and drops', () => {
  test('bounce type blocked: category blocked, not permanent', async () => {
    expect(
      await one({ event: 'bounce', type: 'blocked', reason: '554 blocked', status: '5.0.0' }),
    ).toMatchObject({
      eventType: 'bounced',
      rejectReason: 'blocked',
      description: '554 blocked',
      mtaResponse: '554 blocked',
      rejectCategory: 'blocked',
      permanent: false,
    });
  });

  test('bounce with no type: bounced, permanent', async () => {
    expect(await one({ event: 'bounce' })).toMatchObject({
      rejectReason: null,
      rejectCategory: 'bounced',
      permanent: true,
    });
  });

  test.each([
    [{ reason: 'Invalid' }, 'invalid', true],
    [{ reason: 'Bounced Address' }, 'bounced', true],
    [{ reason: 'Unsubscribed Address' }, 'unsubscribed', true],
    [{ reason: 'Spam Reporting Address' }, 'other', true],
    [{ reason: 'Invalid SMTPAPI header' }, 'other', false],
    [{ reason: 'Spam Content (if spam checker app is enabled)' }, 'other', false],
    [{ reason: 'Recipient List over Package Quota' }, 'other', false],
    [{ type: 'expired', reason: 'Expired' }, 'timed_out', false],
    [{ type: 'blocked' }, 'blocked', false],
    [{ type: 'bounce', reason: 'whatever' }, 'bounced', true],
    [{}, 'other', false],
  ])('dropped %j → %s, permanent %s', async (fields, rejectCategory, permanent) => {
    const context = await one({ event: 'dropped', response: 'never an MTA answer', ...fields });
    expect(context).toMatchObject({
      eventType: 'rejected',
      rejectCategory,
      permanent,
      mtaResponse: null,
    });
    const cause =
      (fields as { type?: string; reason?: string }).type ??
      (fields as { reason?: string }).reason ??
      null;
    expect(context?.rejectReason).toBe(cause);
  });
});

describe('fields', () => {
  test('mtaResponse is response, else reason (as anymail): a deferral with only a reason keeps it', async () => {
    expect(
      await one({ event: 'deferred', response: '451 4.7.1 try later', reason: 'greylisted' }),
    ).toMatchObject({ mtaResponse: '451 4.7.1 try later', description: 'greylisted' });
    expect(await one({ event: 'deferred', reason: '421 4.4.2 timed out' })).toMatchObject({
      eventType: 'deferred',
      mtaResponse: '421 4.4.2 timed out',
      description: '421 4.4.2 timed out',
    });
  });

  test('messageId falls back to smtp-id when there is no sg_message_id', async () => {
    const { sg_message_id: _, ...rest } = BASE;
    const { received } = await post([{ ...rest, event: 'delivered', 'smtp-id': '<abc@host>' }]);
    expect(received[0]?.messageId).toBe('<abc@host>');
  });

  test('tags: category as a string or an array; non-strings dropped, numbers kept as text', async () => {
    expect((await one({ event: 'open', category: 'welcome' })).tags).toEqual(['welcome']);
    expect(
      (await one({ event: 'open', category: ['a', 'b', 'a', 3, null, { x: 1 }] })).tags,
    ).toEqual(['a', 'b', '3']);
    expect((await one({ event: 'open', category: null })).tags).toEqual([]);
  });

  test('metadata: custom args only, every value a string (null as ""), __proto__ a plain key', async () => {
    const text = `[${JSON.stringify({ ...BASE, event: 'open', ip: '1.2.3.4', sg_machine_open: false, plan: 'pro', n: 3, flag: true, obj: { a: 1 }, nil: null }).slice(0, -1)},"__proto__":"x"}]`;
    const { received } = await post(text);
    const metadata = received[0]?.metadata ?? {};
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.entries(metadata)).toEqual([
      ['plan', 'pro'],
      ['n', '3'],
      ['flag', 'true'],
      ['obj', '{"a":1}'],
      ['nil', ''],
      ['__proto__', 'x'],
    ]);
  });

  test("SendGrid's own fields from its docs' Marketing Campaigns examples (sg_user_id, ...) are not metadata", async () => {
    // https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event: "Example event
    // from an A/B Test", with one custom arg added.
    const context = await one({
      event: 'processed',
      category: [],
      marketing_campaign_id: 23314,
      marketing_campaign_name: 'unique args ab',
      marketing_campaign_version: 'B',
      marketing_campaign_split_id: 13471,
      post_type: 'event',
      sg_user_id: 939115,
      'smtp-id': '<5lFl7Fr1Rjme_EyzNNB_5A@stismtpd-006.sjc1.sendgrid.net>',
      plan: 'pro',
    });
    expect(context.metadata).toEqual({ plan: 'pro' });
  });

  test('a timestamp sent as a digit string is accepted and digested as sent', async () => {
    const context = await one({ event: 'open', timestamp: '1699999000' });
    expect(context?.timestamp).toEqual(new Date(1699999000 * 1000));
    const text = ['XMSG.filter0001.1.2.0', 'open', 'r@example.com', '1699999000', ''].join('\n');
    expect(context?.eventId).toBe(
      `sendgrid:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`,
    );
  });

  test('eventId survives a redelivery with a new sg_event_id, and differs per url', async () => {
    const a = await one({ event: 'click', url: 'https://a.example' });
    const b = await one({ event: 'click', url: 'https://a.example', sg_event_id: 'changed' });
    const c = await one({ event: 'click', url: 'https://b.example' });
    expect(a?.eventId).toBe(b?.eventId);
    expect(a?.eventId).not.toBe(c?.eventId);
    expect(a?.eventId).toMatch(/^sendgrid:[0-9a-f]{32}$/);
  });
});

describe('batches and bodies', () => {
  test('broken elements are logged and skipped, the rest delivered', async () => {
    const good = { ...BASE, event: 'delivered' };
    const { status, body, received, lines } = await post([
      'a string',
      good,
      null,
      [good],
      { ...good, email: '' },
      { ...good, email: 7 },
      { ...good, timestamp: 'yesterday' },
      { ...good, timestamp: -5 },
      { ...good, timestamp: 1e15 },
      { event: 'open', timestamp: 1 },
      { ...good, event: 'open' },
    ]);
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(received.map((c) => c.eventType)).toEqual(['delivered', 'opened']);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => [w.fields.index, w.fields.problem])).toEqual([
      [0, 'not an object'],
      [2, 'not an object'],
      [3, 'not an object'],
      [4, 'no email'],
      [5, 'no email'],
      [6, 'field "timestamp" is not Unix seconds between 1970 and 9999'],
      [7, 'field "timestamp" is not Unix seconds between 1970 and 9999'],
      [8, 'field "timestamp" is not Unix seconds between 1970 and 9999'],
      [9, 'no email'],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('r@example.com');
  });

  test('an empty batch is a 200 with no events', async () => {
    expect(await post([])).toMatchObject({ status: 200, body: { ok: true, events: 0 } });
  });

  test.each([
    ['an object', '{"email":"r@example.com"}', 'body-not-array'],
    ['null', 'null', 'body-not-array'],
    ['a number', '42', 'body-not-array'],
    ['not JSON', '[{"email":', 'invalid-json'],
    ['empty', '', 'invalid-json'],
  ])('a body that is %s: 400 %s', async (_name, text, reason) => {
    const result = await post(text);
    expect(result).toMatchObject({ status: 400, body: { ok: false, error: reason } });
    expect(result.received).toEqual([]);
  });

  test.each([
    ['{"email":"r@example.com"}', 'object'],
    ['null', 'null'],
    ['"text"', 'string'],
  ])('the 400 for a body %s that is not an array says what it is', async (text, kind) => {
    expect((await post(text)).body).toMatchObject({
      message: `SendGrid sends a JSON array of events; got JSON ${kind}`,
    });
  });

  test('a body that is not UTF-8: 400 saying so', async () => {
    const body = Uint8Array.of(0x5b, 0xff, 0x5d);
    const { handle } = setup({ publicKey: key.publicKey }, NOW);
    const result = await answer(await handle(await signedRequest(key, body, String(NOW))));
    expect(result).toMatchObject({
      status: 400,
      body: { error: 'body-not-utf8', message: 'request body is not valid UTF-8' },
    });
  });

  test('any JSON array of anything is answered 200, never a throw or a 500', async () => {
    const { handle, received } = setup({ verifySignature: false }, NOW);
    const element = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          email: fc.oneof(fc.emailAddress(), fc.jsonValue()),
          event: fc.oneof(
            fc.constantFrom('bounce', 'dropped', 'click', 'constructor'),
            fc.jsonValue(),
          ),
          timestamp: fc.oneof(fc.integer({ min: 0, max: 2e9 }), fc.jsonValue()),
          type: fc.jsonValue(),
          reason: fc.jsonValue(),
          category: fc.jsonValue(),
          url: fc.jsonValue(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(element, { maxLength: 6 }), async (batch) => {
        const response = await handle(sendgridRequest(JSON.stringify(batch)));
        expect(response.status).toBe(200);
      }),
      { numRuns: 150 },
    );
    expect(received.every((c) => c.espName === 'sendgrid')).toBe(true);
  });
});
