import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NOW, postmarkHandler, postmarkRequest } from './helpers.js';

const bounce = (fields: Record<string, unknown>) => ({
  RecordType: 'Bounce',
  ID: 7,
  Type: 'HardBounce',
  MessageID: 'm-1',
  Email: 'a@example.com',
  BouncedAt: '2024-01-02T03:04:05Z',
  ...fields,
});

async function send(body: unknown) {
  const { handle, events, lines } = postmarkHandler();
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await handle(postmarkRequest(text));
  return { response, json: await response.json(), events, lines };
}

describe('Postmark bounce types, as anymail maps them', () => {
  test.each([
    ['HardBounce', 'bounced', 'bounced', true],
    ['SoftBounce', 'bounced', 'bounced', false],
    ['VirusNotification', 'bounced', 'other', false],
    ['Transient', 'deferred', null, null],
    ['DnsError', 'deferred', null, null],
    ['OpenRelayTest', 'deferred', null, null],
    ['BadEmailAddress', 'rejected', 'invalid', true],
    ['ManuallyDeactivated', 'rejected', 'blocked', true],
    ['Blocked', 'rejected', 'blocked', false],
    ['DMARCPolicy', 'rejected', 'blocked', false],
    ['Unconfirmed', 'rejected', 'other', false],
    ['SMTPApiError', 'failed', 'other', false],
    ['TemplateRenderingFailed', 'failed', 'other', false],
    ['SpamNotification', 'complained', 'spam', null],
    ['SpamComplaint', 'complained', 'spam', null],
    ['Unsubscribe', 'unsubscribed', 'unsubscribed', null],
    ['Subscribe', 'unknown', null, null],
    ['AutoResponder', 'unknown', null, null],
    ['AddressChange', 'unknown', null, null],
    ['ChallengeVerification', 'unknown', null, null],
    ['InboundError', 'unknown', null, null],
    ['Unknown', 'unknown', null, null],
    ['SomethingNew', 'bounced', 'bounced', false],
    ['constructor', 'bounced', 'bounced', false],
  ])('Type %s → %s (category %s, permanent %s)', async (type, eventType, category, permanent) => {
    const { response, events } = await send(bounce({ Type: type }));
    expect(response.status).toBe(200);
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent, e.rejectReason])).toEqual(
      [[eventType, category, permanent, type]],
    );
  });

  test('a Bounce without Type stays bounced, not permanent, with no reason', async () => {
    const { events } = await send(bounce({ Type: undefined }));
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent, e.rejectReason])).toEqual(
      [['bounced', 'bounced', false, null]],
    );
  });
});

describe('Postmark SubscriptionChange', () => {
  const change = (fields: Record<string, unknown>) => ({
    RecordType: 'SubscriptionChange',
    MessageID: 'm-2',
    Recipient: 'b@example.com',
    ChangedAt: '2024-01-02T03:04:05Z',
    SuppressSending: true,
    ...fields,
  });

  test.each([
    ['HardBounce', 'bounced', 'bounced', true],
    ['SpamComplaint', 'complained', 'spam', null],
    ['ManualSuppression', 'unsubscribed', 'unsubscribed', null],
    ['SomethingNew', 'unsubscribed', 'unsubscribed', null],
    [null, 'unsubscribed', 'unsubscribed', null],
  ])('suppressed for %s → %s', async (reason, eventType, category, permanent) => {
    const { events } = await send(change({ SuppressionReason: reason }));
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      [eventType, category, permanent],
    ]);
  });

  test('SuppressSending false (reactivation) is unknown', async () => {
    const { events } = await send(
      change({ SuppressSending: false, SuppressionReason: 'HardBounce' }),
    );
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.rejectReason])).toEqual([
      ['unknown', null, null],
    ]);
  });

  test('missing SuppressSending is a 400 naming it', async () => {
    const { response, json } = await send(change({ SuppressSending: undefined }));
    expect(response.status).toBe(400);
    expect(json.message).toContain('"SuppressSending" is missing');
  });
});

