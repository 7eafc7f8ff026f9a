// DESIGN "Sinks", the wire format, and mailhooks/receiver.
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import {
  ConfigError,
  createFanoutSink,
  createMailWebhookHandler,
  createQueueSink,
  decodeTrackingEvent,
  type EmailTrackingContext,
  encodeTrackingEvent,
  FanoutError,
  resend,
  WireFormatError,
} from '../../src/index.js';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver.js';
import { must, newWhsec, recordingLogger, standardRequest, standardSignature } from './helpers.js';

function context(overrides: Partial<EmailTrackingContext> = {}): EmailTrackingContext {
  return {
    eventType: 'bounced',
    messageId: 'msg-1',
    recipient: 'r@example.com',
    timestamp: new Date('2024-05-01T10:00:00.000Z'),
    espName: 'ses',
    tags: ['t1'],
    metadata: { k: 'v' },
    rejectReason: 'Permanent/General',
    description: 'user unknown',
    clickUrl: null,
    userAgent: null,
    rawEvent: { some: 'thing' },
    eventId: 'ev-1',
    mtaResponse: '550 5.1.1',
    rejectCategory: 'bounced',
    permanent: true,
    ...overrides,
  } as EmailTrackingContext;
}

describe('wire format', () => {
  test('encode: JSON with an ISO timestamp; decode gives back the context with a Date', () => {
    const c = context();
    const text = encodeTrackingEvent(c);
    expect(typeof text).toBe('string');
    const parsed = JSON.parse(text);
    expect(parsed.timestamp).toBe('2024-05-01T10:00:00.000Z');
    const back = decodeTrackingEvent(text);
    expect(back.timestamp).toBeInstanceOf(Date);
    expect(back.timestamp.getTime()).toBe(c.timestamp.getTime());
    expect(back).toMatchObject({ ...c, timestamp: expect.any(Date) });
    expect(decodeTrackingEvent(parsed).recipient).toBe('r@example.com');
  });

  test('an older wire object without rejectCategory/permanent decodes with null', () => {
    const parsed = JSON.parse(encodeTrackingEvent(context()));
    delete parsed.rejectCategory;
    delete parsed.permanent;
    const back = decodeTrackingEvent(parsed);
    expect(back.rejectCategory).toBeNull();
    expect(back.permanent).toBeNull();
  });

  test('bad input throws WireFormatError', () => {
    const parsed = JSON.parse(encodeTrackingEvent(context()));
    expect(() => decodeTrackingEvent('not json')).toThrow(WireFormatError);
    expect(() => decodeTrackingEvent({ ...parsed, eventType: 'exploded' })).toThrow(
      WireFormatError,
    );
    expect(() => decodeTrackingEvent({ ...parsed, timestamp: '2024-02-30T00:00:00Z' })).toThrow(
      WireFormatError,
    );
    expect(() => decodeTrackingEvent({ ...parsed, recipient: 42 })).toThrow(WireFormatError);
  });
});

