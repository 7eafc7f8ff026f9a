/** Mailgun parsing: schema errors name the field, the mapping's corners, no input makes a 500. */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { answer, mailgunRequest, resign, setup } from './helpers.js';

describe('mailgun bodies that break the schema', () => {
  const signed = async (eventData: unknown) => resign({ 'event-data': eventData });
  const bad = async (eventData: unknown) => {
    const { handle } = setup();
    const { status, body } = await answer(await handle(mailgunRequest(await signed(eventData))));
    return [status, (body as { message: string }).message];
  };

  test('400 naming the dotted field', async () => {
    const base = { event: 'delivered', recipient: 'a@example.com' };
    for (const [eventData, field] of [
      [undefined, 'event-data'],
      [{ recipient: 'a@example.com' }, 'event-data.event'],
      [{ ...base, event: 7 }, 'event-data.event'],
      [{ ...base, recipient: ['a'] }, 'event-data.recipient'],
      [{ ...base, 'delivery-status': { message: 550 } }, 'event-data.delivery-status.message'],
      [
        { ...base, message: { headers: { 'message-id': {} } } },
        'event-data.message.headers.message-id',
      ],
      [{ ...base, 'client-info': { 'user-agent': 1 } }, 'event-data.client-info.user-agent'],
      [{ ...base, timestamp: -5 }, 'event-data.timestamp'],
      [{ ...base, timestamp: 'soon' }, 'event-data.timestamp'],
      [{ ...base, timestamp: 1e15 }, 'event-data.timestamp'],
    ] as const) {
      const [status, message] = await bad(eventData);
      expect(status).toBe(400);
      expect(message).toContain(`"${field}"`);
    }
  });
});

test('signed user-variables given as an array and tags as one string: delivered, no metadata {"0": "1"}, the one tag', async () => {
  const { handle, events } = setup();
  const body = await resign({
    'event-data': {
      event: 'delivered',
      recipient: 'a@example.com',
      tags: 'x',
      'user-variables': ['1'],
    },
  });
  expect((await answer(await handle(mailgunRequest(body)))).status).toBe(200);
  expect(events).toMatchObject([{ recipient: 'a@example.com', tags: ['x'], metadata: {} }]);
});

