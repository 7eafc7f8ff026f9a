// Blind tests of DESIGN's Public API, written from DESIGN alone.
import { describe, expect, it } from 'vitest';
import type { EmailTrackingContext, NextFn } from '../../src/index.js';
import * as root from '../../src/index.js';
import {
  ConfigError,
  createMailWebhookHandler,
  decodeTrackingEvent,
  EmailTrackingEvent,
  EventBus,
  encodeTrackingEvent,
  handleMailWebhook,
  ses,
  TRACKING_EVENT_TYPES,
  WireFormatError,
} from '../../src/index.js';
import { captureLogger, collector, envelope, post, ses as sesFixture } from './core-helpers.js';

const bounce = () => envelope(sesFixture('event-publishing-bounce'), {}, { sign: false });

describe('root exports', () => {
  it('exports every name DESIGN lists', () => {
    for (const name of [
      'createMailWebhookHandler',
      'handleMailWebhook',
      'EventBus',
      'EmailTrackingEvent',
      'ses',
      'resend',
      'sendgrid',
      'mailgun',
      'postmark',
      'defineProvider',
      'createQueueSink',
      'createFanoutSink',
      'createD1Store',
      'createSqliteStore',
      'encodeTrackingEvent',
      'decodeTrackingEvent',
      'ConfigError',
      'WireFormatError',
    ]) {
      expect(root, name).toHaveProperty(name);
      expect((root as Record<string, unknown>)[name], name).toBeDefined();
    }
  });
});

describe('options', () => {
  it('the old top-level ses option is a ConfigError that says providers: [ses(...)]', () => {
    expect(() => createMailWebhookHandler({ ses: { secret: 'x' } } as never)).toThrow(ConfigError);
    expect(() => createMailWebhookHandler({ ses: { secret: 'x' } } as never)).toThrow(
      /providers: \[ses\(/,
    );
  });

  it('an unknown option key is a ConfigError naming the key and the closest known one', () => {
    let err: unknown;
    try {
      createMailWebhookHandler({ basePth: '/x' } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toContain('basePth');
    expect(String((err as Error).message)).toContain('basePath');
  });

  it('an unknown ses() option key is a ConfigError naming it', () => {
    expect(() => ses({ topicArn: ['arn:aws:sns:us-east-1:1:t'] } as never)).toThrow(/topicArns/);
  });

  it('autoConfirm without topicArns is a configuration error', () => {
    expect(() =>
      createMailWebhookHandler({ providers: [ses({ autoConfirm: true, secret: 's' })] }),
    ).toThrow();
  });

  it('enabled: false answers 404 on every route', async () => {
    const { bus } = collector();
    const h = createMailWebhookHandler({
      enabled: false,
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
    });
    const res = await h(post(bounce()));
    expect(res.status).toBe(404);
  });

  it('basePath moves the routes; the 404 names basePath and the provider paths', async () => {
    const { bus, events } = collector();
    const h = createMailWebhookHandler({
      basePath: '/hooks',
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
      logger: captureLogger().logger,
    });
    const ok = await h(post(bounce(), {}, 'http://localhost/hooks/ses'));
    expect(ok.status).toBe(200);
    expect(events).toHaveLength(1);
    const miss = await h(post(bounce()));
    expect(miss.status).toBe(404);
    const text = await miss.text();
    expect(text).toContain('/hooks');
    expect(text).toContain('ses');
    const unknown = await h(post(bounce(), {}, 'http://localhost/hooks/nope'));
    expect(unknown.status).toBe(404);
  });

  it('a provider path moves its route', async () => {
    const { bus, events } = collector();
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false, path: 'aws' })],
    });
    expect((await h(post(bounce(), {}, 'http://localhost/webhooks/mail/aws'))).status).toBe(200);
    expect(events).toHaveLength(1);
    expect((await h(post(bounce()))).status).toBe(404);
  });

  it('another method on a route is 405', async () => {
    const h = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      logger: captureLogger().logger,
    });
    const res = await h(new Request('http://localhost/webhooks/mail/ses', { method: 'GET' }));
    expect(res.status).toBe(405);
    const put = await h(
      new Request('http://localhost/webhooks/mail/ses', { method: 'PUT', body: '{}' }),
    );
    expect(put.status).toBe(405);
  });

  it('a body over maxBodyBytes is 413', async () => {
    const h = createMailWebhookHandler({
      maxBodyBytes: 100,
      providers: [ses({ verifySignature: false })],
      logger: captureLogger().logger,
    });
    const res = await h(post(bounce()));
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body.ok).toBe(false);
  });

  it('a body exactly maxBodyBytes long is read', async () => {
    const text = JSON.stringify(bounce());
    const { bus, events } = collector();
    const h = createMailWebhookHandler({
      maxBodyBytes: new TextEncoder().encode(text).length,
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
    });
    const b = JSON.parse(text);
    const res = await h(
      post(text, { 'x-amz-sns-message-type': b.Type, 'x-amz-sns-message-id': b.MessageId }),
    );
    expect(res.status).toBe(200);
    expect(events).toHaveLength(1);
  });
});