describe('queue sink', () => {
  function fakeQueue() {
    const batches: { body: unknown }[][] = [];
    return {
      batches,
      async sendBatch(messages: Iterable<{ body: unknown }>) {
        batches.push([...messages]);
      },
      async send(body: unknown) {
        batches.push([{ body }]);
      },
    };
  }

  test('one sendBatch per chunk of at most 100 messages, each the wire JSON of one context', async () => {
    const q = fakeQueue();
    const sink = createQueueSink(q as any);
    const events = Array.from({ length: 250 }, (_, i) =>
      context({ recipient: `r${i}@example.com` }),
    );
    await sink.send(events);
    expect(q.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    const all = q.batches.flat();
    expect(all.map((m) => decodeTrackingEvent(m.body as any).recipient)).toEqual(
      events.map((e) => e.recipient),
    );
  });

  test('chunks stay under 256 KB', async () => {
    const q = fakeQueue();
    const sink = createQueueSink(q as any);
    const raw = { blob: 'x'.repeat(20_000) };
    const events = Array.from({ length: 40 }, (_, i) =>
      context({ recipient: `r${i}@example.com`, rawEvent: raw }),
    );
    await sink.send(events);
    expect(q.batches.length).toBeGreaterThan(1);
    for (const batch of q.batches) {
      const size = batch.reduce(
        (n, m) =>
          n +
          new TextEncoder().encode(typeof m.body === 'string' ? m.body : JSON.stringify(m.body))
            .length,
        0,
      );
      expect(size).toBeLessThanOrEqual(256 * 1024);
    }
    expect(q.batches.flat()).toHaveLength(40);
  });

  test('a queue that fails makes the request 503', async () => {
    const secret = newWhsec();
    const handler = createMailWebhookHandler({
      providers: [resend({ secret })],
      sinks: [
        createQueueSink({
          sendBatch: async () => {
            throw new Error('queue down');
          },
          send: async () => {
            throw new Error('queue down');
          },
        } as any),
      ],
      logger: recordingLogger(),
    });
    const body = JSON.stringify({
      type: 'email.sent',
      created_at: new Date().toISOString(),
      data: { email_id: 'e', to: ['a@example.com'] },
    });
    const res = await handler(
      standardRequest('https://h.example/webhooks/mail/resend', secret, body),
    );
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toBe('sink-failed');
  });
});

describe('fan-out sink', () => {
  function recorder(statuses: number[] = []) {
    const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
    const f = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input as any, init);
      requests.push({
        url: req.url,
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
      });
      return new Response('', { status: statuses.shift() ?? 200 });
    }) as typeof fetch;
    return { f, requests };
  }

  test('POSTs {type:"email.<eventType>", timestamp, data} signed as Standard Webhooks', async () => {
    const secret = newWhsec();
    const { f, requests } = recorder();
    const sink = createFanoutSink({
      logger: recordingLogger(),
      endpoints: [{ url: 'https://app.example/hooks', secret }],
      fetch: f,
    });
    await sink.send([context()]);
    expect(requests).toHaveLength(1);
    const r = must(requests[0]);
    expect(r.url).toBe('https://app.example/hooks');
    expect(r.headers['webhook-signature']).toMatch(/^v1,/);
    const payload = new Webhook(secret).verify(r.body, r.headers) as any;
    expect(payload.type).toBe('email.bounced');
    expect(Number.isNaN(Date.parse(payload.timestamp))).toBe(false);
    expect(decodeTrackingEvent(payload.data)).toMatchObject({
      recipient: 'r@example.com',
      eventType: 'bounced',
    });
  });

  test('webhook-id is stable for one (eventId, recipient, eventType) and differs otherwise', async () => {
    const secret = newWhsec();
    const { f, requests } = recorder();
    const sink = createFanoutSink({
      logger: recordingLogger(),
      endpoints: [{ url: 'https://app.example/hooks', secret }],
      fetch: f,
    });
    await sink.send([context()]);
    await sink.send([context({ timestamp: new Date('2024-05-01T11:00:00Z') })]);
    await sink.send([context({ recipient: 'other@example.com' })]);
    await sink.send([context({ eventType: 'delivered', rejectCategory: null, permanent: null })]);
    const ids = requests.map((r) => r.headers['webhook-id']);
    expect(ids[0]).toBe(ids[1]);
    expect(new Set(ids).size).toBe(3);
  });

  test('per-endpoint event-type filter', async () => {
    const { f, requests } = recorder();
    const sink = createFanoutSink({
      logger: recordingLogger(),
      endpoints: [
        { url: 'https://a.example/bounces', secret: newWhsec(), events: ['bounced'] },
        { url: 'https://b.example/all', secret: newWhsec() },
      ],
      fetch: f,
    });
    await sink.send([
      context(),
      context({ eventType: 'opened', rejectCategory: null, permanent: null }),
    ]);
    const to = (host: string) =>
      requests.filter((r) => r.url.includes(host)).map((r) => JSON.parse(r.body).type);
    expect(to('a.example')).toEqual(['email.bounced']);
    expect(to('b.example').sort()).toEqual(['email.bounced', 'email.opened']);
  });

  test('retries a failed POST, then gives up and fails the send', async () => {
    const ok = recorder([500, 200]);
    await createFanoutSink({
      logger: recordingLogger(),
      endpoints: [{ url: 'https://a.example/h', secret: newWhsec() }],
      retries: 2,
      fetch: ok.f,
    }).send([context()]);
    expect(ok.requests).toHaveLength(2);
    const bad = recorder([500, 500, 500, 500]);
    const error = await createFanoutSink({
      logger: recordingLogger(),
      endpoints: [{ url: 'https://a.example/h', secret: newWhsec() }],
      retries: 1,
      fetch: bad.f,
    })
      .send([context()])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FanoutError);
    expect((error as FanoutError).failures.map((f) => f.reason)).toEqual([
      'HTTP 500 after 2 attempts',
    ]);
    expect(bad.requests).toHaveLength(2);
  });

  test('an endpoint that never answers fails the send after timeoutMs', async () => {
    const hanging = (async (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      })) as typeof fetch;
    const sink = createFanoutSink({
      logger: recordingLogger(),
      endpoints: [{ url: 'https://a.example/h', secret: newWhsec() }],
      timeoutMs: 50,
      retries: 0,
      fetch: hanging,
    });
    const error = await sink.send([context()]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FanoutError);
    expect((error as FanoutError).failures.map((f) => f.reason)).toEqual([
      'timed out after 50 ms after 1 attempt',
    ]);
  });

  test('endpoint URLs with credentials or a query are refused at configuration', () => {
    expect(() =>
      createFanoutSink({ endpoints: [{ url: 'https://u:p@a.example/h', secret: newWhsec() }] }),
    ).toThrow(ConfigError);
    expect(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://a.example/h?token=abc', secret: newWhsec() }],
      }),
    ).toThrow(ConfigError);
  });

  test('unknown fan-out option keys are a ConfigError', () => {
    expect(() =>
      createFanoutSink({
        logger: recordingLogger(),
        endpoints: [],
        retry: 3,
      } as any),
    ).toThrow(ConfigError);
  });

  test('the receiver verifies what the fan-out sends', async () => {
    const secret = newWhsec();
    const { f, requests } = recorder();
    await createFanoutSink({
      logger: recordingLogger(),
      endpoints: [{ url: 'https://app.example/hooks', secret }],
      fetch: f,
    }).send([context()]);
    const r = must(requests[0]);
    const got = await verifyTrackingWebhook(
      new Request(r.url, { method: 'POST', headers: r.headers, body: r.body }),
      secret,
    );
    expect(got.timestamp).toBeInstanceOf(Date);
    expect(got).toMatchObject({
      recipient: 'r@example.com',
      eventType: 'bounced',
      eventId: 'ev-1',
    });
    // a list of secrets: any one
    const again = await verifyTrackingWebhook(
      new Request(r.url, { method: 'POST', headers: r.headers, body: r.body }),
      [newWhsec(), secret],
    );
    expect(again.recipient).toBe('r@example.com');
  });
});