describe('mailgun parsing details', () => {
  const one = async (eventData: Record<string, unknown>, signature?: { timestamp: string }) => {
    const { handle, events } = setup();
    const body = await resign({ 'event-data': eventData }, signature);
    expect((await handle(mailgunRequest(body))).status).toBe(200);
    expect(events).toHaveLength(1);
    return events[0];
  };
  const base = { recipient: 'a@example.com', timestamp: 1700000000.25 };

  test('event names on Object.prototype are unknown events, never a crash', async () => {
    for (const event of ['constructor', '__proto__', 'toString', 'hasOwnProperty', '']) {
      expect(await one({ ...base, event })).toMatchObject({
        eventType: 'unknown',
        rejectCategory: null,
        permanent: null,
      });
    }
  });

  test('other Mailgun events (stored, list_member_uploaded) are unknown', async () => {
    expect((await one({ ...base, event: 'stored' }))?.eventType).toBe('unknown');
  });

  test('user-variables become strings (null as "", as Postmark), and __proto__ stays an ordinary key', async () => {
    const event = await one({
      ...base,
      event: 'delivered',
      'user-variables': JSON.parse(
        '{"n": 5, "b": true, "o": {"k": [1]}, "z": null, "__proto__": "p", "constructor": "c"}',
      ),
    });
    expect(Object.getPrototypeOf(event?.metadata)).toBe(Object.prototype);
    expect(Object.entries(event?.metadata ?? {})).toEqual([
      ['n', '5'],
      ['b', 'true'],
      ['o', '{"k":[1]}'],
      ['z', ''],
      ['__proto__', 'p'],
      ['constructor', 'c'],
    ]);
  });

  test('failed: severity decides deferred/permanent; reason decides the category', async () => {
    const failed = (extra: Record<string, unknown>) => one({ ...base, event: 'failed', ...extra });
    expect(await failed({ severity: 'permanent', reason: 'suppress-bounce' })).toMatchObject({
      eventType: 'bounced',
      rejectCategory: 'bounced',
      permanent: true,
    });
    expect(await failed({ severity: 'permanent', reason: 'generic' })).toMatchObject({
      rejectCategory: 'other',
      permanent: true,
    });
    expect(await failed({ severity: 'permanent', reason: 'espblock' })).toMatchObject({
      rejectCategory: 'other',
      rejectReason: 'espblock',
    });
    expect(await failed({})).toMatchObject({
      eventType: 'bounced',
      rejectCategory: 'other',
      permanent: false,
      rejectReason: null,
    });
    expect(await failed({ severity: 'temporary', reason: 'bounce' })).toMatchObject({
      eventType: 'deferred',
      rejectCategory: null,
      permanent: null,
      rejectReason: 'bounce',
    });
  });

  test('categories as anymail maps reason: only bounce and suppress-bounce are bounced', async () => {
    // anymail's table for JSON webhooks; its 499/605/607 codes belong to the legacy form webhooks.
    const failed = (reason: string) =>
      one({ ...base, event: 'failed', severity: 'permanent', reason });
    for (const reason of ['suppress-complaint', 'suppress-unsubscribe', 'old', 'espblock']) {
      expect(await failed(reason)).toMatchObject({
        eventType: 'bounced',
        rejectCategory: 'other',
        rejectReason: reason,
        permanent: true,
      });
    }
  });

  test('rejected: permanent when the reason is about the address', async () => {
    expect(await one({ ...base, event: 'rejected', reason: 'suppress-bounce' })).toMatchObject({
      rejectCategory: 'bounced',
      permanent: true,
    });
    expect(await one({ ...base, event: 'rejected' })).toMatchObject({
      rejectCategory: 'other',
      permanent: false,
    });
    for (const reason of ['suppress-complaint', 'suppress-unsubscribe']) {
      expect(await one({ ...base, event: 'rejected', reason })).toMatchObject({
        rejectCategory: 'other',
        permanent: true,
      });
    }
    expect(await one({ ...base, event: 'rejected', reason: 'old' })).toMatchObject({
      rejectCategory: 'other',
      permanent: false,
    });
  });

  test('rejected without a recipient: only a single To address is used', async () => {
    const { handle, events } = setup();
    const to = (header: string) =>
      resign({ 'event-data': { event: 'rejected', message: { headers: { to: header } } } });
    await handle(mailgunRequest(await to('a@example.com, b@example.com')));
    await handle(mailgunRequest(await to('"Last, First" <c@example.com>')));
    await handle(mailgunRequest(await to('d@example.com')));
    // Two addresses name no one recipient: reported with an empty one, as anymail does.
    expect(events.map((e) => e.recipient)).toEqual(['', 'c@example.com', 'd@example.com']);
  });

  test('timestamp: fractional seconds kept to the millisecond; absent, the signed timestamp', async () => {
    expect((await one({ ...base, event: 'opened' }))?.timestamp).toEqual(
      new Date('2023-11-14T22:13:20.250Z'),
    );
    const { timestamp: _, ...noTime } = base;
    const event = await one({ ...noTime, event: 'opened' }, { timestamp: '1600000000' });
    expect(event?.timestamp).toEqual(new Date('2020-09-13T12:26:40.000Z'));
  });

  test('message-id is kept as sent, with or without <>', async () => {
    const event = await one({
      ...base,
      event: 'delivered',
      message: { headers: { 'message-id': '<x@y>' } },
    });
    expect(event?.messageId).toBe('<x@y>');
  });

  test('the digest eventId is the same for the same bytes (a Mailgun retry)', async () => {
    const { handle, events } = setup();
    const body = await resign({ 'event-data': { ...base, event: 'opened' } });
    await handle(mailgunRequest(body));
    await handle(mailgunRequest(body));
    expect(events[0]?.eventId).toMatch(/^mailgun:[0-9a-f]{32}$/);
    expect(events[1]?.eventId).toBe(events[0]?.eventId);
  });

  test('any signed JSON as event-data is a 200 or a 400, never a 500', async () => {
    const { handle } = setup();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), fc.jsonValue(), async (eventData, extra) => {
        const data =
          typeof eventData === 'object' && eventData !== null && !Array.isArray(eventData)
            ? { event: 'delivered', ...eventData, extra }
            : eventData;
        const response = await handle(mailgunRequest(await resign({ 'event-data': data })));
        expect([200, 400]).toContain(response.status);
      }),
      { numRuns: 200 },
    );
  });
});
