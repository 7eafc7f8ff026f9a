/** Resend event shapes beyond the fixtures: newer types, tag forms, ignored families, bad input. */
import { describe, expect, test } from 'vitest';
import { answer, resendHandler, signedRequest } from './helpers.js';

const event = (type: string, data: Record<string, unknown> = {}, extra = {}) => ({
  type,
  created_at: '2024-11-05T10:00:00.000Z',
  data: {
    email_id: 'e-1',
    created_at: '2024-11-05T09:59:59.000Z',
    from: 'Acme <hello@acme.test>',
    to: ['a@example.com'],
    subject: 'Hi',
    ...data,
  },
  ...extra,
});

async function run(payload: unknown) {
  const { handle, received, lines } = resendHandler();
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const response = await handle(signedRequest(body, { id: 'msg_p' }));
  return { response, body: await answer(response), received, lines };
}

describe('Resend event types', () => {
  test.each([
    [
      'a list of two answers',
      ['450 try later', '550 no such user'],
      '450 try later\n550 no such user',
    ],
    ['a single string', 'smtp; 550 no such user', 'smtp; 550 no such user'],
    ['a list with entries that are not text', [null, {}, '550 gone'], '550 gone'],
    ['an object', { code: 550 }, null],
    ['an empty list', [], null],
  ])('bounce.diagnosticCode as %s: mtaResponse %j, never a 400', async (_, code, want) => {
    const { response, received } = await run(
      event('email.bounced', { bounce: { type: 'Permanent', diagnosticCode: code } }),
    );
    expect(response.status).toBe(200);
    expect(received.map((c) => c.mtaResponse)).toEqual([want]);
  });

  test.each([
    ['email.scheduled', 'queued'],
    ['email.sent', 'sent'],
    ['email.delivered', 'delivered'],
    ['email.delivery_delayed', 'deferred'],
    ['email.opened', 'opened'],
    ['email.clicked', 'clicked'],
    ['email.bounced', 'bounced'],
    ['email.complained', 'complained'],
    ['email.failed', 'failed'],
    ['email.suppressed', 'rejected'],
    ['email.something_new', 'unknown'],
  ])('%s becomes %s', async (type, eventType) => {
    const { received } = await run(event(type));
    expect(received.map((c) => c.eventType)).toEqual([eventType]);
  });

  test.each(['email.constructor', 'email.__proto__', 'email.toString', 'email.hasOwnProperty'])(
    '%s (an Object.prototype name) is unknown, not a crash',
    async (type) => {
      const { response, received } = await run(event(type));
      expect(response.status).toBe(200);
      expect(received.map((c) => c.eventType)).toEqual(['unknown']);
    },
  );

  test.each([
    'contact.created',
    'domain.updated',
    'suppression.added',
    'email.received',
    'constructor',
    '__proto__',
  ])('%s is answered 200 with no events, and logged', async (type) => {
    const { response, body, received, lines } = await run({ type, created_at: 'x', data: {} });
    expect(response.status).toBe(200);
    expect(body).toEqual({ ok: true, events: 0 });
    expect(received).toEqual([]);
    expect(lines.find((l) => l.msg.includes('no tracking event'))?.fields.note).toContain(type);
  });
});