/** A WebhookVerificationError naming `reason`. */
const refusedFor = (reason: string) => (error: unknown) =>
  error instanceof WebhookVerificationError && error.reason === reason;

describe('receiver', () => {
  const body = JSON.stringify({
    type: 'email.bounced',
    timestamp: '2024-05-01T10:00:00.000Z',
    data: JSON.parse(encodeTrackingEvent(context())),
  });
  const signed = (secret: string, ts = Math.floor(Date.now() / 1000), signature?: string) =>
    new Request('https://app.example/hooks', {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(ts),
        'webhook-signature': signature ?? standardSignature(secret, 'msg_1', ts, body),
      },
      body,
    });

  test('accepts any of several signatures', async () => {
    const secret = newWhsec();
    const ts = Math.floor(Date.now() / 1000);
    const sig = `v1,AAAA ${standardSignature(secret, 'msg_1', ts, body)}`;
    const got = await verifyTrackingWebhook(signed(secret, ts, sig), secret);
    expect(got.eventType).toBe('bounced');
  });

  test('wrong secret, missing signature, old or future timestamp: WebhookVerificationError', async () => {
    const secret = newWhsec();
    await expect(verifyTrackingWebhook(signed(newWhsec()), secret)).rejects.toSatisfy(
      refusedFor('signature-invalid'),
    );
    const noSig = new Request('https://app.example/hooks', {
      method: 'POST',
      headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': '1' },
      body,
    });
    await expect(verifyTrackingWebhook(noSig, secret)).rejects.toSatisfy(
      refusedFor('signature-missing'),
    );
    const now = Math.floor(Date.now() / 1000);
    await expect(verifyTrackingWebhook(signed(secret, now - 600), secret)).rejects.toSatisfy(
      refusedFor('message-too-old'),
    );
    await expect(verifyTrackingWebhook(signed(secret, now + 600), secret)).rejects.toSatisfy(
      refusedFor('timestamp-in-future'),
    );
    // within 5 minutes passes
    await expect(verifyTrackingWebhook(signed(secret, now - 200), secret)).resolves.toMatchObject({
      eventType: 'bounced',
    });
  });

  test('a tampered body is refused', async () => {
    const secret = newWhsec();
    const ts = Math.floor(Date.now() / 1000);
    const req = new Request('https://app.example/hooks', {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(ts),
        'webhook-signature': standardSignature(secret, 'msg_1', ts, body),
      },
      body: body.replace('r@example.com', 'x@example.com'),
    });
    await expect(verifyTrackingWebhook(req, secret)).rejects.toSatisfy(
      refusedFor('signature-invalid'),
    );
  });
});
