// Blind tests (written from DESIGN "Event store, suppression list, dedupe" only), on D1.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import {
  createD1Store,
  createMailWebhookHandler,
  decodeTrackingEvent,
  type EmailTrackingContext,
  type MailWebhookOptions,
  type Sink,
  ses,
} from '../../src/index.js';
import { silent, snsRequest } from '../blind/delivery-helpers.js';

let counter = 0;
const unique = (local: string) => `${local}.${Date.now()}.${++counter}@example.com`;

function bounce(
  recipients: string[],
  bounceType = 'Permanent',
  timestamp = '2026-01-02T03:04:05.678Z',
  messageId = 'm-1',
) {
  return {
    eventType: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: 'General',
      bouncedRecipients: recipients.map((emailAddress) => ({
        emailAddress,
        diagnosticCode: 'smtp; 550',
      })),
      timestamp,
      feedbackId: 'f',
    },
    mail: { timestamp, messageId, source: 's@example.com', destination: recipients },
  };
}

function complaint(recipients: string[], timestamp = '2026-01-03T00:00:00.000Z') {
  return {
    eventType: 'Complaint',
    complaint: {
      complainedRecipients: recipients.map((emailAddress) => ({ emailAddress })),
      timestamp,
      feedbackId: 'f',
      complaintFeedbackType: 'abuse',
    },
    mail: { timestamp, messageId: 'm-c', source: 's@example.com', destination: recipients },
  };
}

function delivery(recipients: string[], timestamp: string, messageId = 'm-d') {
  return {
    eventType: 'Delivery',
    delivery: { timestamp, recipients, smtpResponse: '250 ok', processingTimeMillis: 1 },
    mail: { timestamp, messageId, source: 's@example.com', destination: recipients },
  };
}

function recorder(): Sink & { got: EmailTrackingContext[] } {
  const got: EmailTrackingContext[] = [];
  return { name: 'recorder', got, send: async (events) => void got.push(...events) };
}

function handlerWith(extra: MailWebhookOptions, storeOptions?: Record<string, unknown>) {
  const store = createD1Store(env.STORE_TEST_DB, storeOptions as never);
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    logger: silent,
    store,
    ...extra,
  });
  return { store, handle };
}

const TOKEN = 'test-token-123';
const api = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
  new Request(`https://hooks.example.com/webhooks/mail${path}`, {
    ...init,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });

describe('suppression list', () => {
  it('a permanent bounce suppresses with reason bounced, provider ses and since', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()], apiToken: TOKEN });
    const jane = unique('jane');
    const response = await handle(snsRequest(bounce([jane])));
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect(await store.isSuppressed(jane)).toBe(true);
    const record = (await store.suppression(jane)) as unknown as Record<string, unknown>;
    expect(record).toMatchObject({ reason: 'bounced', provider: 'ses' });
    expect(new Date(record.since as string).toISOString()).toBe('2026-01-02T03:04:05.678Z');
    const http = await handle(api(`/suppressions/${jane}`));
    expect(http.status).toBe(200);
    expect(await http.json()).toEqual({
      suppressed: true,
      reason: 'bounced',
      provider: 'ses',
      since: '2026-01-02T03:04:05.678Z',
    });
  });

  it('a transient bounce suppresses nobody', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()], apiToken: TOKEN });
    const tom = unique('tom');
    await handle(snsRequest(bounce([tom], 'Transient')));
    expect(await store.isSuppressed(tom)).toBe(false);
    expect(await store.suppression(tom)).toBeNull();
    expect(await (await handle(api(`/suppressions/${tom}`))).json()).toEqual({ suppressed: false });
  });

  it('a complaint suppresses with reason spam', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()] });
    const c = unique('c');
    await handle(snsRequest(complaint([c])));
    expect(await store.suppression(c)).toMatchObject({ reason: 'spam', provider: 'ses' });
  });

  it('since stays the first suppressing event', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()] });
    const x = unique('x');
    await handle(snsRequest(bounce([x], 'Permanent', '2026-01-02T00:00:00.000Z')));
    await handle(snsRequest(complaint([x], '2026-01-05T00:00:00.000Z')));
    const record = (await store.suppression(x)) as unknown as { since: Date | string };
    expect(new Date(record.since).toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });

  it('domain compared case-insensitively, local part exactly', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()] });
    const local = `Jane${++counter}`;
    await handle(snsRequest(bounce([`${local}@Example.COM`])));
    expect(await store.isSuppressed(`${local}@example.com`)).toBe(true);
    expect(await store.isSuppressed(`${local}@EXAMPLE.com`)).toBe(true);
    expect(await store.isSuppressed(`${local.toLowerCase()}@example.com`)).toBe(false);
  });

  it('ignoreLocalPartCase folds both parts', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()] }, { ignoreLocalPartCase: true });
    const local = `Mary${++counter}`;
    await handle(snsRequest(bounce([`${local}@Example.com`])));
    expect(await store.isSuppressed(`${local.toLowerCase()}@example.com`)).toBe(true);
  });

  it('DELETE lifts a suppression', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()], apiToken: TOKEN });
    const d = unique('d');
    await handle(snsRequest(bounce([d])));
    const response = await handle(api(`/suppressions/${d}`, { method: 'DELETE' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ suppressed: false });
    expect(await store.isSuppressed(d)).toBe(false);
    expect(await (await handle(api(`/suppressions/${d}`))).json()).toEqual({ suppressed: false });
  });
});

