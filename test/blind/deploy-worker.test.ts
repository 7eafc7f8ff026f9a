/** Blind: the Worker (default export of mailhooks/cloudflare) driven under Node with fake bindings. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import worker, { createWorker } from '../../src/adapters/cloudflare.js';
import { sesProvider } from '../../src/env/index.js';
import { encodeTrackingEvent } from '../../src/index.js';
import {
  captureConsoleEachTest,
  type Env,
  newWhsec,
  oneEndpoint,
  on as onVars,
  snsBounceRequest,
  snsBounceText,
  withReceiver,
} from './deploy-helpers.js';

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
/** A fresh env object each call (the Worker may key what it builds on the env it is handed). */
const on = (extra: Env = {}): Env => ({ ...onVars, ...extra });
/** The queue sink on `binding`. */
const queueEnv = (binding: unknown, extra: Env = {}) =>
  on({ MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: binding, ...extra });
/** Queue and fan-out: a consumer delivers to one endpoint at `${url}/hooks`. */
const consumerEnv = (url: string, extra: Env = {}) =>
  queueEnv(fakeQueue().binding, {
    MAIL_WEBHOOK_SINKS: 'queue,fanout',
    MAIL_WEBHOOK_FANOUT_ENDPOINTS: oneEndpoint(`${url}/hooks`, 'MAIL_WEBHOOK_FANOUT_SECRET_CRM'),
    MAIL_WEBHOOK_FANOUT_SECRET_CRM: newWhsec(),
    ...extra,
  });

interface W {
  fetch(request: Request, env: Env, ctx: unknown): Promise<Response>;
  queue(batch: unknown, env: Env, ctx: unknown): Promise<void>;
}
const w = worker as unknown as W;

const logs = captureConsoleEachTest();
const refusedSetting = () => logs.lines.find((l) => l.msg === 'request refused')?.setting;
const startsWith = (prefix: string) => logs.lines.find((l) => String(l.msg).startsWith(prefix));

function fakeQueue() {
  const batches: { body: unknown; contentType?: string }[][] = [];
  const single: unknown[] = [];
  return {
    batches,
    single,
    binding: {
      async sendBatch(messages: { body: unknown; contentType?: string }[]) {
        batches.push([...messages]);
      },
      async send(body: unknown, options?: unknown) {
        single.push({ body, options });
      },
    },
  };
}

function fakeBatch(queue: string, bodies: unknown[]) {
  const acked: string[] = [];
  const retried: { id: string; options?: unknown }[] = [];
  let ackAll = 0;
  let retryAll = 0;
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack() {
      acked.push(`m${i}`);
    },
    retry(options?: unknown) {
      retried.push({ id: `m${i}`, options });
    },
  }));
  return {
    batch: {
      queue,
      messages,
      ackAll() {
        ackAll++;
      },
      retryAll() {
        retryAll++;
      },
    },
    acked,
    retried,
    counts: () => ({ ackAll, retryAll }),
  };
}

const wire = () =>
  encodeTrackingEvent({
    eventType: 'bounced',
    messageId: 'mid-1',
    recipient: 'jane@example.com',
    timestamp: new Date('2026-01-01T00:00:00.000Z'),
    espName: 'ses',
    tags: [],
    metadata: {},
    rejectReason: 'Permanent/General',
    description: null,
    clickUrl: null,
    userAgent: null,
    rawEvent: { any: 'thing' },
    eventId: 'evt-1',
    mtaResponse: null,
    rejectCategory: 'bounced',
    permanent: true,
  });