describe('handleMailWebhook', () => {
  it('answers like a handler made by createMailWebhookHandler', async () => {
    const { bus, events } = collector();
    const options = { sinks: [bus], providers: [ses({ verifySignature: false })] };
    const res = await handleMailWebhook(post(bounce()), options);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    expect(events[0]?.eventType).toBe('bounced');
  });
});

describe('EventBus', () => {
  it('listeners of every kind run in subscription order and unsubscribe works', async () => {
    const bus = new EventBus();
    const order: string[] = [];
    class ClassListener {
      handle(ctx: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        order.push('class');
        return next(ctx);
      }
    }
    function Es5Listener() {}
    Es5Listener.prototype.handle = (
      ctx: EmailTrackingContext,
      next: (c: EmailTrackingContext) => unknown,
    ) => {
      order.push('es5');
      return next(ctx);
    };
    bus.subscribe(EmailTrackingEvent, {
      handle(ctx, next) {
        order.push('object');
        return next(ctx);
      },
    });
    bus.subscribe(EmailTrackingEvent, ClassListener);
    bus.subscribe(EmailTrackingEvent, Es5Listener as never);
    const off = bus.subscribe(EmailTrackingEvent, async (ctx, next) => {
      order.push('fn');
      return next(ctx);
    });
    expect(typeof off).toBe('function');
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
    });
    expect((await h(post(bounce()))).status).toBe(200);
    expect(order).toEqual(['object', 'class', 'es5', 'fn']);
    off();
    order.length = 0;
    expect((await h(post(bounce()))).status).toBe(200);
    expect(order).toEqual(['object', 'class', 'es5']);
  });

  it('a listener that passes a changed context to next changes what the next one sees', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, (ctx, next) =>
      next({ ...ctx, recipient: 'changed@example.com' }),
    );
    bus.subscribe(EmailTrackingEvent, (ctx, next) => {
      seen.push(ctx.recipient);
      return next(ctx);
    });
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
    });
    await h(post(bounce()));
    expect(seen).toEqual(['changed@example.com']);
  });

  it('with no sinks configured, events go to the default bus (EventBus.subscribe)', async () => {
    const got: EmailTrackingContext[] = [];
    const off = EventBus.subscribe(EmailTrackingEvent, (ctx, next) => {
      got.push(ctx);
      return next(ctx);
    });
    try {
      const h = createMailWebhookHandler({
        providers: [ses({ verifySignature: false })],
        logger: captureLogger().logger,
      });
      const res = await h(post(bounce()));
      expect(res.status).toBe(200);
      expect(got.map((c) => c.recipient)).toEqual(['recipient@example.com']);
    } finally {
      off();
    }
  });

  it('a listener that throws answers 503, never 200', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, () => {
      throw new Error('CRM down');
    });
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
      logger: captureLogger().logger,
    });
    const res = await h(post(bounce()));
    expect(res.status).toBe(503);
    expect((await res.json()).ok).toBe(false);
  });

  it('a sink whose send rejects answers 503', async () => {
    const sink = { name: 'broken', send: async () => Promise.reject(new Error('down')) };
    const h = createMailWebhookHandler({
      sinks: [sink],
      providers: [ses({ verifySignature: false })],
      logger: captureLogger().logger,
    });
    const res = await h(post(bounce()));
    expect(res.status).toBe(503);
  });

  it('sinks receive the events in order, each sink after the previous one', async () => {
    const order: string[] = [];
    const a = {
      name: 'a',
      send: async (ev: EmailTrackingContext[]) => void order.push(`a:${ev.length}`),
    };
    const b = {
      name: 'b',
      send: async (ev: EmailTrackingContext[]) => void order.push(`b:${ev.length}`),
    };
    const h = createMailWebhookHandler({
      sinks: [a, b],
      providers: [ses({ verifySignature: false })],
    });
    const res = await h(
      post(envelope(sesFixture('notification-bounce-no-dsn'), {}, { sign: false })),
    );
    expect(res.status).toBe(200);
    expect(order[0]?.startsWith('a:')).toBe(true);
    expect(order.at(-1)?.startsWith('b:')).toBe(true);
  });
});