describe('API auth', () => {
  it('401 with WWW-Authenticate Bearer without a token, 403 with a wrong one', async () => {
    const { handle } = handlerWith({ sinks: [recorder()], apiToken: TOKEN });
    const none = await handle(api('/suppressions/a@example.com', {}, null));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await handle(api('/suppressions/a@example.com', {}, 'nope'));
    expect(wrong.status).toBe(403);
    const eventsNone = await handle(api('/events', {}, null));
    expect(eventsNone.status).toBe(401);
  });

  it('without apiToken the routes are 404', async () => {
    const { handle } = handlerWith({ sinks: [recorder()] });
    expect((await handle(api('/suppressions/a@example.com'))).status).toBe(404);
    expect((await handle(api('/events'))).status).toBe(404);
  });
});

describe('dedupe', () => {
  it('an SNS redelivery reaches the sinks once; both answers count the events', async () => {
    const sink = recorder();
    const { handle } = handlerWith({ sinks: [sink] });
    const a = unique('a');
    const b = unique('b');
    const id = `dup-${++counter}`;
    const first = await handle(snsRequest(bounce([a, b]), id));
    expect(await first.json()).toEqual({ ok: true, events: 2 });
    const second = await handle(snsRequest(bounce([a, b]), id));
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ ok: true, events: 2 });
    expect(sink.got.map((c) => c.recipient)).toEqual([a, b]);
  });

  it('a retry after a sink failure reaches the sinks again', async () => {
    let fail = true;
    const got: string[] = [];
    const flaky: Sink = {
      name: 'flaky',
      send: async (events) => {
        if (fail) throw new Error('down');
        got.push(...events.map((e) => e.recipient));
      },
    };
    const { handle } = handlerWith({ sinks: [flaky] });
    const a = unique('a');
    const id = `retry-${++counter}`;
    expect((await handle(snsRequest(bounce([a]), id))).status).toBe(503);
    fail = false;
    const again = await handle(snsRequest(bounce([a]), id));
    expect(again.status).toBe(200);
    expect(got).toEqual([a]);
    await handle(snsRequest(bounce([a]), id));
    expect(got).toEqual([a]);
  });

  it('a different event type for the same (eventId, recipient) is not a duplicate', async () => {
    const sink = recorder();
    const { handle } = handlerWith({ sinks: [sink] });
    const a = unique('a');
    const id = `types-${++counter}`;
    await handle(snsRequest(bounce([a]), id));
    await handle(snsRequest(delivery([a], '2026-01-02T00:00:00.000Z'), id));
    expect(sink.got.map((c) => c.eventType)).toEqual(['bounced', 'delivered']);
  });
});

describe('history', () => {
  it('events() and GET /events return contexts newest first with filters and limit', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()], apiToken: TOKEN });
    const r = unique('h');
    const messageId = `hist-${++counter}`;
    await handle(snsRequest(delivery([r], '2026-02-01T00:00:00.000Z', messageId)));
    await handle(snsRequest(bounce([r], 'Transient', '2026-02-03T00:00:00.000Z', messageId)));
    await handle(snsRequest(delivery([r], '2026-02-02T00:00:00.000Z', messageId)));
    const all = await store.events({ recipient: r });
    expect(all.map((c) => c.timestamp.toISOString())).toEqual([
      '2026-02-03T00:00:00.000Z',
      '2026-02-02T00:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
    ]);
    expect(all[0]?.timestamp).toBeInstanceOf(Date);
    const bounced = await store.events({ recipient: r, eventType: 'bounced' });
    expect(bounced.map((c) => c.eventType)).toEqual(['bounced']);
    expect((await store.events({ messageId, limit: 2 })).length).toBe(2);

    const http = await handle(
      api(`/events?recipient=${encodeURIComponent(r)}&type=delivered&limit=1`),
    );
    expect(http.status).toBe(200);
    const body = (await http.json()) as { events: unknown[] };
    expect(body.events.length).toBe(1);
    const wire = body.events[0] as Record<string, unknown>;
    expect(wire.timestamp).toBe('2026-02-02T00:00:00.000Z');
    expect(decodeTrackingEvent(wire).recipient).toBe(r);
  });

  // 1,005 events of one message, recorded and read back, sent as 15 notifications of 67
  // recipients: each event keeps its whole notification as rawEvent, so one notification naming
  // all 1,005 stored each address a thousand times over (10 s idle, past 30 s loaded).
  it('limit defaults to 100 and is at most 1000', async () => {
    const { store, handle } = handlerWith({ sinks: [] as Sink[] });
    const messageId = `many-${++counter}`;
    for (let part = 0; part < 15; part++) {
      const recipients = Array.from(
        { length: 67 },
        (_, i) => `r${part * 67 + i}.${counter}@example.com`,
      );
      const response = await handle(
        snsRequest(delivery(recipients, '2026-03-01T00:00:00.000Z', messageId)),
      );
      expect(await response.json()).toEqual({ ok: true, events: 67 });
    }
    expect((await store.events({ messageId })).length).toBe(100);
    expect((await store.events({ messageId, limit: 5000 })).length).toBe(1000);
  });

  it('a bad limit on the route is a 400', async () => {
    const { handle } = handlerWith({ sinks: [recorder()], apiToken: TOKEN });
    for (const limit of ['0', '-1', 'ten']) {
      const response = await handle(api(`/events?limit=${limit}`));
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain('limit');
    }
  });
});

describe('retention', () => {
  it('events older than retentionDays are not kept, but still suppress', async () => {
    const { store, handle } = handlerWith({ sinks: [recorder()] }, { retentionDays: 30 });
    const old = unique('old');
    const now = new Date().toISOString();
    await handle(snsRequest(bounce([old], 'Permanent', '2016-01-27T14:59:38.237Z')));
    await handle(snsRequest(delivery([unique('new')], now)));
    expect(await store.events({ recipient: old })).toEqual([]);
    expect(await store.isSuppressed(old)).toBe(true);
  });
});