describe('Worker fetch', () => {
  it('serves the SES route from its env vars: 200 with two events, each logged', async () => {
    const response = await w.fetch(snsBounceRequest(), on(), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    expect(logs.lines.filter((l) => l.msg === 'event').map((l) => l.recipient)).toEqual([
      'jane@example.com',
      'richard@example.com',
    ]);
  });

  it('MAIL_WEBHOOK_ENABLED unset: 404 (DESIGN: default false)', async () => {
    const response = await w.fetch(
      snsBounceRequest(),
      { MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false' },
      ctx,
    );
    expect(response.status).toBe(404);
  });

  it('GET /healthz answers 200 {"ok":true}', async () => {
    const response = await w.fetch(new Request('http://localhost/healthz'), on(), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('a misconfigured Worker answers every request 503 misconfigured without naming the setting', async () => {
    const env = on({ MAIL_WEBHOOK_MAX_BODY_BYTES: 'lots' });
    const response = await w.fetch(snsBounceRequest(), env, ctx);
    expect(response.status).toBe(503);
    const text = await response.text();
    const body = JSON.parse(text);
    expect(body).toMatchObject({ ok: false, error: 'misconfigured' });
    expect(text).not.toContain('MAIL_WEBHOOK_MAX_BODY_BYTES');
    expect(text).not.toContain('lots');
    const health = await w.fetch(new Request('http://localhost/healthz'), env, ctx);
    expect(health.status).toBe(503);
    expect((await health.json()).error).toBe('misconfigured');
    expect(logs.lines.find((l) => l.msg === 'mailhooks is misconfigured')).toMatchObject({
      level: 'error',
    });
    const refused = logs.lines.filter((l) => l.msg === 'request refused');
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const line of refused) expect(line.setting).toBe('MAIL_WEBHOOK_MAX_BODY_BYTES');
  });

  it.each([
    [
      'a listed provider without its secret: 503 misconfigured, the log names the secret variable',
      { MAIL_WEBHOOK_PROVIDERS: 'ses,resend' },
      'MAIL_WEBHOOK_RESEND_SECRET',
      undefined,
    ],
    [
      'a token without a store (no MAIL_WEBHOOK_DB) is misconfigured, naming MAIL_WEBHOOK_API_TOKEN',
      { MAIL_WEBHOOK_API_TOKEN: 'a-long-random-string' },
      'MAIL_WEBHOOK_API_TOKEN',
      'a-long-random-string',
    ],
    [
      'MAIL_WEBHOOK_DLQ_REPLAY that is not a boolean: 503 misconfigured naming it',
      { MAIL_WEBHOOK_DLQ_REPLAY: 'sometimes' },
      'MAIL_WEBHOOK_DLQ_REPLAY',
      undefined,
    ],
  ] as const)('%s', async (_name, vars, setting, neverLogged) => {
    const response = await w.fetch(snsBounceRequest(), on(vars), ctx);
    expect(response.status).toBe(503);
    expect(refusedSetting()).toBe(setting);
    if (neverLogged) expect(logs.raw.join('\n')).not.toContain(neverLogged);
  });

  it('an unknown MAIL_WEBHOOK_* variable is warned once per isolate, with the closest name', async () => {
    const env = on({ MAIL_WEBHOOK_SINK: 'memory' });
    await w.fetch(snsBounceRequest(), env, ctx);
    await w.fetch(snsBounceRequest(), env, ctx);
    const warns = logs.lines.filter((l) => l.variable === 'MAIL_WEBHOOK_SINK');
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ level: 'warn', didYouMean: 'MAIL_WEBHOOK_SINKS' });
  });

  it('createWorker with fewer providers: naming another in MAIL_WEBHOOK_PROVIDERS is 503 misconfigured', async () => {
    const small = createWorker([sesProvider]) as unknown as W;
    const response = await small.fetch(
      snsBounceRequest(),
      on({ MAIL_WEBHOOK_PROVIDERS: 'ses,resend', MAIL_WEBHOOK_RESEND_SECRET: newWhsec() }),
      ctx,
    );
    expect(response.status).toBe(503);
    expect((await response.json()).error).toBe('misconfigured');
    expect(refusedSetting()).toBe('MAIL_WEBHOOK_PROVIDERS');
    const ok = await small.fetch(snsBounceRequest(), on(), ctx);
    expect(ok.status).toBe(200);
  });
});

describe('Worker queue sink', () => {
  it('with MAIL_WEBHOOK_SINKS=queue a request enqueues each event as wire JSON text', async () => {
    const q = fakeQueue();
    const response = await w.fetch(snsBounceRequest(), queueEnv(q.binding), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
    const messages = [...q.batches.flat(), ...q.single.map((s) => s as { body: unknown })];
    expect(messages).toHaveLength(2);
    for (const message of q.batches.flat()) expect(message.contentType ?? 'text').toBe('text');
    const bodies = messages.map((m) => (typeof m.body === 'string' ? JSON.parse(m.body) : m.body));
    expect(bodies.map((b) => b.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
    expect(bodies[0].timestamp).toBe('2016-01-27T14:59:38.237Z');
    expect(bodies[0].eventId).toBe('5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01');
  });

  it('sends at most 100 messages per sendBatch call', async () => {
    // A SendGrid batch: small events, so the count, not the size, sets the chunks.
    const q = fakeQueue();
    const publicKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'der' })
      .toString('base64');
    const recipients = Array.from({ length: 150 }, (_, i) => `r${i}@example.com`);
    const events = recipients.map((email, i) => ({
      email,
      event: 'delivered',
      sg_event_id: `e${i}`,
      sg_message_id: `m${i}.filter`,
      timestamp: 1700000000,
    }));
    const request = new Request('http://localhost/webhooks/mail/sendgrid', {
      method: 'POST',
      body: JSON.stringify(events),
    });
    const env = queueEnv(q.binding, {
      MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
      MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: publicKey,
      MAIL_WEBHOOK_SENDGRID_VERIFY_SIGNATURE: 'false',
    });
    const response = await w.fetch(request, env, ctx);
    expect(await response.json()).toEqual({ ok: true, events: 150 });
    expect(q.batches.map((b) => b.length)).toEqual([100, 50]);
    const sent = q.batches.flat().map((m) => JSON.parse(String(m.body)).recipient);
    expect(sent).toEqual(recipients);
  });

  it('keeps each sendBatch call under 256 KB', async () => {
    const q = fakeQueue();
    const envelope = JSON.parse(snsBounceText);
    const message = JSON.parse(envelope.Message);
    message.bounce.bouncedRecipients = Array.from({ length: 40 }, (_, i) => ({
      emailAddress: `r${i}@example.com`,
      diagnosticCode: `smtp; 550 ${'x'.repeat(6000)}`,
    }));
    message.mail.padding = 'p'.repeat(20_000);
    envelope.Message = JSON.stringify(message);
    const request = new Request('http://localhost/webhooks/mail/ses', {
      method: 'POST',
      headers: {
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': envelope.MessageId,
      },
      body: JSON.stringify(envelope),
    });
    const response = await w.fetch(request, queueEnv(q.binding), ctx);
    expect(await response.json()).toEqual({ ok: true, events: 40 });
    expect(q.batches.length).toBeGreaterThan(1);
    for (const batch of q.batches) {
      const bytes = batch.reduce((n, m) => n + new TextEncoder().encode(String(m.body)).length, 0);
      expect(bytes).toBeLessThanOrEqual(256 * 1024);
    }
    expect(q.batches.flat()).toHaveLength(40);
  });

  it('a queue that refuses makes the answer 503 sink-failed', async () => {
    const binding = {
      async sendBatch() {
        throw new Error('queue full');
      },
      async send() {
        throw new Error('queue full');
      },
    };
    const response = await w.fetch(snsBounceRequest(), queueEnv(binding), ctx);
    expect(response.status).toBe(503);
    expect((await response.json()).error).toBe('sink-failed');
  });

  it('MAIL_WEBHOOK_SINKS=queue without the binding: 503 misconfigured naming MAIL_WEBHOOK_QUEUE', async () => {
    const response = await w.fetch(snsBounceRequest(), on({ MAIL_WEBHOOK_SINKS: 'queue' }), ctx);
    expect(response.status).toBe(503);
    // The setting at fault is the sinks list; the message names the missing binding.
    expect(refusedSetting()).toMatch(/^MAIL_WEBHOOK_(SINKS|QUEUE)$/);
    expect(
      JSON.stringify(logs.lines.find((l) => l.msg === 'mailhooks is misconfigured')),
    ).toContain('MAIL_WEBHOOK_QUEUE');
  });
});

describe('Worker queue consumer', () => {
  it('delivers each queued event through the fan-out and acks it', async () => {
    await withReceiver(async (receiver) => {
      const b = fakeBatch('mailhooks-events', [wire()]);
      await w.queue(b.batch, consumerEnv(receiver.url), ctx);
      expect(b.acked).toEqual(['m0']);
      expect(b.retried).toEqual([]);
      expect(receiver.received).toHaveLength(1);
      const body = JSON.parse(receiver.received[0]?.body ?? '{}');
      expect(body.type).toBe('email.bounced');
      expect(body.data.recipient).toBe('jane@example.com');
      expect(logs.lines.find((l) => l.msg === 'queued event delivered')).toMatchObject({
        level: 'info',
        recipient: 'jane@example.com',
      });
    });
  });

  it('retries a message whose endpoint keeps failing, and acks an undecodable one', async () => {
    await withReceiver(
      async (receiver) => {
        const env = consumerEnv(receiver.url, { MAIL_WEBHOOK_FANOUT_RETRIES: '0' });
        const b = fakeBatch('mailhooks-events', [wire(), '{"not":"an event"}']);
        await w.queue(b.batch, env, ctx);
        expect(b.retried.map((r) => r.id)).toEqual(['m0']);
        expect(b.acked).toEqual(['m1']);
        expect(
          logs.lines.find((l) => l.msg === 'sink failed on a queued event; retrying later'),
        ).toMatchObject({ level: 'error' });
        expect(startsWith('queue message is not a tracking event')).toMatchObject({
          level: 'error',
        });
      },
      () => 500,
    );
  });

  it('reads a message sent as json (an object) or as bytes of the JSON, as well as text', async () => {
    await withReceiver(async (receiver) => {
      const text = wire();
      const b = fakeBatch('mailhooks-events', [
        JSON.parse(text),
        new TextEncoder().encode(text),
        new TextEncoder().encode(text).buffer,
      ]);
      await w.queue(b.batch, consumerEnv(receiver.url), ctx);
      expect(b.acked).toEqual(['m0', 'm1', 'm2']);
      expect(receiver.received).toHaveLength(3);
    });
  });

  it('acks and logs a message whose rawEvent nests more than 64 deep', async () => {
    await withReceiver(async (receiver) => {
      const deep = JSON.parse(wire());
      deep.rawEvent = JSON.parse(`${'{"a":'.repeat(80)}1${'}'.repeat(80)}`);
      const b = fakeBatch('mailhooks-events', [JSON.stringify(deep)]);
      await w.queue(b.batch, consumerEnv(receiver.url), ctx);
      expect(b.acked).toEqual(['m0']);
      expect(receiver.received).toHaveLength(0);
      expect(startsWith('queue message is not a tracking event')).toMatchObject({
        level: 'error',
        eventId: 'evt-1',
      });
    });
  });

  it('a misconfigured Worker acks nothing from a queue batch', async () => {
    const b = fakeBatch('mailhooks-events', [wire()]);
    let threw = false;
    try {
      await w.queue(b.batch, on({ MAIL_WEBHOOK_DLQ_REPLAY: 'maybe' }), ctx);
    } catch {
      threw = true;
    }
    expect(b.acked).toEqual([]);
    expect(threw || b.retried.length === 1 || b.counts().retryAll === 1).toBe(true);
  });

  it('a dead-letter batch without MAIL_WEBHOOK_DLQ_REPLAY is held, and the error names the variable', async () => {
    await withReceiver(async (receiver) => {
      const b = fakeBatch('mailhooks-events-dlq', [wire()]);
      await w.queue(b.batch, consumerEnv(receiver.url), ctx);
      expect(b.acked).toEqual([]);
      expect(receiver.received).toHaveLength(0);
      expect(b.retried.length + b.counts().retryAll).toBeGreaterThanOrEqual(1);
      const line = startsWith('dead-letter queue batch held');
      expect(line).toMatchObject({ level: 'error', queue: 'mailhooks-events-dlq' });
      expect(JSON.stringify(line)).toContain('MAIL_WEBHOOK_DLQ_REPLAY');
    });
  });

  it('with MAIL_WEBHOOK_DLQ_REPLAY=true a dead letter goes back through the fan-out and is acked', async () => {
    await withReceiver(async (receiver) => {
      const b = fakeBatch('mailhooks-events-dlq', [wire()]);
      await w.queue(b.batch, consumerEnv(receiver.url, { MAIL_WEBHOOK_DLQ_REPLAY: 'true' }), ctx);
      expect(b.acked).toEqual(['m0']);
      expect(receiver.received).toHaveLength(1);
      expect(
        logs.lines.find((l) => l.msg === 'replaying dead-letter queue batch through the fan-out'),
      ).toMatchObject({ level: 'info', queue: 'mailhooks-events-dlq' });
    });
  });

  it('MAIL_WEBHOOK_DLQ_NAME names the dead-letter queue exactly', async () => {
    await withReceiver(async (receiver) => {
      const env = consumerEnv(receiver.url, {
        MAIL_WEBHOOK_DLQ_NAME: 'mailhooks-graveyard-staging',
      });
      const b = fakeBatch('mailhooks-graveyard-staging', [wire()]);
      await w.queue(b.batch, env, ctx);
      expect(b.acked).toEqual([]);
      expect(receiver.received).toHaveLength(0);
      expect(startsWith('dead-letter queue batch held')).toBeTruthy();
    });
  });
});