describe('wire format', () => {
  const ctx: EmailTrackingContext = {
    eventType: 'bounced',
    messageId: 'm-1',
    recipient: 'r@example.com',
    timestamp: new Date('2017-08-05T00:41:02.669Z'),
    espName: 'ses',
    tags: ['campaign:spring'],
    metadata: { user: '42' },
    rejectReason: 'Permanent/General',
    description: 'smtp; 550',
    clickUrl: null,
    userAgent: null,
    rawEvent: { eventType: 'Bounce' },
    eventId: 'e-1',
    mtaResponse: 'smtp; 550',
    rejectCategory: 'bounced',
    permanent: true,
  };

  it('encodes timestamp as an ISO 8601 string and decodes back to the same context', () => {
    const json = encodeTrackingEvent(ctx);
    expect(typeof json).toBe('string');
    const parsed = JSON.parse(json);
    expect(parsed.timestamp).toBe('2017-08-05T00:41:02.669Z');
    expect(parsed.eventType).toBe('bounced');
    const back = decodeTrackingEvent(json);
    expect(back.timestamp).toBeInstanceOf(Date);
    expect(back.timestamp.toISOString()).toBe('2017-08-05T00:41:02.669Z');
    expect(back).toEqual(ctx);
    expect(decodeTrackingEvent(parsed)).toEqual(ctx);
  });

  it('an older wire object without rejectCategory/permanent decodes with null', () => {
    const parsed = JSON.parse(encodeTrackingEvent(ctx));
    delete parsed.rejectCategory;
    delete parsed.permanent;
    const back = decodeTrackingEvent(parsed);
    expect(back.rejectCategory).toBeNull();
    expect(back.permanent).toBeNull();
  });

  it('throws a WireFormatError naming the field on bad input', () => {
    const parsed = JSON.parse(encodeTrackingEvent(ctx));
    expect(() => decodeTrackingEvent({ ...parsed, eventType: 'exploded' })).toThrow(
      WireFormatError,
    );
    expect(() => decodeTrackingEvent({ ...parsed, eventType: 'exploded' })).toThrow(/eventType/);
    expect(() => decodeTrackingEvent({ ...parsed, timestamp: 'yesterday' })).toThrow(/timestamp/);
    expect(() => decodeTrackingEvent({ ...parsed, timestamp: '2017-02-30T00:00:00Z' })).toThrow(
      /timestamp/,
    );
    const { recipient: _r, ...noRecipient } = parsed;
    expect(() => decodeTrackingEvent(noRecipient)).toThrow(/recipient/);
    expect(() => decodeTrackingEvent('not json')).toThrow(WireFormatError);
    expect(() => decodeTrackingEvent({ ...parsed, rejectCategory: 'nope' })).toThrow(
      /rejectCategory/,
    );
  });

  it('every TrackingEventType round-trips', () => {
    // DESIGN's list, as r25-api.test.ts pins the export against it.
    for (const t of TRACKING_EVENT_TYPES) {
      expect(decodeTrackingEvent(encodeTrackingEvent({ ...ctx, eventType: t })).eventType).toBe(t);
    }
  });
});