describe('Resend per-type fields', () => {
  test('a Permanent bounce has rejectReason type/subType, its message, category bounced, permanent', async () => {
    const { received } = await run(
      event('email.bounced', {
        bounce: { type: 'Permanent', subType: 'Suppressed', message: 'on the list' },
      }),
    );
    expect(received[0]).toMatchObject({
      rejectReason: 'Permanent/Suppressed',
      description: 'on the list',
      rejectCategory: 'bounced',
      permanent: true,
    });
  });

  test('a Transient bounce is not permanent', async () => {
    const { received } = await run(
      event('email.bounced', {
        bounce: { type: 'Transient', subType: 'MailboxFull', message: 'm' },
      }),
    );
    expect(received[0]).toMatchObject({ rejectReason: 'Transient/MailboxFull', permanent: false });
  });

  test('email.suppressed is rejected, category blocked, permanent, with its type and message', async () => {
    const { received } = await run(
      event('email.suppressed', { suppressed: { type: 'OnAccountSuppressionList', message: 'm' } }),
    );
    expect(received[0]).toMatchObject({
      eventType: 'rejected',
      rejectReason: 'OnAccountSuppressionList',
      description: 'm',
      rejectCategory: 'blocked',
      permanent: true,
    });
  });

  test('email.failed is failed, category other, not permanent, with its reason', async () => {
    const { received } = await run(
      event('email.failed', { failed: { reason: 'reached_daily_quota' } }),
    );
    expect(received[0]).toMatchObject({
      eventType: 'failed',
      rejectReason: 'reached_daily_quota',
      rejectCategory: 'other',
      permanent: false,
    });
  });

  test('email.opened takes its user agent from data.open; other types leave categories null', async () => {
    const { received } = await run(event('email.opened', { open: { userAgent: 'Thunderbird' } }));
    expect(received[0]).toMatchObject({
      userAgent: 'Thunderbird',
      rejectCategory: null,
      permanent: null,
      rejectReason: null,
    });
  });

  test('email.clicked takes data.click.link and data.click.userAgent', async () => {
    const { received } = await run(
      event('email.clicked', {
        click: { link: 'https://x.test/a', userAgent: 'UA', ipAddress: '1' },
      }),
    );
    expect(received[0]).toMatchObject({ clickUrl: 'https://x.test/a', userAgent: 'UA' });
  });

  test('an empty click user agent or bounce message is passed as sent (""), as django-anymail does', async () => {
    const clicked = await run(
      event('email.clicked', { click: { link: 'https://x.test/a', userAgent: '' } }),
    );
    expect(clicked.received[0]).toMatchObject({ clickUrl: 'https://x.test/a', userAgent: '' });
    const bounced = await run(
      event('email.bounced', { bounce: { type: 'Permanent', subType: 'General', message: '' } }),
    );
    expect(bounced.received[0]).toMatchObject({ eventType: 'bounced', description: '' });
  });
});

describe('Resend recipients, tags and timestamps', () => {
  test('data.to as one string gives one context; repeated addresses give one each', async () => {
    expect(
      (await run(event('email.sent', { to: 'Jo <jo@example.com>' }))).received.map(
        (c) => c.recipient,
      ),
    ).toEqual(['jo@example.com']);
    const repeated = await run(
      event('email.sent', { to: ['a@example.com', 'A <a@example.com>', 'b@example.com'] }),
    );
    expect(repeated.received.map((c) => c.recipient)).toEqual(['a@example.com', 'b@example.com']);
  });

  test('tags as [{name, value}] follow the SES rules: name, name:value, metadata:<key>', async () => {
    const { received } = await run(
      event('email.sent', {
        tags: [
          { name: 'campaign', value: 'spring' },
          { name: 'vip', value: 'true' },
          { name: 'metadata:user_id', value: '42' },
          { name: 'bare' },
        ],
      }),
    );
    expect(received[0]?.tags).toEqual(['campaign:spring', 'vip', 'bare']);
    expect(received[0]?.metadata).toEqual({ user_id: '42' });
  });

  test('tags as an object map the same way; non-string values become JSON text', async () => {
    const { received } = await run(
      event('email.sent', {
        tags: { category: 'welcome', 'metadata:plan': 'pro', n: 3, flag: null },
      }),
    );
    expect(received[0]?.tags).toEqual(['category:welcome', 'n:3', 'flag']);
    expect(received[0]?.metadata).toEqual({ plan: 'pro' });
  });

  test('null tags and sub-objects are read as absent', async () => {
    const { response, received } = await run(event('email.clicked', { tags: null, click: null }));
    expect(response.status).toBe(200);
    expect(received[0]).toMatchObject({ tags: [], clickUrl: null });
  });

  test('data.headers give metadata as SES headers do; a metadata:<key> tag wins over them', async () => {
    const { received } = await run(
      event('email.sent', {
        tags: { 'metadata:plan': 'pro' },
        headers: [
          { name: 'x-metadata', value: '{"plan":"free","user_id":7,"nested":{"a":1}}' },
          { name: 'X-Metadata-Cohort', value: 'B' },
          { name: 'Reply-To', value: 'r@example.com' },
        ],
      }),
    );
    expect(received[0]?.metadata).toEqual({
      plan: 'pro',
      user_id: '7',
      nested: '{"a":1}',
      Cohort: 'B',
    });
    expect(received[0]?.tags).toEqual([]);
  });

  test('data.headers with an entry that is not { name, value } text is passed over, not refused', async () => {
    for (const odd of [{ name: 'X-Metadata-Odd', value: 3 }, 'not an entry', null]) {
      const { response, received } = await run(
        event('email.sent', {
          tags: { 'metadata:plan': 'pro' },
          headers: [{ name: 'X-Metadata-Cohort', value: 'B' }, odd],
        }),
      );
      expect(response.status).toBe(200);
      expect(received[0]?.metadata).toEqual({ plan: 'pro' });
    }
  });

  test('an X-Metadata header that is not a JSON object costs its metadata, not the event', async () => {
    const { response, received, lines } = await run(
      event('email.delivered', { headers: [{ name: 'X-Metadata', value: '["a"]' }] }),
    );
    expect(response.status).toBe(200);
    expect(received[0]).toMatchObject({ eventType: 'delivered', metadata: {} });
    expect(lines.some((l) => l.level === 'warn' && /X-Metadata/.test(String(l.msg)))).toBe(true);
  });

  test('data.headers that is not a list is passed over', async () => {
    const { response, received } = await run(
      event('email.sent', { headers: { 'X-Metadata': '{}' } }),
    );
    expect(response.status).toBe(200);
    expect(received[0]?.metadata).toEqual({});
  });

  test('the timestamp is the top-level created_at, with an offset honoured', async () => {
    const { received } = await run(
      event('email.delivered', {}, { created_at: '2024-11-05T12:00:00.5+02:00' }),
    );
    expect(received[0]?.timestamp.toISOString()).toBe('2024-11-05T10:00:00.500Z');
  });
});

