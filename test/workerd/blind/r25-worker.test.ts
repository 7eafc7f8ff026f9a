// DESIGN's Worker (mailhooks/cloudflare) written from the contract only: env, sinks, queue(), D1.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import worker, { consumeQueueBatch, createWorker } from '../../../src/adapters/cloudflare';
import { resendProvider, sesProvider } from '../../../src/env/index';
import {
  createD1Store,
  createFanoutSink,
  createQueueSink,
  decodeTrackingEvent,
  type EmailTrackingContext,
  encodeTrackingEvent,
} from '../../../src/index';
import { verifyTrackingWebhook } from '../../../src/receiver';
import resendDelivered from '../../fixtures/esps/resend/anymail_delivered_event.json' with {
  type: 'json',
};
import bounce from '../../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import delivery from '../../fixtures/ses/event-publishing-delivery.json' with { type: 'json' };

const HOOK_SECRET = `whsec_${btoa('blind-r25-worker-fanout-secret!!')}`;
const RESEND_SECRET = `whsec_${btoa('blind-r25-worker-resend-secret!!')}`;
const HOOK = 'https://hooks.example.com/mail';
const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';

// ---------- helpers ----------

let seq = 0;
const uid = () => `${Date.now().toString(36)}-${++seq}`;

/** An SES event with its recipients replaced (so D1 rows of other files never collide). */
function sesEvent(kind: 'bounce' | 'delivery', recipients: string[]) {
  if (kind === 'bounce') {
    const e = structuredClone(bounce) as any;
    e.bounce.bouncedRecipients = recipients.map((emailAddress) => ({
      emailAddress,
      action: 'failed',
      status: '5.1.1',
      diagnosticCode: 'smtp; 550 5.1.1 user unknown',
    }));
    e.mail.destination = recipients;
    return e;
  }
  const e = structuredClone(delivery) as any;
  e.delivery.recipients = recipients;
  e.mail.destination = recipients;
  return e;
}

/** An unsigned SNS Notification carrying `message` (for a Worker with verification off). */
function snsPost(
  message: object,
  opts: { id?: string; path?: string; headers?: HeadersInit } = {},
) {
  const id = opts.id ?? `sns-${uid()}`;
  const body = JSON.stringify({
    Type: 'Notification',
    MessageId: id,
    TopicArn: TOPIC,
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'AAAA',
    SigningCertURL: `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
  });
  return new Request(`https://worker.example${opts.path ?? '/webhooks/mail/ses'}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': id,
      'x-amz-sns-topic-arn': TOPIC,
      ...opts.headers,
    },
    body,
  });
}

