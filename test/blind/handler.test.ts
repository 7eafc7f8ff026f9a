// DESIGN "Request life and answers", "Public API", "Limits and deadlines", options.
import { describe, expect, test } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  handleMailWebhook,
  resend,
  type Sink,
  ses,
} from '../../src/index.js';
import { configErrorOf } from '../helpers/config-error.js';
import {
  bodyText,
  collector,
  json,
  newWhsec,
  recordingLogger,
  standardRequest,
} from './helpers.js';

const SECRET = newWhsec();

function resendBody(type = 'email.delivered', to: string[] = ['to@example.com']) {
  return JSON.stringify({
    type,
    created_at: new Date().toISOString(),
    data: {
      email_id: 'em_1',
      to,
      from: 'a@example.com',
      subject: 'hi',
      created_at: new Date().toISOString(),
    },
  });
}

const URL_ = 'https://hooks.example.com/webhooks/mail/resend';

function handlerWith(sinks: Sink[], extra: Record<string, unknown> = {}) {
  return createMailWebhookHandler({
    providers: [resend({ secret: SECRET })],
    sinks,
    logger: recordingLogger(),
    ...extra,
  } as any);
}

describe('answers', () => {
  test('delivered to every sink: 200 {ok:true, events:N}, sinks in order', async () => {
    const order: string[] = [];
    const a: Sink = { name: 'a', send: async () => void order.push('a') };
    const b: Sink = { name: 'b', send: async () => void order.push('b') };
    const handler = handlerWith([a, b]);
    const res = await handler(
      standardRequest(
        URL_,
        SECRET,
        resendBody('email.delivered', ['x@example.com', 'y@example.com']),
      ),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type') ?? '').toContain('application/json');
    expect(await json(res)).toEqual({ ok: true, events: 2 });
    expect(order).toEqual(['a', 'b']);
  });

  test('a sink that fails: 503 so the ESP retries', async () => {
    const failing: Sink = {
      name: 'broken',
      send: async () => {
        throw new Error('down');
      },
    };
    const res = await handlerWith([failing])(standardRequest(URL_, SECRET, resendBody()));
    expect(res.status).toBe(503);
    const text = await bodyText(res);
    expect(JSON.parse(text).error).toBe('sink-failed');
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });

  test('unknown provider path: 404 naming basePath and the configured provider paths', async () => {
    const handler = createMailWebhookHandler({
      providers: [
        ses({ topicArns: ['arn:aws:sns:us-east-1:1:t'] }),
        resend({ secret: SECRET, path: 'resend-eu' }),
      ],
      logger: recordingLogger(),
    });
    const res = await handler(
      new Request('https://h.example/webhooks/mail/nope', { method: 'POST', body: '{}' }),
    );
    expect(res.status).toBe(404);
    const text = await bodyText(res);
    expect(JSON.parse(text).error).toBe('not-found');
    expect(text).toContain('/webhooks/mail');
    expect(text).toContain('ses');
    expect(text).toContain('resend-eu');
  });

  test('a path outside basePath: 404; the refusal is logged', async () => {
    const logger = recordingLogger();
    const handler = createMailWebhookHandler({ providers: [resend({ secret: SECRET })], logger });
    const res = await handler(
      new Request('https://h.example/other', { method: 'POST', body: '{}' }),
    );
    expect(res.status).toBe(404);
    expect((await json(res)).error).toBe('not-found');
    const refusals = logger.lines.filter((l) => l.text.startsWith('request refused'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]?.text).toContain('"reason":"not-found"');
    expect(refusals[0]?.text).toContain('"path":"/other"');
  });

  test('basePath option moves the routes', async () => {
    const sink = collector();
    const handler = handlerWith([sink], { basePath: '/hooks' });
    const ok = await handler(
      standardRequest('https://h.example/hooks/resend', SECRET, resendBody()),
    );
    expect(ok.status).toBe(200);
    expect(sink.events).toHaveLength(1);
    const old = await handler(standardRequest(URL_, SECRET, resendBody()));
    expect(old.status).toBe(404);
    expect((await json(old)).error).toBe('not-found');
  });

  test('enabled: false answers 404 on every route, naming basePath and the provider paths', async () => {
    const sink = collector();
    const handler = handlerWith([sink], { enabled: false });
    const res = await handler(standardRequest(URL_, SECRET, resendBody()));
    expect(res.status).toBe(404);
    const text = await bodyText(res);
    expect(JSON.parse(text).error).toBe('not-found');
    expect(text).toContain('/webhooks/mail');
    expect(text).toContain('resend');
    expect(sink.events).toHaveLength(0);
  });

  test('another method on a route: 405', async () => {
    const handler = handlerWith([collector()]);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await handler(new Request(URL_, { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      expect((await json(res)).error).toBe('method-not-allowed');
    }
  });

  test('a body over maxBodyBytes: 413, without reading it whole', async () => {
    const handler = handlerWith([collector()], { maxBodyBytes: 1024 });
    let produced = 0;
    const stream = new ReadableStream({
      pull(controller) {
        produced += 4096;
        if (produced > 1024 * 1024) {
          controller.close();
          return;
        }
        controller.enqueue(new Uint8Array(4096).fill(0x20));
      },
    });
    const req = standardRequest(URL_, SECRET, '');
    const res = await handler(
      new Request(URL_, {
        method: 'POST',
        headers: req.headers,
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect((await json(res)).error).toBe('body-too-large');
    expect(produced).toBeLessThan(1024 * 1024);
    // Content-Length alone is enough to refuse.
    const declared = await handler(
      new Request(URL_, {
        method: 'POST',
        headers: { ...Object.fromEntries(req.headers), 'content-length': '5000' },
        body: 'x'.repeat(5000),
      }),
    );
    expect(declared.status).toBe(413);
    expect((await json(declared)).error).toBe('body-too-large');
  });

  test('a body over the default maxBodyBytes (1048576) is 413; one at the limit is read', async () => {
    const handler = handlerWith([collector()]);
    const signed = standardRequest(URL_, SECRET, resendBody());
    const big = await handler(
      new Request(URL_, { method: 'POST', headers: signed.headers, body: 'x'.repeat(1048577) }),
    );
    expect(big.status).toBe(413);
    expect((await json(big)).error).toBe('body-too-large');
    const atLimit = await handler(
      new Request(URL_, { method: 'POST', headers: signed.headers, body: 'x'.repeat(1048576) }),
    );
    // Read whole and checked: not the body that was signed.
    expect(atLimit.status).toBe(403);
    expect((await json(atLimit)).error).toBe('signature-invalid');
  });

  test('a malformed Host or a 64 KB query string never gives 500', async () => {
    const handler = handlerWith([collector()]);
    const longQuery = await handler(
      new Request(`${URL_}?${'a=1&'.repeat(16 * 1024)}`, { method: 'POST', body: '{}' }),
    );
    // Routed by its pathname: an unsigned post, refused as one.
    expect(longQuery.status).toBe(403);
    expect((await json(longQuery)).error).toBe('signature-missing');
    const host = await handler(
      new Request(URL_, { method: 'POST', body: '{}', headers: { host: '[::1' } }),
    );
    expect(host.status).toBe(400);
    expect((await json(host)).error).toBe('invalid-host');
  });

  test('handleMailWebhook(request, options) answers like the handler', async () => {
    const sink = collector();
    const res = await handleMailWebhook(standardRequest(URL_, SECRET, resendBody()), {
      providers: [resend({ secret: SECRET })],
      sinks: [sink],
      logger: recordingLogger(),
    });
    expect(res.status).toBe(200);
    expect(sink.events).toHaveLength(1);
  });
});

describe('options', () => {
  test('an unknown option key is a ConfigError naming the key and the closest known one', () => {
    const error = configErrorOf(() => createMailWebhookHandler({ maxBodyByte: 10 } as any));
    expect(error.message).toContain('maxBodyByte');
    expect(error.message).toContain('maxBodyBytes');
  });

  test('an unknown provider option key is a ConfigError naming it', () => {
    const error = configErrorOf(() =>
      createMailWebhookHandler({ providers: [ses({ topicArn: ['x'] } as any)] }),
    );
    expect(error.message).toContain('topicArn');
    expect(error.message).toContain('topicArns');
  });

  test('the old top-level ses option is a ConfigError pointing to providers: [ses({...})]', () => {
    const error = configErrorOf(() => createMailWebhookHandler({ ses: { topicArns: [] } } as any));
    expect(error.message).toContain('providers: [ses(');
  });

  test('apiToken without a store, resend without a secret, two providers on one path: ConfigError', () => {
    expect(() => createMailWebhookHandler({ apiToken: 't' } as any)).toThrow(ConfigError);
    expect(() => createMailWebhookHandler({ providers: [resend({} as any)] })).toThrow(ConfigError);
    expect(() =>
      createMailWebhookHandler({
        providers: [resend({ secret: SECRET }), resend({ secret: newWhsec() })],
      }),
    ).toThrow(ConfigError);
  });

  test('one ESP mounted twice on different paths, each with its own secret', async () => {
    const other = newWhsec();
    const sink = collector();
    const handler = createMailWebhookHandler({
      providers: [resend({ secret: SECRET }), resend({ secret: other, path: 'resend-b' })],
      sinks: [sink],
      logger: recordingLogger(),
    });
    expect((await handler(standardRequest(URL_, SECRET, resendBody()))).status).toBe(200);
    expect((await handler(standardRequest(`${URL_}-b`, other, resendBody()))).status).toBe(200);
    const crossed = await handler(standardRequest(`${URL_}-b`, SECRET, resendBody()));
    expect(crossed.status).toBe(403);
    expect((await json(crossed)).error).toBe('signature-invalid');
    expect(sink.events).toHaveLength(2);
  });
});

describe('EventBus and listeners', () => {
  test('object, class and function listeners run in subscription order; unsubscribe stops one', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, {
      handle(context: EmailTrackingContext, next: (c: EmailTrackingContext) => unknown) {
        seen.push(`object:${context.eventType}`);
        return next(context);
      },
    });
    class Listener {
      async handle(context: EmailTrackingContext, next: (c: EmailTrackingContext) => unknown) {
        seen.push(`class:${context.recipient}`);
        return next(context);
      }
    }
    bus.subscribe(EmailTrackingEvent, Listener as any);
    const off = bus.subscribe(EmailTrackingEvent, (context: EmailTrackingContext, next: any) => {
      seen.push('fn');
      return next(context);
    });
    const handler = handlerWith([bus]);
    expect((await handler(standardRequest(URL_, SECRET, resendBody()))).status).toBe(200);
    expect(seen).toEqual(['object:delivered', 'class:to@example.com', 'fn']);
    off();
    seen.length = 0;
    await handler(standardRequest(URL_, SECRET, resendBody()));
    expect(seen).toEqual(['object:delivered', 'class:to@example.com']);
  });

  test('a function whose prototype.handle is a function counts as a class listener', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    function Legacy(this: any) {}
    Legacy.prototype.handle = (context: EmailTrackingContext, next: any) => {
      seen.push(context.eventType);
      return next(context);
    };
    bus.subscribe(EmailTrackingEvent, Legacy as any);
    expect((await handlerWith([bus])(standardRequest(URL_, SECRET, resendBody()))).status).toBe(
      200,
    );
    expect(seen).toEqual(['delivered']);
  });

  test('a listener that throws fails the request with 503', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, () => {
      throw new Error('boom');
    });
    const res = await handlerWith([bus])(standardRequest(URL_, SECRET, resendBody()));
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('sink-failed');
  });

  test('a listener that never settles: 503 listener-timeout after listenerTimeoutMs', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, function stuckListener() {
      return new Promise(() => {});
    });
    const res = await handlerWith([bus], { listenerTimeoutMs: 50 })(
      standardRequest(URL_, SECRET, resendBody()),
    );
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('listener-timeout');
  });

  test('a later listener error is not lost when an earlier one calls next() without returning it', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (context: EmailTrackingContext, next: any) => {
      next(context);
    });
    bus.subscribe(EmailTrackingEvent, async () => {
      throw new Error('late');
    });
    const res = await handlerWith([bus])(standardRequest(URL_, SECRET, resendBody()));
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('sink-failed');
  });

  test('EventBus.subscribe is the process-wide default bus, used (and each event logged) when no sink is configured', async () => {
    const seen: EmailTrackingContext[] = [];
    const off = EventBus.subscribe(
      EmailTrackingEvent,
      (context: EmailTrackingContext, next: any) => {
        seen.push(context);
        return next(context);
      },
    );
    try {
      const logger = recordingLogger();
      const handler = createMailWebhookHandler({ providers: [resend({ secret: SECRET })], logger });
      const body = resendBody('email.delivered', ['one@example.com', 'two@example.com']);
      expect((await handler(standardRequest(URL_, SECRET, body))).status).toBe(200);
      expect(seen.map((c) => c.recipient)).toEqual(['one@example.com', 'two@example.com']);
      expect(logger.lines.filter((l) => l.text.includes('one@example.com'))).toHaveLength(1);
      expect(logger.lines.filter((l) => l.text.includes('two@example.com'))).toHaveLength(1);
    } finally {
      off();
    }
  });
});

describe('deadlines', () => {
  test('a sink slower than deliveryTimeoutMs: 503 sink-timeout', async () => {
    const slow: Sink = { name: 'slow', send: () => new Promise(() => {}) };
    const res = await handlerWith([slow], { deliveryTimeoutMs: 50 })(
      standardRequest(URL_, SECRET, resendBody()),
    );
    expect(res.status).toBe(503);
    expect((await json(res)).error).toBe('sink-timeout');
  });

  test('a body not read whole within bodyTimeoutMs: 408 body-timeout', async () => {
    const handler = handlerWith([collector()], { bodyTimeoutMs: 50 });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"type":'));
        // never closes
      },
    });
    const signed = standardRequest(URL_, SECRET, resendBody());
    const res = await handler(
      new Request(URL_, {
        method: 'POST',
        headers: signed.headers,
        body: stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(res.status).toBe(408);
    expect((await json(res)).error).toBe('body-timeout');
  });
});
