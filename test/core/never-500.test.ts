/**
 * Inputs that must never make the handler answer 500 (DESIGN, "Request life and answers"): type
 * names that live on Object.prototype, numbers past a double's range, repeated JSON keys, odd
 * methods and paths, huge headers. Every provider, its checks off so the parsers are reached.
 */
import { describe, expect, test } from 'vitest';
import { createMailWebhookHandler, type EmailTrackingContext } from '../../src/index.js';
import { memoryLogger } from '../helpers/envelope.js';
import { unverifiedProviders } from '../helpers/unverified-providers.js';

/** Each provider's smallest event: `T` where its type goes, `N` where a timestamp number goes. */
const EVENTS: Readonly<Record<string, string>> = {
  resend:
    '{"type":"T","created_at":"2026-01-01T00:00:00Z","data":{"email_id":"e","to":["a@b.example"]}}',
  sendgrid: '[{"email":"a@b.example","event":"T","timestamp":N,"sg_message_id":"m.1"}]',
  mailgun: '{"event-data":{"event":"T","recipient":"a@b.example","timestamp":N,"id":"i"}}',
  postmark:
    '{"RecordType":"T","Recipient":"a@b.example","MessageID":"m","DeliveredAt":"2026-01-01T00:00:00Z","ID":N}',
  brevo: '{"event":"T","email":"a@b.example","message-id":"<m>","ts_epoch":N}',
  mailjet: '{"event":"T","email":"a@b.example","MessageID":N,"time":N}',
  sparkpost:
    '[{"msys":{"message_event":{"type":"T","rcpt_to":"a@b.example","message_id":"m","event_id":"e","timestamp":N}}}]',
  'unisender-go':
    '{"event_name":"transactional_email_status","email":"a@b.example","status":"T","event_time":"2026-01-01 00:00:00","job_id":"j","user_id":N}',
  mailersend:
    '{"type":"T","created_at":"2026-01-01T00:00:00.000000Z","data":{"id":N,"email":{"message":{"id":"m"},"recipient":{"email":"a@b.example"}}}}',
  mailtrap:
    '{"events":[{"event":"T","email":"a@b.example","message_id":"m","event_id":"e","timestamp":N}]}',
  postal:
    '{"event":"T","timestamp":N,"uuid":"u","payload":{"status":"T","message":{"to":"a@b.example","message_id":"m","id":1}}}',
  'ses-eventbridge':
    '{"id":"e","source":"aws.ses","account":"123456789012","detail":{"eventType":"T","mail":{"messageId":"m","timestamp":"2026-01-01T00:00:00Z","destination":["a@b.example"]},"n":N}}',
  mailpace:
    '{"event":"T","payload":{"id":N,"message_id":"m","to":"a@b.example","created_at":"2026-01-01T00:00:00Z"}}',
  loops:
    '{"eventName":"T","eventTime":N,"contactIdentity":{"email":"a@b.example"},"email":{"id":"m"}}',
  mandrill:
    'mandrill_events=[{"event":"T","ts":N,"_id":"i","msg":{"email":"a@b.example","_id":"m"}}]',
  ses: '{"eventType":"T","mail":{"messageId":"m","timestamp":"2026-01-01T00:00:00Z","destination":["a@b.example"]},"n":N}',
};

const received: EmailTrackingContext[] = [];
const { lines, logger } = memoryLogger();
const handle = createMailWebhookHandler({
  providers: unverifiedProviders(),
  sinks: [{ name: 'capture', send: async (events) => void received.push(...events) }],
  logger,
});

/** POSTs `body` to `name`'s route (as an SNS Notification for ses) and returns status and JSON. */
async function post(name: string, body: string, headers: HeadersInit = {}) {
  let sent = body;
  const all = new Headers(headers);
  if (name === 'ses') {
    const id = crypto.randomUUID();
    sent = JSON.stringify({
      Type: 'Notification',
      MessageId: id,
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:t',
      Timestamp: '2026-01-01T00:00:00.000Z',
      Message: body,
    });
    all.set('x-amz-sns-message-type', 'Notification');
    all.set('x-amz-sns-message-id', id);
  }
  if (name === 'mandrill') all.set('content-type', 'application/x-www-form-urlencoded');
  const response = await handle(
    new Request(`https://hooks.example/webhooks/mail/${name}`, {
      method: 'POST',
      body: sent,
      headers: all,
    }),
  );
  const text = await response.text();
  return { status: response.status, json: JSON.parse(text) as { ok: boolean; error?: string } };
}