function resendPost(payload: object, secret = RESEND_SECRET, path = '/webhooks/mail/resend') {
  const id = `msg_${uid()}`;
  const body = JSON.stringify(payload);
  const signature = new Webhook(secret).sign(id, new Date(), body);
  return new Request(`https://worker.example${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'svix-id': id,
      'svix-timestamp': String(Math.floor(Date.now() / 1000)),
      'svix-signature': signature,
    },
    body,
  });
}

/** The shipped [vars] plus `extra`: a fresh object, so the Worker builds a fresh runtime. */
function workerEnv(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    MAIL_WEBHOOK_ENABLED: env.MAIL_WEBHOOK_ENABLED,
    MAIL_WEBHOOK_BASE_PATH: env.MAIL_WEBHOOK_BASE_PATH,
    MAIL_WEBHOOK_PROVIDERS: (env as any).MAIL_WEBHOOK_PROVIDERS,
    MAIL_WEBHOOK_SINKS: env.MAIL_WEBHOOK_SINKS,
    MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  };
  const out = { ...base, ...extra };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** A queue binding that records each sendBatch call. */
function recordingQueue(fail = false) {
  const calls: { body: unknown; contentType?: string }[][] = [];
  return {
    calls,
    async send(body: unknown) {
      calls.push([{ body }]);
    },
    async sendBatch(messages: Iterable<{ body: unknown; contentType?: string }>) {
      if (fail) throw new Error('queue unavailable');
      calls.push([...messages]);
    },
  };
}

/** A hand-made batch whose messages record ack and retry. */
function batchOf(queue: string, bodies: unknown[]) {
  const acked: string[] = [];
  const retried: { id: string; delaySeconds?: number }[] = [];
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    attempts: 1,
    timestamp: new Date(),
    body,
    ack() {
      acked.push(`m${i}`);
    },
    retry(options?: { delaySeconds?: number }) {
      retried.push({ id: `m${i}`, delaySeconds: options?.delaySeconds });
    },
  }));
  return {
    batch: { queue, messages, ackAll() {}, retryAll() {} } as any,
    acked,
    retried,
  };
}

/** Stubs the fan-out's fetch: each POST verified as a receiver would, answered with `status`. */
function stubFanout(status = 200) {
  const received: { url: string; context: EmailTrackingContext; body: any }[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    const body = await request.clone().json();
    const context = await verifyTrackingWebhook(request, HOOK_SECRET);
    received.push({ url: request.url, context, body });
    return new Response(null, { status });
  });
  return received;
}

const logs: string[] = [];
beforeEach(() => {
  logs.length = 0;
  for (const method of ['debug', 'log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logs.push(args.map(String).join(' '));
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
});
const logged = (text: string) => logs.some((line) => line.includes(text));

async function call(request: Request, e: Record<string, unknown>, w = worker) {
  const response = await w.fetch(request, e as any, {} as any);
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A misconfigured Worker: answers (never throws) 503 so the ESP retries, and logs the variable. */
async function expectMisconfigured(e: Record<string, unknown>, variable: string, w = worker) {
  const r = await call(snsPost(sesEvent('delivery', ['a@example.com'])), e, w);
  expect(r.status).toBe(503);
  expect(r.json).toBeTypeOf('object');
  expect(logged(variable)).toBe(true);
  return r;
}

// ---------- the Worker's fetch from its vars ----------

describe('the Worker from its vars', () => {
  test('shipped vars: a verified-off SES delivery is 200 with events 1', async () => {
    const r = await call(snsPost(sesEvent('delivery', ['x@example.com'])), workerEnv());
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ ok: true, events: 1 });
  });

  test('memory sink: each event is logged as one JSON line with its recipient', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['one@example.com', 'two@example.com'])),
      workerEnv(),
    );
    expect(r.json).toEqual({ ok: true, events: 2 });
    const lines = logs.filter(
      (l) => l.includes('one@example.com') || l.includes('two@example.com'),
    );
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  });

  test('MAIL_WEBHOOK_ENABLED unset: disabled by default, every route 404', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({ MAIL_WEBHOOK_ENABLED: undefined }),
    );
    expect(r.status).toBe(404);
  });

  test('MAIL_WEBHOOK_ENABLED=false: 404', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({ MAIL_WEBHOOK_ENABLED: 'false' }),
    );
    expect(r.status).toBe(404);
  });

  test('MAIL_WEBHOOK_ENABLED with a typo is a bad setting naming the variable', async () => {
    await expectMisconfigured(workerEnv({ MAIL_WEBHOOK_ENABLED: 'ture' }), 'MAIL_WEBHOOK_ENABLED');
  });

  test('MAIL_WEBHOOK_BASE_PATH moves the routes', async () => {
    const e = workerEnv({ MAIL_WEBHOOK_BASE_PATH: '/hooks' });
    const moved = await call(
      snsPost(sesEvent('delivery', ['a@example.com']), { path: '/hooks/ses' }),
      e,
    );
    expect(moved.status).toBe(200);
    const old = await call(snsPost(sesEvent('delivery', ['a@example.com'])), e);
    expect(old.status).toBe(404);
    expect(old.text).toContain('/hooks');
  });

  test('unknown provider path: 404 naming basePath and the provider paths', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com']), { path: '/webhooks/mail/nope' }),
      workerEnv(),
    );
    expect(r.status).toBe(404);
    expect(r.text).toContain('/webhooks/mail');
    expect(r.text).toContain('ses');
  });

  test('GET on a route: 405', async () => {
    const r = await call(new Request('https://worker.example/webhooks/mail/ses'), workerEnv());
    expect(r.status).toBe(405);
  });

  test('MAIL_WEBHOOK_PROVIDERS defaults to ses only: resend is 404', async () => {
    const r = await call(
      resendPost(resendDelivered),
      workerEnv({ MAIL_WEBHOOK_PROVIDERS: undefined, MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET }),
    );
    expect(r.status).toBe(404);
  });

  test('MAIL_WEBHOOK_PROVIDERS "ses, resend" (spaces) serves both', async () => {
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'ses, resend',
      MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
    });
    expect((await call(resendPost(resendDelivered), e)).json).toEqual({ ok: true, events: 1 });
    expect((await call(snsPost(sesEvent('delivery', ['a@example.com'])), e)).status).toBe(200);
  });

  test('a listed provider without its secret names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_PROVIDERS: 'ses,resend' }),
      'MAIL_WEBHOOK_RESEND_SECRET',
    );
  });

  test('an unknown provider in MAIL_WEBHOOK_PROVIDERS names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_PROVIDERS: 'ses,resnd' }),
      'MAIL_WEBHOOK_PROVIDERS',
    );
  });

  test('the misconfigured answer names no secret value', async () => {
    const r = await expectMisconfigured(
      workerEnv({
        MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: 'not-a-key-TOPSECRET',
      }),
      'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY',
    );
    expect(r.text).not.toContain('TOPSECRET');
  });

  test('a misconfigured Worker answers every request the same, without throwing', async () => {
    const e = workerEnv({ MAIL_WEBHOOK_PROVIDERS: 'nope' });
    const a = await call(snsPost(sesEvent('delivery', ['a@example.com'])), e);
    const b = await call(new Request('https://worker.example/other'), e);
    expect(a.status).toBe(503);
    expect(b.status).toBe(503);
  });

  test('wrong resend signature: 403', async () => {
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
    });
    const r = await call(
      resendPost(resendDelivered, `whsec_${btoa('another-secret-of-thirty-two-by!')}`),
      e,
    );
    expect(r.status).toBe(403);
  });

  test('MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS still verifies during rotation', async () => {
    const old = `whsec_${btoa('the-previous-resend-secret-32by!')}`;
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
      MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: old,
    });
    expect((await call(resendPost(resendDelivered, old), e)).status).toBe(200);
    expect((await call(resendPost(resendDelivered, RESEND_SECRET), e)).status).toBe(200);
  });

  test('a password with a comma and a space is one value', async () => {
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pa,ss word',
    });
    const post = (password: string) =>
      new Request('https://worker.example/webhooks/mail/postmark', {
        method: 'POST',
        headers: {
          authorization: `Basic ${btoa(`u:${password}`)}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          RecordType: 'Delivery',
          MessageID: 'pm-1',
          Recipient: 'pm@example.com',
          DeliveredAt: '2024-01-01T00:00:00Z',
          Details: 'ok',
          Tag: '',
          Metadata: {},
        }),
      });
    expect((await call(post('pa,ss word'), e)).status).toBe(200);
    expect((await call(post('pa'), e)).status).toBe(403);
    expect((await call(post('ss word'), e)).status).toBe(403);
  });

  test('postmark without credentials: 401 with WWW-Authenticate Basic', async () => {
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pw',
    });
    const r = await call(
      new Request('https://worker.example/webhooks/mail/postmark', { method: 'POST', body: '{}' }),
      e,
    );
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
  });

  test('MAIL_WEBHOOK_SES_SECRET set, no credentials: 401 Basic', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({ MAIL_WEBHOOK_SES_SECRET: 's3cret' }),
    );
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
  });

  test('MAIL_WEBHOOK_SES_SECRET: the right Basic password is accepted', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com']), {
        headers: { authorization: `Basic ${btoa('sns:s3cret')}` },
      }),
      workerEnv({ MAIL_WEBHOOK_SES_SECRET: 's3cret' }),
    );
    expect(r.status).toBe(200);
  });

  test('an unread MAIL_WEBHOOK_* variable is reported with the closest known name', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({ MAIL_WEBHOOK_PROVIDER: 'ses' }),
    );
    expect(r.status).toBe(200);
    const line = logs.find(
      (l) => l.includes('MAIL_WEBHOOK_PROVIDER') && l.includes('MAIL_WEBHOOK_PROVIDERS'),
    );
    expect(line).toBeDefined();
  });

  test('the shipped vars report no unknown variable', async () => {
    await call(snsPost(sesEvent('delivery', ['a@example.com'])), workerEnv());
    expect(logs.some((l) => l.includes('unknown variable'))).toBe(false);
  });

  test('MAIL_WEBHOOK_MAX_BODY_BYTES: a larger body is 413', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({ MAIL_WEBHOOK_MAX_BODY_BYTES: '100' }),
    );
    expect(r.status).toBe(413);
  });

  test('MAIL_WEBHOOK_MAX_BODY_BYTES not a number names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots' }),
      'MAIL_WEBHOOK_MAX_BODY_BYTES',
    );
  });

  test('MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS negative names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '-5' }),
      'MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS',
    );
  });

  test('MAIL_WEBHOOK_SES_VERIFY_SIGNATURE with a typo names the variable (never turns the check off)', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'flase' }),
      'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE',
    );
  });

  test('verification on (the default): the certificate is fetched; unreachable is 503, no events', async () => {
    const fetched: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      fetched.push(String(input instanceof Request ? input.url : input));
      throw new TypeError('network down');
    });
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: undefined,
        MAIL_WEBHOOK_SES_TOPIC_ARNS: TOPIC,
      }),
    );
    expect(r.status).toBe(503);
    expect(fetched).toEqual([
      `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
    ]);
  });

  test('MAIL_WEBHOOK_SINKS with an unknown sink names the variable', async () => {
    await expectMisconfigured(workerEnv({ MAIL_WEBHOOK_SINKS: 'memroy' }), 'MAIL_WEBHOOK_SINKS');
  });
});

// ---------- queue sink ----------

describe('the queue sink from the MAIL_WEBHOOK_QUEUE binding', () => {
  test('each recipient is one message of wire JSON, in one sendBatch', async () => {
    const queue = recordingQueue();
    const e = workerEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: queue });
    const r = await call(
      snsPost(sesEvent('bounce', ['q1@example.com', 'q2@example.com']), { id: 'sns-q-1' }),
      e,
    );
    expect(r.json).toEqual({ ok: true, events: 2 });
    expect(queue.calls).toHaveLength(1);
    const decoded = queue.calls.flat().map((m) => decodeTrackingEvent(m.body as any));
    expect(decoded.map((c) => c.recipient)).toEqual(['q1@example.com', 'q2@example.com']);
    expect(decoded[0]?.eventType).toBe('bounced');
    expect(decoded[0]?.eventId).toBe('sns-q-1');
    expect(decoded[0]?.timestamp).toEqual(new Date('2017-08-05T00:41:02.669Z'));
    expect(decoded[0]?.rejectCategory).toBe('bounced');
    expect(decoded[0]?.permanent).toBe(true);
  });

  test('sink queue without the binding names MAIL_WEBHOOK_QUEUE', async () => {
    await expectMisconfigured(workerEnv({ MAIL_WEBHOOK_SINKS: 'queue' }), 'MAIL_WEBHOOK_QUEUE');
  });

  test('a queue that fails: 503, so the ESP retries', async () => {
    const e = workerEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: recordingQueue(true) });
    const r = await call(snsPost(sesEvent('delivery', ['a@example.com'])), e);
    expect(r.status).toBe(503);
  });

  test('queue and fanout: the request only enqueues; nothing is posted while the ESP waits', async () => {
    const received = stubFanout();
    const queue = recordingQueue();
    const e = workerEnv({
      MAIL_WEBHOOK_SINKS: 'queue,fanout',
      MAIL_WEBHOOK_QUEUE: queue,
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
      HOOK_SECRET,
    });
    const r = await call(snsPost(sesEvent('delivery', ['a@example.com'])), e);
    expect(r.status).toBe(200);
    expect(queue.calls.flat()).toHaveLength(1);
    expect(received).toHaveLength(0);
  });

  test('createQueueSink: 250 contexts go in chunks of at most 100', async () => {
    const queue = recordingQueue();
    const contexts = Array.from({ length: 250 }, (_, i) =>
      context({ recipient: `c${i}@example.com` }),
    );
    await createQueueSink(queue).send(contexts);
    expect(queue.calls.map((c) => c.length)).toEqual([100, 100, 50]);
    expect(queue.calls.flat().map((m) => decodeTrackingEvent(m.body as any).recipient)).toEqual(
      contexts.map((c) => c.recipient),
    );
  });

  test('createQueueSink: no sendBatch carries more than 256 KB', async () => {
    const queue = recordingQueue();
    const big = 'x'.repeat(60_000);
    const contexts = Array.from({ length: 10 }, (_, i) =>
      context({ recipient: `b${i}@example.com`, rawEvent: { big } }),
    );
    await createQueueSink(queue).send(contexts);
    expect(queue.calls.length).toBeGreaterThan(1);
    for (const call of queue.calls) {
      const size = call.reduce(
        (n, m) =>
          n +
          new TextEncoder().encode(typeof m.body === 'string' ? m.body : JSON.stringify(m.body))
            .length,
        0,
      );
      expect(size).toBeLessThanOrEqual(256 * 1024);
    }
    expect(queue.calls.flat()).toHaveLength(10);
  });
});

function context(overrides: Partial<EmailTrackingContext> = {}): EmailTrackingContext {
  return {
    eventType: 'bounced',
    messageId: 'msg-1',
    recipient: 'r@example.com',
    timestamp: new Date('2024-05-01T10:00:00.000Z'),
    espName: 'ses',
    tags: ['t'],
    metadata: { k: 'v' },
    rejectReason: 'Permanent/General',
    description: null,
    clickUrl: null,
    userAgent: null,
    rawEvent: { a: 1 },
    eventId: `ev-${uid()}`,
    mtaResponse: null,
    rejectCategory: 'bounced',
    permanent: true,
    ...overrides,
  } as EmailTrackingContext;
}

// ---------- fan-out sink ----------

describe('the fan-out sink from MAIL_WEBHOOK_FANOUT_*', () => {
  const fanoutEnv = (extra: Record<string, unknown> = {}) =>
    workerEnv({
      MAIL_WEBHOOK_SINKS: 'fanout',
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
      MAIL_WEBHOOK_FANOUT_RETRIES: '0',
      HOOK_SECRET,
      ...extra,
    });

  test('posts a signed body { type, timestamp, data } per event', async () => {
    const received = stubFanout();
    const r = await call(
      snsPost(sesEvent('bounce', ['f@example.com']), { id: 'sns-f-1' }),
      fanoutEnv(),
    );
    expect(r.json).toEqual({ ok: true, events: 1 });
    expect(received).toHaveLength(1);
    expect(received[0]?.url).toBe(HOOK);
    expect(received[0]?.body.type).toBe('email.bounced');
    expect(received[0]?.context.recipient).toBe('f@example.com');
    expect(received[0]?.context.eventId).toBe('sns-f-1');
  });

  test('an endpoint answering 500: 503 so SNS retries', async () => {
    stubFanout(500);
    const r = await call(snsPost(sesEvent('bounce', ['f@example.com'])), fanoutEnv());
    expect(r.status).toBe(503);
  });

  test('per-endpoint events filter', async () => {
    const received = stubFanout();
    const e = fanoutEnv({
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
        { url: 'https://a.example.com/all', secret: 'env:HOOK_SECRET' },
        { url: 'https://b.example.com/bounces', secret: 'env:HOOK_SECRET', events: ['bounced'] },
      ]),
    });
    await call(snsPost(sesEvent('delivery', ['d@example.com'])), e);
    await call(snsPost(sesEvent('bounce', ['b@example.com'])), e);
    const byUrl = (u: string) =>
      received.filter((x) => x.url === u).map((x) => x.context.eventType);
    expect(byUrl('https://a.example.com/all').sort()).toEqual(['bounced', 'delivered']);
    expect(byUrl('https://b.example.com/bounces')).toEqual(['bounced']);
  });

  test('sink fanout without endpoints names MAIL_WEBHOOK_FANOUT_ENDPOINTS', async () => {
    await expectMisconfigured(
      fanoutEnv({ MAIL_WEBHOOK_FANOUT_ENDPOINTS: undefined }),
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    );
  });

  test('endpoints that are not JSON name MAIL_WEBHOOK_FANOUT_ENDPOINTS', async () => {
    await expectMisconfigured(
      fanoutEnv({ MAIL_WEBHOOK_FANOUT_ENDPOINTS: '[{url:' }),
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    );
  });

  test('an endpoint URL with credentials is refused and never logged', async () => {
    await expectMisconfigured(
      fanoutEnv({
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
          { url: 'https://user:pw9876@h.example.com/x', secret: 'env:HOOK_SECRET' },
        ]),
      }),
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    );
    expect(logged('pw9876')).toBe(false);
  });

  test('an endpoint URL with a query token is refused and never logged', async () => {
    await expectMisconfigured(
      fanoutEnv({
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
          { url: 'https://h.example.com/x?token=tok5555', secret: 'env:HOOK_SECRET' },
        ]),
      }),
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    );
    expect(logged('tok5555')).toBe(false);
  });

  test('a secret "env:NAME" whose variable is missing names NAME', async () => {
    await expectMisconfigured(fanoutEnv({ HOOK_SECRET: undefined }), 'HOOK_SECRET');
  });

  test('MAIL_WEBHOOK_FANOUT_RETRIES not a number names the variable', async () => {
    await expectMisconfigured(
      fanoutEnv({ MAIL_WEBHOOK_FANOUT_RETRIES: 'many' }),
      'MAIL_WEBHOOK_FANOUT_RETRIES',
    );
  });

  test('a secret that is not whsec_ names the endpoints variable', async () => {
    await expectMisconfigured(fanoutEnv({ HOOK_SECRET: 'plain-secret' }), 'HOOK_SECRET');
  });
});

// ---------- queue() consumer ----------

describe('queue(): the consumer delivers to the fan-out', () => {
  const consumerEnv = (extra: Record<string, unknown> = {}) =>
    workerEnv({
      MAIL_WEBHOOK_SINKS: 'queue,fanout',
      MAIL_WEBHOOK_QUEUE: recordingQueue(),
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
      MAIL_WEBHOOK_FANOUT_RETRIES: '0',
      HOOK_SECRET,
      ...extra,
    });

  test('what the producer enqueued reaches the endpoint through queue(), acked', async () => {
    const queue = recordingQueue();
    const e = consumerEnv({ MAIL_WEBHOOK_QUEUE: queue });
    await call(
      snsPost(sesEvent('bounce', ['c1@example.com', 'c2@example.com']), { id: 'sns-c-1' }),
      e,
    );
    const received = stubFanout();
    const { batch, acked, retried } = batchOf(
      'mailhooks-events',
      queue.calls.flat().map((m) => m.body),
    );
    await worker.queue(batch, e as any, {} as any);
    expect(received.map((x) => x.context.recipient).sort()).toEqual([
      'c1@example.com',
      'c2@example.com',
    ]);
    expect(received[0]?.context.eventId).toBe('sns-c-1');
    expect(acked.sort()).toEqual(['m0', 'm1']);
    expect(retried).toEqual([]);
  });

  test('an endpoint failing: the message is retried with a delay, not acked', async () => {
    stubFanout(500);
    const { batch, acked, retried } = batchOf('mailhooks-events', [encodeTrackingEvent(context())]);
    await worker.queue(batch, consumerEnv() as any, {} as any);
    expect(acked).toEqual([]);
    expect(retried).toHaveLength(1);
    expect(retried[0]?.delaySeconds).toBeGreaterThan(0);
  });

  test('a message that does not decode is acked with an error line; the rest delivered', async () => {
    const received = stubFanout();
    const { batch, acked, retried } = batchOf('mailhooks-events', [
      'not json at all',
      encodeTrackingEvent(context({ recipient: 'good@example.com' })),
    ]);
    await worker.queue(batch, consumerEnv() as any, {} as any);
    expect(received.map((x) => x.context.recipient)).toEqual(['good@example.com']);
    expect(acked.sort()).toEqual(['m0', 'm1']);
    expect(retried).toEqual([]);
  });

  test('the fan-out keeps the context fields through the queue', async () => {
    const received = stubFanout();
    const c = context({ recipient: 'keep@example.com', tags: ['a', 'b:c'], metadata: { x: '1' } });
    const { batch } = batchOf('mailhooks-events', [encodeTrackingEvent(c)]);
    await worker.queue(batch, consumerEnv() as any, {} as any);
    const got = received[0]?.context;
    expect(got?.tags).toEqual(['a', 'b:c']);
    expect(got?.metadata).toEqual({ x: '1' });
    expect(got?.timestamp).toEqual(c.timestamp);
    expect(got?.permanent).toBe(true);
  });

  test('a dead letter without MAIL_WEBHOOK_DLQ_REPLAY is held, not delivered', async () => {
    const received = stubFanout();
    const { batch, acked, retried } = batchOf('mailhooks-events-dlq', [
      encodeTrackingEvent(context()),
    ]);
    await worker.queue(batch, consumerEnv() as any, {} as any);
    expect(received).toHaveLength(0);
    expect(acked).toEqual([]);
    expect(retried).toHaveLength(1);
  });

  test('MAIL_WEBHOOK_DLQ_REPLAY=true sends each dead letter back through the fan-out', async () => {
    const received = stubFanout();
    const { batch, acked } = batchOf('mailhooks-events-dlq', [
      encodeTrackingEvent(context({ recipient: 'dl1@example.com' })),
      encodeTrackingEvent(context({ recipient: 'dl2@example.com' })),
    ]);
    await worker.queue(batch, consumerEnv({ MAIL_WEBHOOK_DLQ_REPLAY: 'true' }) as any, {} as any);
    expect(received.map((x) => x.context.recipient)).toEqual([
      'dl1@example.com',
      'dl2@example.com',
    ]);
    expect(acked.sort()).toEqual(['m0', 'm1']);
  });

  test('replayed dead letters keep their webhook-id (receivers can drop duplicates)', async () => {
    const ids: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      ids.push(new Request(input as RequestInfo, init).headers.get('webhook-id') ?? '');
      return new Response(null, { status: 200 });
    });
    const body = encodeTrackingEvent(
      context({ recipient: 'same@example.com', eventId: 'fixed-ev' }),
    );
    await worker.queue(batchOf('mailhooks-events', [body]).batch, consumerEnv() as any, {} as any);
    await worker.queue(
      batchOf('mailhooks-events-dlq', [body]).batch,
      consumerEnv({ MAIL_WEBHOOK_DLQ_REPLAY: 'true' }) as any,
      {} as any,
    );
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).not.toBe('');
  });

  test('MAIL_WEBHOOK_DLQ_NAME: that exact queue is the dead-letter queue', async () => {
    const received = stubFanout();
    const { batch, acked } = batchOf('my-dead-letters', [
      encodeTrackingEvent(context({ recipient: 'n@example.com' })),
    ]);
    await worker.queue(
      batch,
      consumerEnv({
        MAIL_WEBHOOK_DLQ_REPLAY: 'true',
        MAIL_WEBHOOK_DLQ_NAME: 'my-dead-letters',
      }) as any,
      {} as any,
    );
    expect(received.map((x) => x.context.recipient)).toEqual(['n@example.com']);
    expect(acked).toEqual(['m0']);
  });

  // Thrown, Cloudflare would retry the batch at once (no delay): max_retries spent in seconds, and
  // the dead-letter queue, which has no dead-letter queue of its own, deletes the messages.
  test('a bad setting: queue() does not throw; each dead letter waits its backoff, nothing delivered', async () => {
    const received = stubFanout();
    const { batch, acked, retried } = batchOf('mailhooks-events-dlq', [
      encodeTrackingEvent(context()),
    ]);
    await expect(
      worker.queue(batch, consumerEnv({ MAIL_WEBHOOK_DLQ_REPLAY: 'yes please' }) as any, {} as any),
    ).resolves.toBeUndefined();
    expect(received).toHaveLength(0);
    expect(acked).toEqual([]);
    expect(retried).toEqual([{ id: 'm0', delaySeconds: 10 }]);
    expect(logged('MAIL_WEBHOOK_DLQ_REPLAY')).toBe(true);
  });

  test('a bad setting: main-queue messages back off by their attempts, at most an hour', async () => {
    const { batch, acked, retried } = batchOf('mailhooks-events', [
      encodeTrackingEvent(context()),
      encodeTrackingEvent(context()),
    ]);
    batch.messages[1].attempts = 20;
    await worker.queue(
      batch,
      consumerEnv({ MAIL_WEBHOOK_FANOUT_RETRIES: 'many' }) as any,
      {} as any,
    );
    expect(acked).toEqual([]);
    expect(retried).toEqual([
      { id: 'm0', delaySeconds: 10 },
      { id: 'm1', delaySeconds: 3600 },
    ]);
    expect(logged('MAIL_WEBHOOK_FANOUT_RETRIES')).toBe(true);
  });

  test('without a fan-out configured, queue() keeps the messages (retried, not acked)', async () => {
    const { batch, acked, retried } = batchOf('mailhooks-events', [encodeTrackingEvent(context())]);
    await worker.queue(
      batch,
      workerEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: recordingQueue() }) as any,
      {} as any,
    );
    expect(acked).toEqual([]);
    expect(retried).toHaveLength(1);
  });

  test('consumeQueueBatch delivers to the given sinks and acks', async () => {
    const received = stubFanout();
    const sink = createFanoutSink({ endpoints: [{ url: HOOK, secret: HOOK_SECRET }], retries: 0 });
    const { batch, acked } = batchOf('any', [
      encodeTrackingEvent(context({ recipient: 'cq@example.com' })),
      JSON.parse(encodeTrackingEvent(context({ recipient: 'cq2@example.com' }))),
    ]);
    await consumeQueueBatch(batch, [sink], { debug() {}, info() {}, warn() {}, error() {} });
    expect(received.map((x) => x.context.recipient)).toEqual(['cq@example.com', 'cq2@example.com']);
    expect(acked).toEqual(['m0', 'm1']);
  });

  test('consumeQueueBatch retries a message whose sink throws', async () => {
    const { batch, acked, retried } = batchOf('any', [encodeTrackingEvent(context())]);
    const failing = {
      name: 'failing',
      async send() {
        throw new Error('down');
      },
    };
    await consumeQueueBatch(batch, [failing], { debug() {}, info() {}, warn() {}, error() {} });
    expect(acked).toEqual([]);
    expect(retried).toHaveLength(1);
  });
});

// ---------- D1 store ----------

describe('the D1 store from MAIL_WEBHOOK_DB', () => {
  const TOKEN = 'api-token-r25';
  const storeEnv = (extra: Record<string, unknown> = {}) =>
    workerEnv({ MAIL_WEBHOOK_DB: env.STORE_TEST_DB, MAIL_WEBHOOK_API_TOKEN: TOKEN, ...extra });
  const api = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
    new Request(`https://worker.example/webhooks/mail${path}`, {
      ...init,
      headers: token === null ? {} : { authorization: `Bearer ${token}` },
    });

  test('a permanent bounce suppresses; GET suppressions answers reason, provider, since', async () => {
    const who = `sup-${uid()}@example.com`;
    const e = storeEnv();
    expect((await call(snsPost(sesEvent('bounce', [who])), e)).status).toBe(200);
    const r = await call(api(`/suppressions/${encodeURIComponent(who)}`), e);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      suppressed: true,
      reason: 'bounced',
      provider: 'ses',
      since: '2017-08-05T00:41:02.669Z',
    });
  });

  test('an address never suppressed: { suppressed: false }', async () => {
    const r = await call(api(`/suppressions/never-${uid()}@example.com`), storeEnv());
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ suppressed: false });
  });

  test('domain compared case-insensitively', async () => {
    const local = `dom-${uid()}`;
    const e = storeEnv();
    await call(snsPost(sesEvent('bounce', [`${local}@Example.COM`])), e);
    const r = await call(api(`/suppressions/${local}@example.com`), e);
    expect(r.json.suppressed).toBe(true);
    const other = await call(api(`/suppressions/${local.toUpperCase()}@example.com`), e);
    expect(other.json.suppressed).toBe(false);
  });

  test('DELETE lifts it', async () => {
    const who = `del-${uid()}@example.com`;
    const e = storeEnv();
    await call(snsPost(sesEvent('bounce', [who])), e);
    const d = await call(api(`/suppressions/${who}`, { method: 'DELETE' }), e);
    expect(d.status).toBe(200);
    expect(d.json).toEqual({ suppressed: false });
    expect((await call(api(`/suppressions/${who}`), e)).json).toEqual({ suppressed: false });
  });

  test('routes: 401 without the bearer token, 403 with a wrong one', async () => {
    const e = storeEnv();
    expect((await call(api('/suppressions/a@example.com', {}, null), e)).status).toBe(401);
    expect((await call(api('/suppressions/a@example.com', {}, 'wrong'), e)).status).toBe(403);
  });

  test('without MAIL_WEBHOOK_API_TOKEN the routes are 404', async () => {
    const e = storeEnv({ MAIL_WEBHOOK_API_TOKEN: undefined });
    expect((await call(api('/suppressions/a@example.com'), e)).status).toBe(404);
    expect((await call(api('/events'), e)).status).toBe(404);
  });

  test('MAIL_WEBHOOK_API_TOKEN without MAIL_WEBHOOK_DB names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_API_TOKEN: TOKEN }),
      'MAIL_WEBHOOK_API_TOKEN',
    );
  });

  test('GET events?recipient= lists wire objects newest first', async () => {
    const who = `hist-${uid()}@example.com`;
    const e = storeEnv();
    await call(snsPost(sesEvent('delivery', [who])), e);
    await call(snsPost(sesEvent('bounce', [who])), e);
    const r = await call(api(`/events?recipient=${encodeURIComponent(who)}`), e);
    expect(r.status).toBe(200);
    expect(r.json.events.map((w: any) => w.eventType)).toEqual(['bounced', 'delivered']);
    expect(typeof r.json.events[0].timestamp).toBe('string');
    expect(decodeTrackingEvent(r.json.events[0]).recipient).toBe(who);
  });

  test('GET events?type=&limit=1', async () => {
    const who = `lim-${uid()}@example.com`;
    const e = storeEnv();
    await call(snsPost(sesEvent('delivery', [who])), e);
    await call(snsPost(sesEvent('bounce', [who])), e);
    const r = await call(
      api(`/events?recipient=${encodeURIComponent(who)}&type=delivered&limit=1`),
      e,
    );
    expect(r.json.events).toHaveLength(1);
    expect(r.json.events[0].eventType).toBe('delivered');
  });

  test('an SNS retry (same MessageId) reaches the queue once; both answers count it', async () => {
    const who = `dup-${uid()}@example.com`;
    const queue = recordingQueue();
    const e = storeEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: queue });
    const id = `sns-dup-${uid()}`;
    const first = await call(snsPost(sesEvent('delivery', [who]), { id }), e);
    const second = await call(snsPost(sesEvent('delivery', [who]), { id }), e);
    expect(first.json).toEqual({ ok: true, events: 1 });
    expect(second.json).toEqual({ ok: true, events: 1 });
    expect(queue.calls.flat()).toHaveLength(1);
  });

  test('a retry after a failing queue still reaches it', async () => {
    const who = `retry-${uid()}@example.com`;
    const id = `sns-retry-${uid()}`;
    const failing = await call(
      snsPost(sesEvent('delivery', [who]), { id }),
      storeEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: recordingQueue(true) }),
    );
    expect(failing.status).toBe(503);
    const queue = recordingQueue();
    const ok = await call(
      snsPost(sesEvent('delivery', [who]), { id }),
      storeEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: queue }),
    );
    expect(ok.status).toBe(200);
    expect(queue.calls.flat()).toHaveLength(1);
  });

  test('a provider path "events" with the routes on is a bad setting', async () => {
    await expectMisconfigured(
      storeEnv({
        MAIL_WEBHOOK_PROVIDERS: 'ses,resend',
        MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
        MAIL_WEBHOOK_RESEND_PATH: 'events',
      }),
      'MAIL_WEBHOOK_RESEND_PATH',
    );
  });

  test('MAIL_WEBHOOK_RETENTION_DAYS not a number names the variable', async () => {
    await expectMisconfigured(
      storeEnv({ MAIL_WEBHOOK_RETENTION_DAYS: 'ninety' }),
      'MAIL_WEBHOOK_RETENTION_DAYS',
    );
  });

  test('a store that fails: 503 store-failed', async () => {
    const broken = {
      prepare() {
        throw new Error('D1 down');
      },
      batch() {
        throw new Error('D1 down');
      },
      exec() {
        throw new Error('D1 down');
      },
    };
    const r = await call(
      snsPost(sesEvent('delivery', ['x@example.com'])),
      workerEnv({ MAIL_WEBHOOK_DB: broken }),
    );
    expect(r.status).toBe(503);
    expect(r.text).toContain('store-failed');
  });

  test('migrations/*.sql build the schema the store creates itself', async () => {
    await createD1Store(env.STORE_TEST_DB).isSuppressed('schema@example.com');
    await applyD1Migrations(env.STORE_MIGRATED_DB, env.STORE_MIGRATIONS);
    const schema = async (db: D1Database) => {
      const { results } = await db
        .prepare(
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%' ORDER BY name",
        )
        .all<{ type: string; name: string; tbl_name: string; sql: string | null }>();
      return results.map((r) => ({
        ...r,
        sql: (r.sql ?? '')
          .replace(/\s+/g, ' ')
          .replace(/ ?([(),]) ?/g, '$1')
          .trim(),
      }));
    };
    const created = await schema(env.STORE_TEST_DB);
    expect(created.length).toBeGreaterThan(0);
    expect(await schema(env.STORE_MIGRATED_DB)).toEqual(created);
  });
});