describe('Resend payloads that are refused', () => {
  test.each([
    [
      'a created_at that is no real date',
      event('email.sent', {}, { created_at: '2024-02-30T00:00:00Z' }),
      'created_at',
    ],
    ['a missing created_at', { type: 'email.sent', data: event('email.sent').data }, 'created_at'],
    ['a type that is not a string', { ...event('email.sent'), type: 7 }, 'type'],
    ['no data', { type: 'email.sent', created_at: '2024-11-05T10:00:00Z' }, 'data'],
    ['no data.email_id', event('email.sent', { email_id: undefined }), 'data.email_id'],
    ['an empty data.to', event('email.sent', { to: [] }), 'data.to'],
    ['a data.to of numbers', event('email.sent', { to: [1] }), 'data.to'],
  ])('%s is 400 naming the field', async (_name, payload, field) => {
    const { response, body, received } = await run(payload);
    expect(response.status).toBe(400);
    expect(body.error).toBe('invalid-resend-event');
    expect(String(body.message)).toContain(`"${field}"`);
    expect(received).toEqual([]);
  });

  test.each([
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['a JSON string', '"email.sent"'],
  ])('%s is 400 invalid-resend-event', async (_name, text) => {
    const { response, body } = await run(text);
    expect(response.status).toBe(400);
    expect(body.error).toBe('invalid-resend-event');
  });

  test('a body that is not JSON is 400 invalid-json (after the signature is checked)', async () => {
    const { response, body } = await run('{not json');
    expect([response.status, body.error]).toEqual([400, 'invalid-json']);
  });

  test('a JSON object with a __proto__ key is parsed without touching prototypes', async () => {
    const text = JSON.stringify(event('email.sent')).replace(
      '"data":{',
      '"data":{"__proto__":{"to":["x@evil.test"]},',
    );
    const { response, received } = await run(text);
    expect(response.status).toBe(200);
    expect(received.map((c) => c.recipient)).toEqual(['a@example.com']);
    expect(({} as Record<string, unknown>).to).toBeUndefined();
  });
});