describe('Postmark fields', () => {
  test('Recipient is preferred, Email used when Recipient is absent', async () => {
    const both = await send(bounce({ Recipient: 'r@example.com' }));
    expect(both.events[0]?.recipient).toBe('r@example.com');
    const emailOnly = await send(bounce({}));
    expect(emailOnly.events[0]?.recipient).toBe('a@example.com');
  });

  test('an empty Tag gives no tags; metadata values become strings', async () => {
    const { events } = await send(
      bounce({ Tag: '', Metadata: { a: 'x', n: 5, b: true, z: null, o: { k: 1 } } }),
    );
    expect(events[0]?.tags).toEqual([]);
    expect(events[0]?.metadata).toEqual({ a: 'x', n: '5', b: 'true', z: '', o: '{"k":1}' });
  });

  test('a metadata key named __proto__ stays an ordinary key', async () => {
    const { events } = await send(
      '{"RecordType":"Delivery","MessageID":"m","Recipient":"a@example.com","DeliveredAt":"2024-01-01T00:00:00Z","Metadata":{"__proto__":{"polluted":"yes"},"k":"v"}}',
    );
    const metadata = events[0]?.metadata ?? {};
    expect(Object.keys(metadata).sort()).toEqual(['__proto__', 'k']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a string ID is kept', async () => {
    expect((await send(bounce({ ID: 'abc-1' }))).events[0]?.eventId).toBe('abc-1');
  });

  test("Postmark's own sample bounce (ID 4323372036854775807) keeps its ID exactly; a neighbour gets its own", async () => {
    const sample = (id: string) =>
      `{"RecordType":"Bounce","MessageStream":"outbound","ID": ${id},"Type":"HardBounce","TypeCode":1,"Name":"Hard bounce","Tag":"Test","MessageID":"883953f4-6105-42a2-a16a-77a8eac79483","Email":"john@example.com","BouncedAt":"2019-11-05T16:33:54.9070259Z"}`;
    const first = await send(sample('4323372036854775807'));
    const second = await send(sample('4323372036854775806'));
    expect(first.events[0]?.eventId).toBe('4323372036854775807');
    expect(second.events[0]?.eventId).toBe('4323372036854775806');
    // rawEvent stays as JSON.parse reads it.
    expect(first.events[0]?.rawEvent).toEqual(JSON.parse(sample('4323372036854775807')));
  });

  test('records other than bounces use the digest even when they carry an ID', async () => {
    const { events } = await send({
      RecordType: 'Delivery',
      ID: 99,
      MessageID: 'm',
      Recipient: 'a@example.com',
      DeliveredAt: '2024-01-01T00:00:00Z',
    });
    expect(events[0]?.eventId).toMatch(/^postmark:[0-9a-f]{32}$/);
  });

  test('the same body gives the same digest id; a different body another', async () => {
    const body = {
      RecordType: 'Open',
      MessageID: 'm',
      Recipient: 'a@example.com',
      ReceivedAt: '2024-01-01T00:00:00Z',
    };
    const [a, b, c] = await Promise.all([
      send(body),
      send(body),
      send({ ...body, MessageID: 'n' }),
    ]);
    expect(a.events[0]?.eventId).toBe(b.events[0]?.eventId);
    expect(a.events[0]?.eventId).not.toBe(c.events[0]?.eventId);
  });
});

describe('Postmark requests that are not tracking events, or are broken', () => {
  test('inbound mail (RecordType Inbound, or FromFull without RecordType) is 200 with no events', async () => {
    for (const body of [
      { RecordType: 'Inbound', FromFull: { Email: 'x@example.com' } },
      { FromFull: { Email: 'x@example.com' }, MessageID: 'm', Subject: 'hi' },
    ]) {
      const { response, json, events, lines } = await send(body);
      expect(response.status).toBe(200);
      expect(json).toEqual({ ok: true, events: 0 });
      expect(events).toEqual([]);
      expect(lines.some((l) => l.level === 'warn' && /inbound/.test(l.msg))).toBe(true);
    }
  });

  test('an unknown RecordType, even "constructor", is an unknown event', async () => {
    for (const type of ['constructor', '__proto__', 'toString', 'NewThing']) {
      const { events } = await send(bounce({ RecordType: type }));
      expect(
        events.map((e) => [e.eventType, e.rejectCategory, e.permanent, e.rejectReason]),
      ).toEqual([['unknown', null, null, null]]);
    }
  });

  test.each([
    ['not JSON', 'nope', 'invalid-json', 'not JSON'],
    ['an array', '[]', 'invalid-postmark-event', 'not a JSON object'],
    ['null', 'null', 'invalid-postmark-event', 'not a JSON object'],
    ['a numeric RecordType', bounce({ RecordType: 5 }), 'invalid-postmark-event', '"RecordType"'],
    ['a numeric MessageID', bounce({ MessageID: 5 }), 'invalid-postmark-event', '"MessageID"'],
    ['a numeric Email', bounce({ Email: 5 }), 'invalid-postmark-event', '"Email"'],
    ['an object ID', bounce({ ID: {} }), 'invalid-postmark-event', '"ID"'],
    [
      'BouncedAt 02-30',
      bounce({ BouncedAt: '2024-02-30T00:00:00Z' }),
      'invalid-postmark-event',
      '"BouncedAt" is not a timestamp',
    ],
    [
      'BouncedAt T24:00',
      bounce({ BouncedAt: '2024-02-01T24:00:00Z' }),
      'invalid-postmark-event',
      '"BouncedAt"',
    ],
    [
      'a numeric BouncedAt',
      bounce({ BouncedAt: 1700000000 }),
      'invalid-postmark-event',
      '"BouncedAt"',
    ],
  ])('%s is a 400 naming what is wrong', async (_, body, reason, message) => {
    const { response, json, events } = await send(body);
    expect(response.status).toBe(400);
    expect(json.error).toBe(reason);
    expect(json.message).toContain(message);
    expect(events).toEqual([]);
  });

  test.each([
    ['{}', {}],
    ['no RecordType', { MessageID: 'm' }],
  ])('%s names no record type: 200 with a warning, no events (as SES)', async (_, body) => {
    const { response, json, events, lines } = await send(body);
    expect([response.status, json]).toEqual([200, { ok: true, events: 0 }]);
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      'Postmark request carries no tracking event: no "RecordType"',
    ]);
  });

  test('a record with no timestamp field takes the time it arrived, as anymail leaves it unset', async () => {
    for (const record of [
      bounce({ BouncedAt: undefined }),
      bounce({ RecordType: 'NewThing', BouncedAt: undefined }),
    ]) {
      const { response, events } = await send(record);
      expect(response.status).toBe(200);
      expect(events[0]?.timestamp.toISOString()).toBe(NOW.toISOString());
    }
  });

  test('an unknown record uses whichever timestamp field it carries', async () => {
    const { events } = await send({
      RecordType: 'NewThing',
      MessageID: 'm',
      Recipient: 'a@example.com',
      ChangedAt: '2024-05-06T07:08:09+02:00',
    });
    expect(events[0]?.timestamp.toISOString()).toBe('2024-05-06T05:08:09.000Z');
  });

  test('a body that is not UTF-8 is a 400', async () => {
    const { handle } = postmarkHandler();
    const response = await handle(postmarkRequest(new Uint8Array([0x7b, 0xff, 0x7d])));
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe('body-not-utf8');
  });
});

describe('Postmark parsing never throws', () => {
  const RECORD_TYPES = [
    'Bounce',
    'SpamComplaint',
    'SubscriptionChange',
    'Delivery',
    'Open',
    'Click',
    'Inbound',
    'constructor',
  ];
  const FIELDS = [
    'RecordType',
    'MessageID',
    'Recipient',
    'Email',
    'ID',
    'Type',
    'Tag',
    'Metadata',
    'BouncedAt',
    'DeliveredAt',
    'ReceivedAt',
    'ChangedAt',
    'SuppressSending',
    'SuppressionReason',
    'FromFull',
    '__proto__',
  ];

  test('any JSON, and records built from Postmark field names, give a 200 or a 400', async () => {
    const record = fc.dictionary(
      fc.constantFrom(...FIELDS),
      fc.oneof(
        fc.constantFrom(...RECORD_TYPES, '2024-01-01T00:00:00Z', 'HardBounce'),
        fc.jsonValue(),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), record), async (body) => {
        const { handle, lines } = postmarkHandler();
        const response = await handle(postmarkRequest(JSON.stringify(body) ?? 'null'));
        expect([200, 400]).toContain(response.status);
        expect(lines.some((l) => l.level === 'error')).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