// ---------- createWorker ----------

describe('createWorker([...providers])', () => {
  test('a Worker with ses only serves ses', async () => {
    const small = createWorker([sesProvider]);
    const r = await call(snsPost(sesEvent('delivery', ['s@example.com'])), workerEnv(), small);
    expect(r.json).toEqual({ ok: true, events: 1 });
  });

  test('listing a provider the Worker was built without names MAIL_WEBHOOK_PROVIDERS', async () => {
    const small = createWorker([sesProvider]);
    await expectMisconfigured(
      workerEnv({
        MAIL_WEBHOOK_PROVIDERS: 'ses,resend',
        MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
      }),
      'MAIL_WEBHOOK_PROVIDERS',
      small,
    );
  });

  test('a Worker with ses and resend serves resend with its secret', async () => {
    const small = createWorker([sesProvider, resendProvider]);
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
    });
    const r = await call(resendPost(resendDelivered), e, small);
    expect(r.json).toEqual({ ok: true, events: 1 });
  });

  test('its queue() consumes like the full Worker', async () => {
    const small = createWorker([sesProvider]);
    const received = stubFanout();
    const { batch, acked } = batchOf('mailhooks-events', [
      encodeTrackingEvent(context({ recipient: 'sm@example.com' })),
    ]);
    await small.queue(
      batch,
      workerEnv({
        MAIL_WEBHOOK_SINKS: 'queue,fanout',
        MAIL_WEBHOOK_QUEUE: recordingQueue(),
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
        MAIL_WEBHOOK_FANOUT_RETRIES: '0',
        HOOK_SECRET,
      }) as any,
      {} as any,
    );
    expect(received.map((x) => x.context.recipient)).toEqual(['sm@example.com']);
    expect(acked).toEqual(['m0']);
  });
});