const errors = () => lines.filter((l) => l.level === 'error');

describe('JSON that is valid but hostile', () => {
  const NAMES = Object.keys(EVENTS);
  const fill = (name: string, type: string, number: string) =>
    (EVENTS[name] ?? '').replaceAll('"T"', JSON.stringify(type)).replaceAll('N', number);

  test.each(NAMES)(
    '%s: type names of Object.prototype are unknown events or no event, never 500',
    async (name) => {
      for (const type of [
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'email.__proto__',
      ]) {
        received.length = 0;
        const { status, json } = await post(name, fill(name, type, '1767225600'));
        expect([200, 400]).toContain(status);
        expect(typeof json.ok).toBe('boolean');
        expect(received.every((c) => c.eventType === 'unknown')).toBe(true);
      }
      expect(errors()).toEqual([]);
    },
  );

  test.each(NAMES)(
    '%s: numbers past a double (1e400, -1e400) are a 400 or a skipped element, never 500 or Infinity',
    async (name) => {
      for (const number of ['1e400', '-1e400', '1e-400', '123456789012345678901234567890']) {
        received.length = 0;
        const { status } = await post(name, fill(name, 'delivered', number));
        expect(status).toBeLessThan(500);
        for (const c of received) expect(Number.isFinite(c.timestamp.getTime())).toBe(true);
      }
      expect(errors()).toEqual([]);
    },
  );

  test.each(NAMES)(
    '%s: every key repeated (JSON takes the last) is read once, never 500',
    async (name) => {
      // Each "key": value pair sent twice, the first with a hostile value.
      const body = fill(name, 'delivered', '1767225600').replace(
        /"([\w-]+)":/g,
        '"$1":{"__proto__":1},"$1":',
      );
      const { status } = await post(name, body);
      expect(status).toBeLessThan(500);
      expect(errors()).toEqual([]);
    },
  );
});

describe('methods, paths and headers no client should send', () => {
  test.each(['PROPFIND', 'patch', 'M-SEARCH', 'OPTIONS', 'PUT', 'DELETE'])(
    '%s on a route: 405 with Allow',
    async (method) => {
      for (const name of ['ses', 'mandrill', 'unisender-go']) {
        const response = await handle(
          new Request(`https://hooks.example/webhooks/mail/${name}`, { method }),
        );
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toMatch(/^POST/);
      }
    },
  );

  test.each([
    '%',
    '%E0%A4%A',
    '%zz',
    '%73es',
    'ses%2F',
    '..%2Fses',
    'SES',
    'ses;x',
    '%F0%9F%98%80',
  ])('path segment %j: 404 naming the routes, never 500', async (segment) => {
    const response = await handle(
      new Request(`https://hooks.example/webhooks/mail/${segment}`, { method: 'POST', body: '{}' }),
    );
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toContain(
      '/webhooks/mail/ses',
    );
  });

  test('a request whose body was already read or locked (a middleware read it): 400 body-unreadable, never 500', async () => {
    const read = new Request('https://hooks.example/webhooks/mail/ses', {
      method: 'POST',
      body: '{}',
    });
    await read.text();
    const locked = new Request('https://hooks.example/webhooks/mail/mailgun', {
      method: 'POST',
      body: new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{}')) }),
      duplex: 'half',
    } as RequestInit);
    locked.body?.getReader();
    for (const request of [read, locked]) {
      const response = await handle(request);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('body-unreadable');
    }
    expect(errors()).toEqual([]);
  });

  test('a 1 MB header and a 1 MB Authorization: refused as usual, never 500', async () => {
    const big = 'A'.repeat(1 << 20);
    for (const [name, headers] of [
      ['sendgrid', { 'x-padding': big }],
      ['postmark', { authorization: `Basic ${big}` }],
      ['resend', { 'webhook-signature': `v1,${big}`, 'webhook-id': 'x', 'webhook-timestamp': '1' }],
    ] as const) {
      const { status } = await post(name, '[]', headers);
      expect(status).toBeLessThan(500);
    }
    expect(errors()).toEqual([]);
  });
});
