/** Blind: the Worker's store from its env (a D1 binding named MAIL_WEBHOOK_DB), inside workerd. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';

type Env = Record<string, unknown>;
interface W {
  fetch(request: Request, env: Env, ctx: unknown): Promise<Response>;
}
const w = worker as unknown as W;
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
const db = (env as unknown as Record<string, unknown>).STORE_TEST_DB;

const bounce = `{
  "Type": "Notification",
  "MessageId": "MID",
  "TopicArn": "arn:aws:sns:us-east-1:123456789012:ses-events",
  "Message": ${JSON.stringify(
    JSON.stringify({
      notificationType: 'Bounce',
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [{ emailAddress: 'RCPT' }],
        timestamp: 'WHEN',
      },
      mail: {
        timestamp: 'WHEN',
        messageId: 'ses-MID',
        source: 'a@example.com',
        destination: ['RCPT'],
      },
    }),
  )},
  "Timestamp": "2026-01-01T00:00:00.000Z",
  "SignatureVersion": "1",
  "Signature": "x",
  "SigningCertURL": "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-00000000000000000000000000000000.pem"
}`;

function post(id: string, recipient: string, when = new Date().toISOString()) {
  return new Request('http://localhost/webhooks/mail/ses', {
    method: 'POST',
    headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': id },
    body: bounce.replaceAll('MID', id).replaceAll('RCPT', recipient).replaceAll('WHEN', when),
  });
}

const get = (path: string, token?: string, method = 'GET') =>
  new Request(`http://localhost/webhooks/mail${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

function base(extra: Env = {}): Env {
  return {
    MAIL_WEBHOOK_ENABLED: 'true',
    MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
    MAIL_WEBHOOK_DB: db,
    MAIL_WEBHOOK_API_TOKEN: 'tok-123',
    ...extra,
  };
}

describe('store from env (D1 binding MAIL_WEBHOOK_DB)', () => {
  it('suppresses a hard bounce and serves the routes behind the bearer token', async () => {
    const e = base();
    const when = '2026-11-01T10:00:00.000Z';
    const r = await w.fetch(post('m-1', 'kim@Example.COM', when), e, ctx);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true, events: 1 });

    const s = await w.fetch(get('/suppressions/kim@example.com', 'tok-123'), e, ctx);
    expect(s.status).toBe(200);
    expect(await s.json()).toEqual({
      suppressed: true,
      reason: 'bounced',
      provider: 'ses',
      since: when,
    });
    // Local part exact by default.
    const other = await w.fetch(get('/suppressions/KIM@example.com', 'tok-123'), e, ctx);
    expect(await other.json()).toEqual({ suppressed: false });

    expect((await w.fetch(get('/suppressions/kim@example.com'), e, ctx)).status).toBe(401);
    expect((await w.fetch(get('/suppressions/kim@example.com', 'nope'), e, ctx)).status).toBe(403);

    const history = await w.fetch(get('/events?recipient=kim@Example.COM', 'tok-123'), e, ctx);
    expect(history.status).toBe(200);
    const { events } = (await history.json()) as {
      events: { eventType: string; eventId: string; timestamp: string }[];
    };
    expect(events.map((x) => [x.eventType, x.eventId, x.timestamp])).toEqual([
      ['bounced', 'm-1', when],
    ]);

    const del = await w.fetch(get('/suppressions/kim@example.com', 'tok-123', 'DELETE'), e, ctx);
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ suppressed: false });
    expect(
      await (await w.fetch(get('/suppressions/kim@example.com', 'tok-123'), e, ctx)).json(),
    ).toEqual({ suppressed: false });
  });

  it('without MAIL_WEBHOOK_API_TOKEN the routes are 404, and webhooks still work', async () => {
    const e = base({ MAIL_WEBHOOK_API_TOKEN: undefined });
    delete e.MAIL_WEBHOOK_API_TOKEN;
    expect((await w.fetch(post('m-2', 'lee@example.com'), e, ctx)).status).toBe(200);
    expect((await w.fetch(get('/suppressions/lee@example.com', 'tok-123'), e, ctx)).status).toBe(
      404,
    );
  });

  it('MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE=true folds the local part too', async () => {
    const e = base({ MAIL_WEBHOOK_IGNORE_LOCAL_PART_CASE: 'true' });
    expect((await w.fetch(post('m-3', 'Pat@example.com'), e, ctx)).status).toBe(200);
    const s = await w.fetch(get('/suppressions/pat@EXAMPLE.com', 'tok-123'), e, ctx);
    expect(((await s.json()) as { suppressed: boolean }).suppressed).toBe(true);
  });

  it('drops an ESP retry already delivered: the queue sink sees it once', async () => {
    const sent: unknown[] = [];
    const queue = {
      async sendBatch(messages: unknown[]) {
        sent.push(...messages);
      },
      async send(message: unknown) {
        sent.push(message);
      },
    };
    const e = base({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: queue });
    const a = await w.fetch(post('m-4', 'dup@example.com'), e, ctx);
    const b = await w.fetch(post('m-4', 'dup@example.com'), e, ctx);
    expect([a.status, b.status]).toEqual([200, 200]);
    // events: N counts the contexts parsed, duplicates included.
    expect(await b.json()).toEqual({ ok: true, events: 1 });
    expect(sent).toHaveLength(1);
  });

  it('MAIL_WEBHOOK_RETENTION_DAYS prunes old events but keeps the suppression', async () => {
    const e = base({ MAIL_WEBHOOK_RETENTION_DAYS: '90' });
    expect(
      (await w.fetch(post('m-5', 'old@example.com', '2016-01-27T14:59:38.237Z'), e, ctx)).status,
    ).toBe(200);
    expect((await w.fetch(post('m-6', 'new@example.com'), e, ctx)).status).toBe(200);
    const old = await w.fetch(get('/events?recipient=old@example.com', 'tok-123'), e, ctx);
    expect(await old.json()).toEqual({ events: [] });
    const s = await w.fetch(get('/suppressions/old@example.com', 'tok-123'), e, ctx);
    expect(await s.json()).toEqual({
      suppressed: true,
      reason: 'bounced',
      provider: 'ses',
      since: '2016-01-27T14:59:38.237Z',
    });
  });

  it('limit: over 1000 reads as 1000; one that is not a count is a 400 naming limit', async () => {
    const e = base();
    expect((await w.fetch(get('/events?limit=1001', 'tok-123'), e, ctx)).status).toBe(200);
    for (const bad of ['0', 'ten']) {
      const r = await w.fetch(get(`/events?limit=${bad}`, 'tok-123'), e, ctx);
      expect(r.status).toBe(400);
      expect(JSON.stringify(await r.json())).toContain('limit');
    }
  });

  it.each([
    [
      'a provider mounted at suppressions while the store serves routes is misconfigured',
      'm-8',
      'y@example.com',
      { MAIL_WEBHOOK_SES_PATH: 'suppressions' },
    ],
    [
      'MAIL_WEBHOOK_RETENTION_DAYS that is not a number: 503 misconfigured',
      'm-7',
      'x@example.com',
      { MAIL_WEBHOOK_RETENTION_DAYS: 'ninety' },
    ],
  ])('%s', async (_title, id, recipient, vars) => {
    const r = await w.fetch(post(id, recipient), base(vars), ctx);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: string }).error).toBe('misconfigured');
  });
});