// ---------- the shipped wrangler.toml ----------

describe('the shipped wrangler.toml', () => {
  test('[vars] turns the Worker on with ses and the memory sink', () => {
    expect(env.MAIL_WEBHOOK_ENABLED).toBe('true');
    expect((env as any).MAIL_WEBHOOK_PROVIDERS).toBe('ses');
    expect(env.MAIL_WEBHOOK_BASE_PATH).toBe('/webhooks/mail');
  });

  test("[env.queue]'s dead_letter_queue is what queue() treats as the dead-letter queue", async () => {
    // @ts-expect-error: Vite's ?raw import (the file as text) has no type declaration here.
    const toml = (await import('../../../wrangler.toml?raw')).default as string;
    const dlq = /^dead_letter_queue\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? '';
    expect(dlq).not.toBe('');
    expect(toml).toContain(`# queue = "${dlq}"`);
    const received = stubFanout();
    const e = workerEnv({
      MAIL_WEBHOOK_SINKS: 'queue,fanout',
      MAIL_WEBHOOK_QUEUE: recordingQueue(),
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
      HOOK_SECRET,
    });
    const held = batchOf(dlq, [encodeTrackingEvent(context())]);
    await worker.queue(held.batch, e as any, {} as any);
    expect(received).toEqual([]);
    expect(held.retried).toHaveLength(1);
    const replayed = batchOf(dlq, [encodeTrackingEvent(context())]);
    await worker.queue(replayed.batch, { ...e, MAIL_WEBHOOK_DLQ_REPLAY: 'true' } as any, {} as any);
    expect(received).toHaveLength(1);
    expect(replayed.acked).toEqual(['m0']);
  });

  test('[env.store] vars with a D1 binding serve the suppression routes', async () => {
    // @ts-expect-error: Vite's ?raw import (the file as text) has no type declaration here.
    const toml = (await import('../../../wrangler.toml?raw')).default as string;
    const section = /^\[env\.store\.vars\]$([\s\S]*?)^\[\[/m.exec(toml)?.[1] ?? '';
    const vars = Object.fromEntries(
      [...section.matchAll(/^([A-Z_][A-Z0-9_]*)\s*=\s*"([^"]*)"/gm)].map((m) => [m[1], m[2]]),
    );
    expect(toml).toMatch(/binding = "MAIL_WEBHOOK_DB"/);
    const who = `toml-store-${uid()}@example.com`;
    const e = {
      ...vars,
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_DB: env.STORE_TEST_DB,
      MAIL_WEBHOOK_API_TOKEN: 'toml-token',
    };
    const event = sesEvent('bounce', [who]);
    event.bounce.timestamp = new Date().toISOString();
    expect((await call(snsPost(event), e)).status).toBe(200);
    const r = await call(
      new Request(`https://worker.example/webhooks/mail/suppressions/${who}`, {
        headers: { authorization: 'Bearer toml-token' },
      }),
      e,
    );
    expect(r.json).toMatchObject({ suppressed: true, reason: 'bounced', provider: 'ses' });
    expect(logs.filter((l) => l.includes('unknown variable'))).toEqual([]);
  });

  test('[env.queue] vars build a Worker that enqueues and fans out', async () => {
    // @ts-expect-error: Vite's ?raw import (the file as text) has no type declaration here.
    const toml = (await import('../../../wrangler.toml?raw')).default as string;
    const section = /^\[env\.queue\.vars\]$([\s\S]*?)^\[\[/m.exec(toml)?.[1] ?? '';
    const vars: Record<string, string> = {};
    for (const m of section.matchAll(
      /^([A-Z_][A-Z0-9_]*)\s*=\s*(?:'''([\s\S]*?)'''|"([^"]*)")/gm,
    )) {
      vars[m[1] as string] = m[2] ?? m[3] ?? '';
    }
    expect(vars.MAIL_WEBHOOK_SINKS).toContain('queue');
    const received = stubFanout();
    const queue = recordingQueue();
    const e = {
      ...vars,
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_QUEUE: queue,
      MAIL_WEBHOOK_FANOUT_SECRET_CRM: HOOK_SECRET,
      MAIL_WEBHOOK_FANOUT_SECRET_ALERTS: HOOK_SECRET,
    };
    const r = await call(snsPost(sesEvent('bounce', ['toml@example.com'])), e);
    expect(r.json).toEqual({ ok: true, events: 1 });
    expect(queue.calls.flat()).toHaveLength(1);
    const { batch, acked } = batchOf(
      'mailhooks-events',
      queue.calls.flat().map((m) => m.body),
    );
    await worker.queue(batch, e as any, {} as any);
    expect(received.map((x) => new URL(x.url).pathname).sort()).toEqual([
      '/hooks/bounces',
      '/hooks/mail',
    ]);
    expect(acked).toEqual(['m0']);
    // The endpoints' secrets are MAIL_WEBHOOK_* variables read through "env:NAME", not unknown ones.
    expect(logs.filter((l) => l.includes('unknown variable'))).toEqual([]);
  });
});

// ---------- more edges ----------

describe('more edges of the Worker', () => {
  const TOKEN = 'api-token-r25-more';
  const storeEnv = (extra: Record<string, unknown> = {}) =>
    workerEnv({ MAIL_WEBHOOK_DB: env.STORE_TEST_DB, MAIL_WEBHOOK_API_TOKEN: TOKEN, ...extra });
  const api = (path: string, init: RequestInit = {}) =>
    new Request(`https://worker.example/webhooks/mail${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TOKEN}` },
    });

  test('MAIL_WEBHOOK_ENABLED=TRUE (any case) turns it on', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['a@example.com'])),
      workerEnv({ MAIL_WEBHOOK_ENABLED: 'TRUE' }),
    );
    expect(r.status).toBe(200);
  });

  test('MAIL_WEBHOOK_PROVIDERS listing ses twice names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_PROVIDERS: 'ses,ses' }),
      'MAIL_WEBHOOK_PROVIDERS',
    );
  });

  test('MAIL_WEBHOOK_QUEUE that is not a queue binding names it', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: 'mailhooks-events' }),
      'MAIL_WEBHOOK_QUEUE',
    );
  });

  test('MAIL_WEBHOOK_DB that is not a D1 binding names it', async () => {
    await expectMisconfigured(workerEnv({ MAIL_WEBHOOK_DB: 'mailhooks' }), 'MAIL_WEBHOOK_DB');
  });

  test('MAIL_WEBHOOK_DLQ_NAME that is not one queue name names it', async () => {
    await expectMisconfigured(workerEnv({ MAIL_WEBHOOK_DLQ_NAME: 'a b' }), 'MAIL_WEBHOOK_DLQ_NAME');
  });

  test('createWorker([]) with the default providers names MAIL_WEBHOOK_PROVIDERS', async () => {
    await expectMisconfigured(workerEnv(), 'MAIL_WEBHOOK_PROVIDERS', createWorker([]));
  });

  test('a body streamed without Content-Length over 1 MiB: 413', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(32);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 40) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const r = await call(
      new Request('https://worker.example/webhooks/mail/ses', {
        method: 'POST',
        headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'x' },
        body: stream,
      }),
      workerEnv(),
    );
    expect(r.status).toBe(413);
  });

  test('a small body streamed without Content-Length is read whole', async () => {
    const request = snsPost(sesEvent('delivery', ['stream@example.com']));
    const text = await request.text();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = new TextEncoder().encode(text);
        controller.enqueue(bytes.subarray(0, 100));
        controller.enqueue(bytes.subarray(100));
        controller.close();
      },
    });
    const r = await call(
      new Request(request.url, { method: 'POST', headers: request.headers, body: stream }),
      workerEnv(),
    );
    expect(r.json).toEqual({ ok: true, events: 1 });
  });

  test('a fan-out endpoint that never answers: 503 sink-timeout past MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(
      (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    );
    const r = await call(
      snsPost(sesEvent('bounce', ['slow@example.com'])),
      workerEnv({
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
        MAIL_WEBHOOK_FANOUT_RETRIES: '0',
        MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '50',
        HOOK_SECRET,
      }),
    );
    expect(r.status).toBe(503);
    expect(r.text).toContain('sink-timeout');
  });

  test('fan-out body: type, ISO timestamp, data the wire object; webhook-id stable per event', async () => {
    const seen: { id: string | null; body: any }[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input as RequestInfo, init);
      seen.push({ id: request.headers.get('webhook-id'), body: await request.json() });
      return new Response(null, { status: 204 });
    });
    const e = workerEnv({
      MAIL_WEBHOOK_SINKS: 'fanout',
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
      HOOK_SECRET,
    });
    await call(
      snsPost(sesEvent('bounce', ['w1@example.com', 'w2@example.com']), { id: 'sns-w' }),
      e,
    );
    await call(
      snsPost(sesEvent('bounce', ['w1@example.com', 'w2@example.com']), { id: 'sns-w' }),
      e,
    );
    expect(seen).toHaveLength(4);
    expect(seen[0]?.body.type).toBe('email.bounced');
    expect(new Date(seen[0]?.body.timestamp).toISOString()).toBe(seen[0]?.body.timestamp);
    expect(seen[0]?.body.data.recipient).toBe('w1@example.com');
    expect(seen[0]?.body.data.timestamp).toBe('2017-08-05T00:41:02.669Z');
    expect(seen[0]?.id).toBe(seen[2]?.id);
    expect(seen[1]?.id).toBe(seen[3]?.id);
    expect(seen[0]?.id).not.toBe(seen[1]?.id);
  });

  test('a transient bounce does not suppress', async () => {
    const who = `soft-${uid()}@example.com`;
    const e = storeEnv();
    const event = sesEvent('bounce', [who]);
    event.bounce.bounceType = 'Transient';
    await call(snsPost(event), e);
    expect((await call(api(`/suppressions/${who}`), e)).json).toEqual({ suppressed: false });
  });

  test('an address with + is looked up as written (encoded or not)', async () => {
    const who = `plus+${uid()}@example.com`;
    const e = storeEnv();
    await call(snsPost(sesEvent('bounce', [who])), e);
    expect((await call(api(`/suppressions/${encodeURIComponent(who)}`), e)).json.suppressed).toBe(
      true,
    );
    expect((await call(api(`/suppressions/${who}`), e)).json.suppressed).toBe(true);
  });

  test('events are newest first by when they happened, not by arrival', async () => {
    const who = `order-${uid()}@example.com`;
    const e = storeEnv();
    await call(snsPost(sesEvent('bounce', [who])), e); // 2017
    await call(snsPost(sesEvent('delivery', [who])), e); // 2016, arrives later
    const r = await call(api(`/events?recipient=${encodeURIComponent(who)}`), e);
    expect(r.json.events.map((w: any) => w.eventType)).toEqual(['bounced', 'delivered']);
  });

  test('GET events?messageId= filters by message', async () => {
    const who = `mid-${uid()}@example.com`;
    const e = storeEnv();
    const event = sesEvent('delivery', [who]);
    event.mail.messageId = `mid-${uid()}`;
    await call(snsPost(event), e);
    const r = await call(api(`/events?messageId=${encodeURIComponent(event.mail.messageId)}`), e);
    expect(r.json.events).toHaveLength(1);
    expect(r.json.events[0].recipient).toBe(who);
  });

  test('a D1 that fails at first: 503 store-failed, then the next request succeeds', async () => {
    let failures = 1;
    const real = env.STORE_TEST_DB;
    const flaky = {
      prepare: (sql: string) => real.prepare(sql),
      batch: (statements: D1PreparedStatement[]) =>
        failures-- > 0 ? Promise.reject(new Error('D1 overloaded')) : real.batch(statements),
      exec: (sql: string) => real.exec(sql),
    };
    const e = workerEnv({ MAIL_WEBHOOK_DB: flaky });
    const first = await call(snsPost(sesEvent('delivery', [`flaky-${uid()}@example.com`])), e);
    expect(first.status).toBe(503);
    expect(first.text).toContain('store-failed');
    const second = await call(snsPost(sesEvent('delivery', [`flaky-${uid()}@example.com`])), e);
    expect(second.json).toEqual({ ok: true, events: 1 });
  });

  test('a context too large for one queue message is sent with rawEvent trimmed', async () => {
    const queue = recordingQueue();
    await createQueueSink(queue).send([
      context({ recipient: 'huge@example.com', rawEvent: { big: 'x'.repeat(200_000) } }),
    ]);
    const [message] = queue.calls.flat();
    const body = typeof message?.body === 'string' ? message.body : JSON.stringify(message?.body);
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(128 * 1024);
    const decoded = decodeTrackingEvent(body);
    expect(decoded.recipient).toBe('huge@example.com');
    expect(decoded.rawEvent).toEqual({});
  });

  test('MAIL_WEBHOOK_SINKS unset: the memory bus, one JSON log line per event', async () => {
    const who = `nosink-${uid()}@example.com`;
    const r = await call(
      snsPost(sesEvent('delivery', [who])),
      workerEnv({ MAIL_WEBHOOK_SINKS: undefined }),
    );
    expect(r.json).toEqual({ ok: true, events: 1 });
    const lines = logs.filter((l) => l.includes(who));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ recipient: who });
  });

  test('a queue binding that MAIL_WEBHOOK_SINKS does not list is warned about, naming it', async () => {
    const queue = recordingQueue();
    const r = await call(
      snsPost(sesEvent('delivery', ['unlisted@example.com'])),
      workerEnv({ MAIL_WEBHOOK_QUEUE: queue }),
    );
    expect(r.status).toBe(200);
    expect(queue.calls).toEqual([]);
    expect(logs.some((l) => l.includes('MAIL_WEBHOOK_SINKS') && l.includes('queue'))).toBe(true);
  });

  test('MAIL_WEBHOOK_ENABLED=false closes the routes, not the consumer: queued events still go out', async () => {
    const received = stubFanout();
    const { batch, acked } = batchOf('mailhooks-events', [
      encodeTrackingEvent(context({ recipient: 'off@example.com' })),
    ]);
    await worker.queue(
      batch,
      workerEnv({
        MAIL_WEBHOOK_ENABLED: 'false',
        MAIL_WEBHOOK_SINKS: 'queue,fanout',
        MAIL_WEBHOOK_QUEUE: recordingQueue(),
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
        HOOK_SECRET,
      }) as any,
      {} as any,
    );
    expect(received.map((x) => x.context.recipient)).toEqual(['off@example.com']);
    expect(acked).toEqual(['m0']);
  });

  test('a misspelt MAIL_WEBHOOK_SES_VERIFY_SIGNATUR=false leaves verification on, and is reported once', async () => {
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('network down'));
    const e = workerEnv({
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: undefined,
      MAIL_WEBHOOK_SES_VERIFY_SIGNATUR: 'false',
      MAIL_WEBHOOK_SES_TOPIC_ARNS: TOPIC,
    });
    const first = await call(snsPost(sesEvent('delivery', ['typo@example.com'])), e);
    const second = await call(snsPost(sesEvent('delivery', ['typo@example.com'])), e);
    expect(first.status).not.toBe(200);
    expect(second.status).not.toBe(200);
    expect(
      logs.filter((l) => l.includes('unknown variable MAIL_WEBHOOK_SES_VERIFY_SIGNATUR')),
    ).toHaveLength(1);
    expect(logs.some((l) => l.includes('MAIL_WEBHOOK_SES_VERIFY_SIGNATURE'))).toBe(true);
  });

  test('credentials are checked before the body is read', async () => {
    let pulled = false;
    // highWaterMark 0: pulled only when someone reads (the default pulls once to fill its queue).
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new Uint8Array(1024));
        },
      },
      { highWaterMark: 0 },
    );
    const r = await call(
      new Request('https://worker.example/webhooks/mail/postmark', { method: 'POST', body }),
      workerEnv({ MAIL_WEBHOOK_PROVIDERS: 'postmark', MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pw' }),
    );
    expect(r.status).toBe(401);
    expect(pulled).toBe(false);
  });

  test('GET events?type= with an unknown type is a 400 naming type', async () => {
    const r = await call(api('/events?type=bouncd'), storeEnv());
    expect(r.status).toBe(400);
    expect(r.text).toContain('type');
  });

  test('GET events?recipient= compares the domain case-insensitively', async () => {
    const local = `evdom-${uid()}`;
    const e = storeEnv();
    await call(snsPost(sesEvent('delivery', [`${local}@example.com`])), e);
    const r = await call(api(`/events?recipient=${local}@EXAMPLE.com`), e);
    expect(r.json.events.map((w: any) => w.recipient)).toEqual([`${local}@example.com`]);
  });

  test('GET events without filters: 200, newest first, at most 100', async () => {
    const r = await call(api('/events'), storeEnv());
    expect(r.status).toBe(200);
    expect(r.json.events.length).toBeLessThanOrEqual(100);
    const times = r.json.events.map((w: any) => Date.parse(w.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  test('DELETE for an address never suppressed: 200 { suppressed: false }', async () => {
    const r = await call(
      api(`/suppressions/nobody-${uid()}@example.com`, { method: 'DELETE' }),
      storeEnv(),
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ suppressed: false });
  });

  test('POST on the suppressions route: 405', async () => {
    const r = await call(api('/suppressions/a@example.com', { method: 'POST' }), storeEnv());
    expect(r.status).toBe(405);
  });

  // "since = the timestamp of the first event that suppressed it": first by when it happened, so
  // an earlier bounce arriving after the complaint takes its place (docs/store.md says so).
  test('a complaint suppresses with reason spam; an earlier bounce arriving later takes its place', async () => {
    const who = `spam-${uid()}@example.com`;
    const e = storeEnv();
    const complaint = {
      eventType: 'Complaint',
      complaint: {
        complainedRecipients: [{ emailAddress: who }],
        timestamp: '2024-01-02T03:04:05.000Z',
        feedbackId: 'f-1',
        complaintFeedbackType: 'abuse',
      },
      mail: { ...structuredClone(bounce.mail), destination: [who] },
    };
    await call(snsPost(complaint), e);
    expect((await call(api(`/suppressions/${who}`), e)).json).toEqual({
      suppressed: true,
      reason: 'spam',
      provider: 'ses',
      since: '2024-01-02T03:04:05.000Z',
    });
    await call(snsPost(sesEvent('bounce', [who])), e); // dated 2017
    expect((await call(api(`/suppressions/${who}`), e)).json).toEqual({
      suppressed: true,
      reason: 'bounced',
      provider: 'ses',
      since: '2017-08-05T00:41:02.669Z',
    });
  });

  test('MAIL_WEBHOOK_ENABLED=false: the store routes are 404 too', async () => {
    const r = await call(
      api('/suppressions/a@example.com'),
      storeEnv({ MAIL_WEBHOOK_ENABLED: 'false' }),
    );
    expect(r.status).toBe(404);
  });

  test('queue(): an event no endpoint subscribes to is acked, nothing posted', async () => {
    const received = stubFanout();
    const { batch, acked, retried } = batchOf('mailhooks-events', [
      encodeTrackingEvent(context({ eventType: 'opened', rejectCategory: null, permanent: null })),
    ]);
    await worker.queue(
      batch,
      workerEnv({
        MAIL_WEBHOOK_SINKS: 'queue,fanout',
        MAIL_WEBHOOK_QUEUE: recordingQueue(),
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
          { url: HOOK, secret: 'env:HOOK_SECRET', events: ['bounced'] },
        ]),
        HOOK_SECRET,
      }) as any,
      {} as any,
    );
    expect(received).toEqual([]);
    expect(acked).toEqual(['m0']);
    expect(retried).toEqual([]);
  });

  test('unquoted wrangler.toml vars (a boolean, a number, a TOML array of endpoints) are read', async () => {
    const received = stubFanout();
    const r = await call(
      snsPost(sesEvent('bounce', ['typed@example.com'])),
      workerEnv({
        MAIL_WEBHOOK_ENABLED: true,
        MAIL_WEBHOOK_MAX_BODY_BYTES: 200_000,
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: [{ url: HOOK, secret: 'env:HOOK_SECRET' }],
        MAIL_WEBHOOK_FANOUT_RETRIES: 0,
        HOOK_SECRET,
      }),
    );
    expect(r.json).toEqual({ ok: true, events: 1 });
    expect(received.map((x) => x.context.recipient)).toEqual(['typed@example.com']);
  });

  test('MAIL_WEBHOOK_SES_AUTO_CONFIRM without topic ARNs names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_SES_AUTO_CONFIRM: 'true' }),
      'MAIL_WEBHOOK_SES_AUTO_CONFIRM',
    );
    expect(logged('topicArns')).toBe(true);
  });

  test('a SubscriptionConfirmation: 200, its SubscribeURL logged, nothing fetched without auto-confirm', async () => {
    const fetched: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      fetched.push(String(input));
      return new Response('');
    });
    const id = `sub-${uid()}`;
    const subscribeUrl = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=tok${id}`;
    const r = await call(
      new Request('https://worker.example/webhooks/mail/ses', {
        method: 'POST',
        headers: {
          'x-amz-sns-message-type': 'SubscriptionConfirmation',
          'x-amz-sns-message-id': id,
        },
        body: JSON.stringify({
          Type: 'SubscriptionConfirmation',
          MessageId: id,
          Token: `tok${id}`,
          TopicArn: TOPIC,
          Message: 'You have chosen to subscribe',
          SubscribeURL: subscribeUrl,
          Timestamp: new Date().toISOString(),
          SignatureVersion: '1',
          Signature: 'AAAA',
          SigningCertURL: `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`,
        }),
      }),
      workerEnv(),
    );
    expect(r.status).toBe(200);
    expect(fetched).toEqual([]);
    expect(logs.some((l) => l.includes(`tok${id}`))).toBe(true);
  });

  test('MAIL_WEBHOOK_BASE_PATH with a trailing slash serves the same routes', async () => {
    const r = await call(
      snsPost(sesEvent('delivery', ['slash@example.com']), { path: '/hooks/ses' }),
      workerEnv({ MAIL_WEBHOOK_BASE_PATH: '/hooks/' }),
    );
    expect(r.status).toBe(200);
  });

  test('MAIL_WEBHOOK_BASE_PATH without a leading slash names the variable', async () => {
    await expectMisconfigured(
      workerEnv({ MAIL_WEBHOOK_BASE_PATH: 'hooks' }),
      'MAIL_WEBHOOK_BASE_PATH',
    );
  });

  test('MAIL_WEBHOOK_RESEND_PATH mounts resend elsewhere', async () => {
    const e = workerEnv({
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: RESEND_SECRET,
      MAIL_WEBHOOK_RESEND_PATH: 'rs',
    });
    const moved = await call(resendPost(resendDelivered, RESEND_SECRET, '/webhooks/mail/rs'), e);
    expect(moved.json).toEqual({ ok: true, events: 1 });
    expect((await call(resendPost(resendDelivered), e)).status).toBe(404);
  });

  test('GET events?limit=abc is a 400 naming limit', async () => {
    const r = await call(api('/events?limit=abc'), storeEnv());
    expect(r.status).toBe(400);
    expect(r.text).toContain('limit');
  });

  test('GET events?limit=5000 is refused or held to 1000, never more', async () => {
    const r = await call(api('/events?limit=5000'), storeEnv());
    if (r.status === 200) expect(r.json.events.length).toBeLessThanOrEqual(1000);
    else expect(r.status).toBe(400);
  });
});
