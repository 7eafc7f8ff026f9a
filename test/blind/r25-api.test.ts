/** Blind round 25, area A: the public API, options, the event bus, the wire format and the receiver, read from DESIGN only. */
import { readdirSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import * as root from '../../src/index.js';
import {
  ConfigError,
  createFanoutSink,
  createMailWebhookHandler,
  decodeTrackingEvent,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  encodeTrackingEvent,
  handleMailWebhook,
  type MailWebhookOptions,
  type NextFn,
  type Sink,
  ses,
  WireFormatError,
} from '../../src/index.js';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver.js';
import { unverifiedProviders } from '../helpers/unverified-providers.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../fixtures/ses/${name}`, import.meta.url), 'utf8'));
const bounceEvent = fixture('event-publishing-bounce.json');

let snsCounter = 0;
/** An SNS Notification carrying `message`, as SNS posts it (unsigned: the handler runs with verification off). */
function snsRequest(
  message: unknown,
  path = '/webhooks/mail/ses',
  messageId = `msg-${++snsCounter}`,
): Request {
  const body = {
    Type: 'Notification',
    MessageId: messageId,
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:ses-events',
    Message: JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    SignatureVersion: '1',
    Signature: 'EXAMPLE',
    SigningCertURL:
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
  };
  return new Request(`https://hooks.example.com${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=UTF-8',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': messageId,
    },
    body: JSON.stringify(body),
  });
}

/** A sink that records what it received. */
function recorder(name = 'recorder'): Sink & { got: EmailTrackingContext[] } {
  const got: EmailTrackingContext[] = [];
  return { name, got, send: async (events) => void got.push(...events) };
}

function handlerWith(options: MailWebhookOptions = {}) {
  return createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    logger: silent,
    ...options,
  });
}

function sampleContext(over: Partial<EmailTrackingContext> = {}): EmailTrackingContext {
  return {
    eventType: 'bounced',
    messageId: 'msg-1',
    recipient: 'jane@example.com',
    timestamp: new Date('2024-05-01T12:34:56.789Z'),
    espName: 'ses',
    tags: ['welcome', 'campaign:spring'],
    metadata: { userId: '42' },
    rejectReason: 'Permanent/General',
    description: 'smtp; 550 5.1.1 user unknown',
    clickUrl: null,
    userAgent: null,
    rawEvent: { eventType: 'Bounce', nested: { a: [1, 2] } },
    eventId: 'evt-1',
    mtaResponse: 'smtp; 550 5.1.1 user unknown',
    rejectCategory: 'bounced',
    permanent: true,
    ...over,
  };
}

const wireObject = (over: Record<string, unknown> = {}) => ({
  ...JSON.parse(encodeTrackingEvent(sampleContext())),
  ...over,
});

describe('Public API', () => {
  it('exports every name DESIGN lists from the root', () => {
    for (const name of [
      'createMailWebhookHandler',
      'handleMailWebhook',
      'EventBus',
      'ses',
      'resend',
      'sendgrid',
      'mailgun',
      'postmark',
      'sesEventBridge',
      'brevo',
      'mailjet',
      'mandrill',
      'mailersend',
      'mailtrap',
      'sparkpost',
      'postal',
      'mailpace',
      'loops',
      'unisenderGo',
      'scaleway',
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
      expect(typeof (root as Record<string, unknown>)[name], name).toBe('function');
    }
    expect(root.EmailTrackingEvent).toBeDefined();
  });

  it('keeps parser internals and subpath plumbing off the root', () => {
    const names = Object.keys(root);
    for (const name of [
      'verifyTrackingWebhook',
      'consumeQueueBatch',
      'createHandlerFromEnv',
      'serve',
      'createWorker',
    ]) {
      expect(names, name).not.toContain(name);
    }
    expect(names.filter((n) => /^(parse|_)/.test(n))).toEqual([]);
    expect(names.length).toBeLessThan(50);
  });

  it('serves the subpaths: env, cloudflare, node, deno, bun, receiver', async () => {
    const env = await import('../../src/env/index.js');
    expect(typeof env.createHandlerFromEnv).toBe('function');
    const cf = await import('../../src/adapters/cloudflare.js');
    expect(typeof cf.consumeQueueBatch).toBe('function');
    expect(typeof cf.default.fetch).toBe('function');
    const node = await import('../../src/adapters/node.js');
    expect(typeof node.createMailWebhookHandler).toBe('function');
    expect(typeof node.serve).toBe('function');
    expect(typeof (await import('../../src/adapters/deno.js')).serve).toBe('function');
    expect(typeof (await import('../../src/adapters/bun.js')).serve).toBe('function');
    expect(typeof verifyTrackingWebhook).toBe('function');
    expect(new WebhookVerificationError('signature-invalid', 'x')).toBeInstanceOf(Error);
  });

  it('mailhooks/node createMailWebhookHandler has the same signature and delivers', async () => {
    const { createMailWebhookHandler: nodeHandler } = await import('../../src/adapters/node.js');
    const sink = recorder();
    const handle = nodeHandler({
      providers: [ses({ verifySignature: false })],
      sinks: [sink],
      logger: silent,
    });
    const res = await handle(snsRequest(bounceEvent));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    expect(sink.got).toHaveLength(1);
  });

  it('handleMailWebhook answers one request with the options given', async () => {
    const sink = recorder();
    const res = await handleMailWebhook(snsRequest(bounceEvent), {
      providers: [ses({ verifySignature: false })],
      sinks: [sink],
      logger: silent,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    expect(sink.got[0]?.recipient).toBe('recipient@example.com');
  });
});

describe('MailWebhookOptions', () => {
  it('routes POST /webhooks/mail/ses by default and answers { ok, events }', async () => {
    const sink = recorder();
    const res = await handlerWith({ sinks: [sink] })(snsRequest(bounceEvent));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 1 });
  });

  it('basePath moves the routes; the old path is 404 naming the new basePath', async () => {
    const handle = handlerWith({ basePath: '/hooks', sinks: [recorder()] });
    expect((await handle(snsRequest(bounceEvent, '/hooks/ses'))).status).toBe(200);
    const res = await handle(snsRequest(bounceEvent, '/webhooks/mail/ses'));
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('/hooks');
    expect(text).toContain('ses');
  });

  it('enabled: false answers 404 on every route', async () => {
    const sink = recorder();
    const handle = handlerWith({ enabled: false, sinks: [sink] });
    expect((await handle(snsRequest(bounceEvent))).status).toBe(404);
    expect(sink.got).toEqual([]);
  });

  it('an unknown provider path is 404 naming basePath and the configured provider paths', async () => {
    const res = await handlerWith()(snsRequest(bounceEvent, '/webhooks/mail/resend'));
    expect(res.status).toBe(404);
    const text = await res.text();
    expect(text).toContain('/webhooks/mail');
    expect(text).toContain('ses');
  });

  it('providers default to [ses()]: /ses is routed, /resend is not', async () => {
    const handle = createMailWebhookHandler({ logger: silent });
    const notJson = (path: string) =>
      handle(new Request(`https://h.example${path}`, { method: 'POST', body: 'not json' }));
    expect((await notJson('/webhooks/mail/ses')).status).not.toBe(404);
    expect((await notJson('/webhooks/mail/resend')).status).toBe(404);
  });

  it('another method on a route is 405', async () => {
    const res = await handlerWith()(
      new Request('https://h.example/webhooks/mail/ses', { method: 'GET' }),
    );
    expect(res.status).toBe(405);
  });

  it('sinks receive events in the order given', async () => {
    const order: string[] = [];
    const mk = (name: string): Sink => ({ name, send: async () => void order.push(name) });
    const res = await handlerWith({ sinks: [mk('a'), mk('b'), mk('c')] })(snsRequest(bounceEvent));
    expect(res.status).toBe(200);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('a failing sink is 503 so the ESP retries', async () => {
    const failing: Sink = {
      name: 'broken',
      send: async () => {
        throw new Error('down');
      },
    };
    const res = await handlerWith({ sinks: [failing] })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
  });

  it('maxBodyBytes: one byte over is 413; the default is 1048576', async () => {
    const big = (n: number) =>
      new Request('https://h.example/webhooks/mail/ses', { method: 'POST', body: 'x'.repeat(n) });
    expect((await handlerWith({ maxBodyBytes: 10 })(big(11))).status).toBe(413);
    expect((await handlerWith({ maxBodyBytes: 10 })(big(10))).status).toBe(400);
    expect((await handlerWith()(big(1_048_577))).status).toBe(413);
    expect((await handlerWith()(big(1_048_576))).status).toBe(400);
  });

  it('without sinks, events go to the process-wide default EventBus', async () => {
    const got: EmailTrackingContext[] = [];
    const off = EventBus.subscribe(EmailTrackingEvent, (ctx, next) => {
      got.push(ctx);
      return next(ctx);
    });
    try {
      const res = await handlerWith()(snsRequest(bounceEvent));
      expect(res.status).toBe(200);
      expect(got.map((c) => c.recipient)).toEqual(['recipient@example.com']);
    } finally {
      off();
    }
  });

  it('logger receives the refusal of an unknown path', async () => {
    const lines: string[] = [];
    const rec = (level: string) => (msg: unknown) => void lines.push(`${level}:${String(msg)}`);
    const logger = {
      debug: rec('debug'),
      info: rec('info'),
      warn: rec('warn'),
      error: rec('error'),
    };
    const handle = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      logger,
    });
    lines.length = 0;
    expect((await handle(snsRequest(bounceEvent, '/webhooks/mail/nope'))).status).toBe(404);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('listenerTimeoutMs: a listener that never settles is 503 listener-timeout naming it', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, function stuckListener() {
      return new Promise<never>(() => {});
    });
    const res = await handlerWith({ sinks: [bus], listenerTimeoutMs: 30 })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain('listener-timeout');
    expect(text).toContain('stuckListener');
  });

  it('deliveryTimeoutMs: a sink that never settles is 503 sink-timeout', async () => {
    const stuck: Sink = { name: 'stuck', send: () => new Promise<never>(() => {}) };
    const res = await handlerWith({ sinks: [stuck], deliveryTimeoutMs: 30 })(
      snsRequest(bounceEvent),
    );
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('sink-timeout');
  });

  it('fetch and now: a real signed SNS message verifies with the certificate from the given fetch', async () => {
    const { realMessages, realCertificates } = await import('../fixtures/sns-real/index.js');
    const msg = realMessages.find(
      (m) => m.name === 'perl-aws-sns-verify/notification-2019-no-subject.json',
    );
    if (!msg) throw new Error('fixture missing');
    const body = JSON.parse(msg.json);
    const fetched: string[] = [];
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [body.TopicArn] })],
      logger: silent,
      now: () => new Date(body.Timestamp),
      fetch: async (input) => {
        const url = String(input instanceof Request ? input.url : input);
        fetched.push(url);
        const pem = realCertificates[url.split('/').pop() ?? ''];
        return new Response(pem ?? 'nope', { status: pem ? 200 : 404 });
      },
    });
    const res = await handle(
      new Request('https://h.example/webhooks/mail/ses', {
        method: 'POST',
        headers: { 'x-amz-sns-message-type': body.Type, 'x-amz-sns-message-id': body.MessageId },
        body: msg.json,
      }),
    );
    expect(res.status).toBe(200);
    expect(fetched).toEqual([body.SigningCertURL]);
  });

  it('options set to undefined take their defaults', async () => {
    const sink = recorder();
    const res = await handlerWith({ basePath: undefined, maxBodyBytes: undefined, sinks: [sink] })(
      snsRequest(bounceEvent),
    );
    expect(res.status).toBe(200);
    expect(sink.got).toHaveLength(1);
  });

  it('a basePath with a trailing slash still routes {basePath}/ses', async () => {
    const res = await handlerWith({ basePath: '/hooks/', sinks: [recorder()] })(
      snsRequest(bounceEvent, '/hooks/ses'),
    );
    expect(res.status).toBe(200);
  });

  it('one ESP mounted twice under two paths answers on both', async () => {
    const sink = recorder();
    const handle = createMailWebhookHandler({
      providers: [
        ses({ path: 'ses-a', verifySignature: false }),
        ses({ path: 'ses-b', verifySignature: false }),
      ],
      sinks: [sink],
      logger: silent,
    });
    expect((await handle(snsRequest(bounceEvent, '/webhooks/mail/ses-a'))).status).toBe(200);
    expect((await handle(snsRequest(bounceEvent, '/webhooks/mail/ses-b'))).status).toBe(200);
    expect((await handle(snsRequest(bounceEvent, '/webhooks/mail/ses'))).status).toBe(404);
    expect(sink.got.map((c) => c.espName)).toEqual(['ses', 'ses']);
  });

  it('enabled: false answers 404 even to another method', async () => {
    const res = await handlerWith({ enabled: false })(
      new Request('https://h.example/webhooks/mail/ses'),
    );
    expect(res.status).toBe(404);
  });

  it('the answer counts one event per recipient context', async () => {
    const sink = recorder();
    const twoRecipients = {
      ...bounceEvent,
      bounce: {
        ...(bounceEvent.bounce as object),
        bouncedRecipients: [{ emailAddress: 'a@example.com' }, { emailAddress: 'b@example.com' }],
      },
    };
    const res = await handlerWith({ sinks: [sink] })(snsRequest(twoRecipients));
    expect(await res.json()).toEqual({ ok: true, events: 2 });
    expect(sink.got.map((c) => c.recipient)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('a class listener that never settles is named by its class in the listener-timeout answer', async () => {
    const bus = new EventBus();
    class SlowAuditListener {
      handle() {
        return new Promise<never>(() => {});
      }
    }
    bus.subscribe(EmailTrackingEvent, SlowAuditListener);
    const res = await handlerWith({ sinks: [bus], listenerTimeoutMs: 30 })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain('listener-timeout');
    expect(text).toContain('SlowAuditListener');
  });

  it('a logger with more methods (pino-like) or with methods on its prototype is accepted and called on its object', async () => {
    class LineLogger {
      readonly lines: string[] = [];
      debug(msg: string) {
        this.lines.push(msg);
      }
      info(msg: string) {
        this.lines.push(msg);
      }
      warn(msg: string) {
        this.lines.push(msg);
      }
      error(msg: string) {
        this.lines.push(msg);
      }
      fatal() {}
      child() {
        return this;
      }
    }
    const logger = new LineLogger();
    const handle = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      logger,
    });
    expect((await handle(snsRequest(bounceEvent, '/webhooks/mail/nope'))).status).toBe(404);
    expect(logger.lines.length).toBeGreaterThan(0);
  });

  describe('default deadlines (fake clock)', () => {
    async function settleAt(pending: Promise<Response>, before: number, after: number) {
      let res: Response | undefined;
      void pending.then((r) => {
        res = r;
      });
      await vi.advanceTimersByTimeAsync(before);
      const early = res;
      await vi.advanceTimersByTimeAsync(after - before);
      return { early, res };
    }

    it('listenerTimeoutMs defaults to 5000', async () => {
      vi.useFakeTimers();
      try {
        const bus = new EventBus();
        bus.subscribe(EmailTrackingEvent, function stuckForever() {
          return new Promise<never>(() => {});
        });
        const { early, res } = await settleAt(
          handlerWith({ sinks: [bus] })(snsRequest(bounceEvent)),
          4_900,
          5_100,
        );
        expect(early).toBeUndefined();
        expect(res?.status).toBe(503);
        expect(await res?.text()).toContain('listener-timeout');
      } finally {
        vi.useRealTimers();
      }
    });

    it('deliveryTimeoutMs defaults to 10000', async () => {
      vi.useFakeTimers();
      try {
        const stuck: Sink = { name: 'stuck', send: () => new Promise<never>(() => {}) };
        const { early, res } = await settleAt(
          handlerWith({ sinks: [stuck] })(snsRequest(bounceEvent)),
          9_900,
          10_100,
        );
        expect(early).toBeUndefined();
        expect(res?.status).toBe(503);
        expect(await res?.text()).toContain('sink-timeout');
      } finally {
        vi.useRealTimers();
      }
    });

    it('bodyTimeoutMs defaults to 30000: a body never finished is 408 body-timeout', async () => {
      vi.useFakeTimers();
      try {
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"Type":'));
          },
        });
        const req = new Request('https://h.example/webhooks/mail/ses', {
          method: 'POST',
          headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'slow-1' },
          body,
          duplex: 'half',
        } as RequestInit);
        const { early, res } = await settleAt(
          handlerWith({ sinks: [recorder()] })(req),
          29_900,
          30_100,
        );
        expect(early).toBeUndefined();
        expect(res?.status).toBe(408);
        expect(await res?.text()).toContain('body-timeout');
      } finally {
        vi.useRealTimers();
      }
    });
  });

  describe('configuration errors', () => {
    const configError = (fn: () => unknown): ConfigError => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return error as ConfigError;
      }
      throw new Error('no ConfigError thrown');
    };

    it('a typo in a fan-out endpoint key (event for events) is refused, never sending every type', () => {
      const err = configError(() =>
        createFanoutSink({
          endpoints: [
            {
              url: 'https://a.example/h',
              secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
              event: ['bounced'],
            } as never,
          ],
        }),
      );
      expect(err.message).toContain('event');
      expect(err.message).toContain('events');
    });

    it('a typo in the fan-out options is refused naming the closest key', () => {
      const err = configError(() =>
        createFanoutSink({
          endpoints: [
            { url: 'https://a.example/h', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
          ],
          retry: 3,
        } as never),
      );
      expect(err.message).toContain('retry');
      expect(err.message).toContain('retries');
    });

    it('a fan-out secret that is not a base64 key is refused at configuration', () => {
      configError(() =>
        createFanoutSink({
          endpoints: [{ url: 'https://a.example/h', secret: 'whsec_!!not base64!!' }],
        }),
      );
    });

    it('a non-boolean verifySignature is refused, never read as off', () => {
      expect(configError(() => ses({ verifySignature: 'false' as never })).message).toContain(
        'verifySignature',
      );
    });

    it('a typo in another provider factory names the closest key', () => {
      const err = configError(() =>
        root.resend({ secrets: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } as never),
      );
      expect(err.message).toContain('secrets');
      expect(err.message).toContain('secret');
    });

    it('fetch or now that is not a function is refused naming it', () => {
      expect(
        configError(() => createMailWebhookHandler({ fetch: 'x' as never })).message,
      ).toContain('fetch');
      expect(
        configError(() => createMailWebhookHandler({ now: new Date() as never })).message,
      ).toContain('now');
    });

    it('a far-off unknown key is still named', () => {
      expect(configError(() => createMailWebhookHandler({ zzzq: 1 } as never)).message).toContain(
        'zzzq',
      );
    });

    it('two providers on the same path are refused', () => {
      configError(() =>
        createMailWebhookHandler({
          providers: [ses({ verifySignature: false }), ses({ verifySignature: false })],
          logger: silent,
        }),
      );
    });

    it('a store option typo is refused', () => {
      const db = { prepare() {}, exec() {} };
      expect(() =>
        root.createSqliteStore(db as never, { ignoreLocalpartCase: true } as never),
      ).toThrow(ConfigError);
    });

    it('an empty apiToken is refused, never an open door', () => {
      const db = { prepare() {}, exec() {} };
      const store = root.createSqliteStore(db as never);
      expect(
        configError(() => createMailWebhookHandler({ store, apiToken: '' })).message,
      ).toContain('apiToken');
    });

    it('a misspelt key set to undefined is still refused', () => {
      expect(
        configError(() => createMailWebhookHandler({ basPath: undefined } as never)).message,
      ).toContain('basePath');
    });

    it('topicArns given as one string is refused naming topicArns, never read character by character', () => {
      expect(
        configError(() => ses({ topicArns: 'arn:aws:sns:us-east-1:123456789012:t' as never }))
          .message,
      ).toContain('topicArns');
    });

    it('an unknown option key names the key and the closest known one', () => {
      const err = configError(() => createMailWebhookHandler({ basPath: '/x' } as never));
      expect(err.message).toContain('basPath');
      expect(err.message).toContain('basePath');
    });

    it('a typo of maxBodyBytes names it and suggests the right key', () => {
      const err = configError(() => createMailWebhookHandler({ maxBodyByte: 10 } as never));
      expect(err.message).toContain('maxBodyByte');
      expect(err.message).toContain('maxBodyBytes');
    });

    it('an unknown key on handleMailWebhook is refused too', async () => {
      await expect(
        (async () => handleMailWebhook(snsRequest(bounceEvent), { sink: [] } as never))(),
      ).rejects.toBeInstanceOf(ConfigError);
    });

    it('the old top-level ses: {...} option says providers: [ses({...})]', () => {
      const err = configError(() => createMailWebhookHandler({ ses: { topicArns: [] } } as never));
      expect(err.message).toContain('providers: [ses(');
    });

    it('apiToken without store is a ConfigError naming both', () => {
      const err = configError(() => createMailWebhookHandler({ apiToken: 'tok' }));
      expect(err.message).toContain('apiToken');
      expect(err.message).toContain('store');
    });

    it('autoConfirm without topicArns is a ConfigError', () => {
      const err = configError(() =>
        createMailWebhookHandler({ providers: [ses({ autoConfirm: true })] }),
      );
      expect(err.message).toMatch(/topicArns/);
    });

    it('a provider option typo names the key and the closest known one', () => {
      const err = configError(() => ses({ topicArn: ['arn:aws:sns:us-east-1:1:t'] } as never));
      expect(err.message).toContain('topicArn');
      expect(err.message).toContain('topicArns');
    });

    it('a bad option value names the option', () => {
      expect(configError(() => createMailWebhookHandler({ maxBodyBytes: -1 })).message).toContain(
        'maxBodyBytes',
      );
      expect(
        configError(() => createMailWebhookHandler({ maxBodyBytes: 'big' as never })).message,
      ).toContain('maxBodyBytes');
      expect(
        configError(() => createMailWebhookHandler({ enabled: 'yes' as never })).message,
      ).toContain('enabled');
      expect(
        configError(() => createMailWebhookHandler({ listenerTimeoutMs: 0 })).message,
      ).toContain('listenerTimeoutMs');
    });

    it('an empty providers list or a non-provider entry is refused', () => {
      configError(() => createMailWebhookHandler({ providers: [{} as never] }));
    });

    it('a sink without send is refused naming sinks', () => {
      expect(
        configError(() => createMailWebhookHandler({ sinks: [{ name: 'x' } as never] })).message,
      ).toContain('sinks');
    });

    it('a logger missing a method is refused naming logger', () => {
      expect(
        configError(() => createMailWebhookHandler({ logger: { info() {} } as never })).message,
      ).toContain('logger');
    });
  });
});

describe('EventBus and listeners', () => {
  const ctx = sampleContext();

  it('an object with handle(context, next) receives the context', async () => {
    const bus = new EventBus();
    const got: EmailTrackingContext[] = [];
    bus.subscribe(EmailTrackingEvent, {
      handle(c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        got.push(c);
        return next(c);
      },
    });
    await bus.send([ctx]);
    expect(got).toEqual([ctx]);
  });

  it('a class with handle and a no-argument constructor is instantiated and called', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    class TrackingListener {
      readonly prefix = 'seen:';
      handle(c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        got.push(this.prefix + c.recipient);
        return next(c);
      }
    }
    bus.subscribe(EmailTrackingEvent, TrackingListener);
    await bus.send([ctx]);
    expect(got).toEqual(['seen:jane@example.com']);
  });

  it('a function whose prototype.handle is a function counts as a class (ES5-compiled)', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    function Legacy(this: { tag: string }) {
      this.tag = 'es5';
    }
    Legacy.prototype.handle = function (
      this: { tag: string },
      c: EmailTrackingContext,
      next: (c: unknown) => unknown,
    ) {
      got.push(`${this.tag}:${c.eventType}`);
      return next(c);
    };
    bus.subscribe(EmailTrackingEvent, Legacy as never);
    await bus.send([ctx]);
    expect(got).toEqual(['es5:bounced']);
  });

  it('a plain function (context, next) is called', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      got.push(c.recipient);
      return next(c);
    });
    await bus.send([ctx]);
    expect(got).toEqual(['jane@example.com']);
  });

  it('listeners run in subscription order, each context through the chain', async () => {
    const bus = new EventBus();
    const order: string[] = [];
    for (const name of ['first', 'second', 'third']) {
      bus.subscribe(EmailTrackingEvent, (c, next) => {
        order.push(`${name}:${c.recipient}`);
        return next(c);
      });
    }
    await bus.send([ctx, sampleContext({ recipient: 'bob@example.com' })]);
    expect(order).toEqual([
      'first:jane@example.com',
      'second:jane@example.com',
      'third:jane@example.com',
      'first:bob@example.com',
      'second:bob@example.com',
      'third:bob@example.com',
    ]);
  });

  it('next(context) passes a changed context to the next listener', async () => {
    const bus = new EventBus();
    let seen: EmailTrackingContext | undefined;
    bus.subscribe(EmailTrackingEvent, (c, next) => next({ ...c, tags: [...c.tags, 'added'] }));
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      seen = c;
      return next(c);
    });
    await bus.send([ctx]);
    expect(seen?.tags).toEqual(['welcome', 'campaign:spring', 'added']);
  });

  it('a listener that does not call next stops the chain for that context', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribe(EmailTrackingEvent, () => undefined);
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      got.push(c.recipient);
      return next(c);
    });
    await bus.send([ctx]);
    expect(got).toEqual([]);
  });

  it('async listeners are awaited in order', async () => {
    const bus = new EventBus();
    const order: string[] = [];
    bus.subscribe(EmailTrackingEvent, async (c, next) => {
      await new Promise((r) => setTimeout(r, 5));
      order.push('slow');
      return next(c);
    });
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      order.push('fast');
      return next(c);
    });
    await bus.send([ctx]);
    expect(order).toEqual(['slow', 'fast']);
  });

  it('unsubscribe stops delivery; calling it twice is harmless', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    const off = bus.subscribe(EmailTrackingEvent, (c, next) => {
      got.push(c.recipient);
      return next(c);
    });
    await bus.send([ctx]);
    off();
    off();
    await bus.send([ctx]);
    expect(got).toEqual(['jane@example.com']);
  });

  it('unsubscribing one of two identical listeners leaves the other', async () => {
    const bus = new EventBus();
    let calls = 0;
    const listener = (c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) => {
      calls++;
      return next(c);
    };
    const off = bus.subscribe(EmailTrackingEvent, listener);
    bus.subscribe(EmailTrackingEvent, listener);
    off();
    await bus.send([ctx]);
    expect(calls).toBe(1);
  });

  it('an EventBus instance is a Sink with a name, separate from the default bus', async () => {
    const bus = new EventBus();
    expect(typeof bus.name).toBe('string');
    const mine: string[] = [];
    const global: string[] = [];
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      mine.push(c.recipient);
      return next(c);
    });
    const off = EventBus.subscribe(EmailTrackingEvent, (c, next) => {
      global.push(c.recipient);
      return next(c);
    });
    try {
      const res = await handlerWith({ sinks: [bus] })(snsRequest(bounceEvent));
      expect(res.status).toBe(200);
      expect(mine).toEqual(['recipient@example.com']);
      expect(global).toEqual([]);
    } finally {
      off();
    }
  });

  it('a listener that throws fails the request with 503', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, () => {
      throw new Error('listener broke');
    });
    const res = await handlerWith({ sinks: [bus] })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
    expect(await res.text()).not.toContain('at ');
  });

  it('a later listener error is not lost when an earlier one calls next() without returning it', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      next(c);
    });
    bus.subscribe(EmailTrackingEvent, async () => {
      await Promise.resolve();
      throw new Error('late failure');
    });
    const res = await handlerWith({ sinks: [bus] })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
  });

  it('an object listener is called as a method: this is the object', async () => {
    const bus = new EventBus();
    const listener = {
      seen: [] as string[],
      handle(c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        this.seen.push(c.recipient);
        return next(c);
      },
    };
    bus.subscribe(EmailTrackingEvent, listener);
    await bus.send([ctx]);
    expect(listener.seen).toEqual(['jane@example.com']);
  });

  it('subscribing something that is not a listener throws at once', () => {
    const bus = new EventBus();
    expect(() => bus.subscribe(EmailTrackingEvent, {} as never)).toThrow();
    expect(() => bus.subscribe(EmailTrackingEvent, 42 as never)).toThrow();
  });

  it('send rejects when a listener throws, and when a later listener throws after an unreturned next()', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      next(c);
    });
    bus.subscribe(EmailTrackingEvent, () => {
      throw new Error('sync late failure');
    });
    await expect(bus.send([ctx])).rejects.toThrow();
  });

  it('a class listener that throws in handle fails the request with 503', async () => {
    const bus = new EventBus();
    class Exploding {
      handle(): never {
        throw new Error('boom');
      }
    }
    bus.subscribe(EmailTrackingEvent, Exploding);
    expect((await handlerWith({ sinks: [bus] })(snsRequest(bounceEvent))).status).toBe(503);
  });

  it('EventBus.subscribe accepts a class for the default bus', async () => {
    const got: string[] = [];
    class DefaultBusListener {
      handle(c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        got.push(c.eventType);
        return next(c);
      }
    }
    const off = EventBus.subscribe(EmailTrackingEvent, DefaultBusListener);
    try {
      expect((await handlerWith()(snsRequest(bounceEvent))).status).toBe(200);
      expect(got).toEqual(['bounced']);
    } finally {
      off();
    }
  });

  it('a plain non-arrow function without prototype.handle is a plain listener', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    bus.subscribe(
      EmailTrackingEvent,
      function recordRecipient(c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        got.push(c.recipient);
        return next(c);
      },
    );
    await bus.send([ctx]);
    expect(got).toEqual(['jane@example.com']);
  });

  it('a class whose handle is an arrow-function field still works as a class', async () => {
    const bus = new EventBus();
    const got: string[] = [];
    class FieldListener {
      handle = (c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) => {
        got.push(c.recipient);
        return next(c);
      };
    }
    bus.subscribe(EmailTrackingEvent, FieldListener as never);
    await bus.send([ctx]);
    expect(got).toEqual(['jane@example.com']);
  });

  it('subscribing under a key that is not an event key throws', () => {
    expect(() =>
      new EventBus().subscribe('EmailTrackingEvent' as never, (c, next) => next(c)),
    ).toThrow();
  });

  it('vi.fn() listeners and an object whose handle is a vi.fn() are called with the context and next', async () => {
    const bus = new EventBus();
    const first = vi.fn((c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) => next(c));
    const second = {
      handle: vi.fn((c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) => next(c)),
    };
    bus.subscribe(EmailTrackingEvent, first);
    bus.subscribe(EmailTrackingEvent, second);
    await bus.send([ctx]);
    expect(first).toHaveBeenCalledTimes(1);
    expect(first.mock.calls[0]?.[0]).toBe(ctx);
    expect(second.handle).toHaveBeenCalledWith(ctx, expect.any(Function));
  });

  it('a listener that calls next() unreturned and then throws fails the request with 503', async () => {
    const bus = new EventBus();
    const later: string[] = [];
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      void next(c);
      throw new Error('after next');
    });
    bus.subscribe(EmailTrackingEvent, (c, next) => {
      later.push(c.recipient);
      return next(c);
    });
    const res = await handlerWith({ sinks: [bus] })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
    expect(later).toEqual(['recipient@example.com']);
  });

  it('a later listener that hangs after an unreturned next() is the one named in listener-timeout', async () => {
    const bus = new EventBus();
    bus.subscribe(
      EmailTrackingEvent,
      function eager(c: EmailTrackingContext, next: NextFn<EmailTrackingContext>) {
        void next(c);
      },
    );
    bus.subscribe(EmailTrackingEvent, function hangsForever() {
      return new Promise<never>(() => {});
    });
    const res = await handlerWith({ sinks: [bus], listenerTimeoutMs: 30 })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain('listener-timeout');
    expect(text).toContain('hangsForever');
  });

  it('EventBus.subscribe returns an unsubscribe for the default bus', async () => {
    const got: string[] = [];
    const off = EventBus.subscribe(EmailTrackingEvent, (c, next) => {
      got.push(c.recipient);
      return next(c);
    });
    off();
    await handlerWith()(snsRequest(bounceEvent));
    expect(got).toEqual([]);
  });
});

describe('normalized event from the handler', () => {
  it('an SES bounce gives a context of the documented field types and values', async () => {
    const sink = recorder();
    const res = await handlerWith({ sinks: [sink] })(
      snsRequest(bounceEvent, undefined, 'sns-bounce-1'),
    );
    expect(res.status).toBe(200);
    const [c] = sink.got;
    expect(c).toEqual({
      eventType: 'bounced',
      messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      recipient: 'recipient@example.com',
      timestamp: new Date('2017-08-05T00:41:02.669Z'),
      espName: 'ses',
      tags: [],
      metadata: {},
      rejectReason: 'Permanent/General',
      description: 'smtp; 550 5.1.1 user unknown',
      clickUrl: null,
      userAgent: null,
      rawEvent: bounceEvent,
      eventId: 'sns-bounce-1',
      mtaResponse: 'smtp; 550 5.1.1 user unknown',
      rejectCategory: 'bounced',
      permanent: true,
    });
    expect(c?.timestamp).toBeInstanceOf(Date);
  });

  it('a multi-recipient event gives one context each with the same eventId', async () => {
    const sink = recorder();
    const multi = JSON.parse(
      readFileSync(
        new URL(
          '../fixtures/esps/amazon_ses_sns/anymail_multiple_bounce_event.json',
          import.meta.url,
        ),
        'utf8',
      ),
    );
    const message = multi.Message ? JSON.parse(multi.Message) : multi;
    const res = await handlerWith({ sinks: [sink] })(snsRequest(message, undefined, 'sns-multi'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, events: 2 });
    expect(sink.got.map((c) => c.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
    expect(sink.got.map((c) => c.eventId)).toEqual(['sns-multi', 'sns-multi']);
  });
});

describe('wire format', () => {
  const ctx = sampleContext();

  it('encodes to JSON with an ISO 8601 timestamp and every field', () => {
    const json = encodeTrackingEvent(ctx);
    expect(typeof json).toBe('string');
    const obj = JSON.parse(json);
    expect(obj.timestamp).toBe('2024-05-01T12:34:56.789Z');
    expect(obj).toEqual({ ...ctx, timestamp: '2024-05-01T12:34:56.789Z' });
  });

  it('decodes a string back to an equal context with a Date', () => {
    const back = decodeTrackingEvent(encodeTrackingEvent(ctx));
    expect(back).toEqual(ctx);
    expect(back.timestamp).toBeInstanceOf(Date);
  });

  it('decodes a parsed object too', () => {
    expect(decodeTrackingEvent(JSON.parse(encodeTrackingEvent(ctx)))).toEqual(ctx);
  });

  it('round-trips null fields and every event type', () => {
    for (const eventType of root.TRACKING_EVENT_TYPES) {
      const c = sampleContext({
        eventType,
        rejectCategory: null,
        permanent: null,
        rejectReason: null,
      });
      expect(decodeTrackingEvent(encodeTrackingEvent(c))).toEqual(c);
    }
    expect(root.TRACKING_EVENT_TYPES).toEqual([
      'queued',
      'sent',
      'delivered',
      'deferred',
      'bounced',
      'rejected',
      'failed',
      'opened',
      'clicked',
      'complained',
      'unsubscribed',
      'unknown',
    ]);
  });

  it('an old wire object without rejectCategory and permanent decodes with null', () => {
    const { rejectCategory: _c, permanent: _p, ...old } = wireObject();
    const back = decodeTrackingEvent(old);
    expect(back.rejectCategory).toBeNull();
    expect(back.permanent).toBeNull();
    expect(decodeTrackingEvent(JSON.stringify(old)).permanent).toBeNull();
  });

  it('accepts an ISO timestamp with an offset as the same instant', () => {
    const back = decodeTrackingEvent(wireObject({ timestamp: '2024-05-01T14:34:56.789+02:00' }));
    expect(back.timestamp.toISOString()).toBe('2024-05-01T12:34:56.789Z');
  });

  it('decoding an object input leaves it unchanged', () => {
    const obj = wireObject();
    const copy = structuredClone(obj);
    decodeTrackingEvent(obj);
    expect(obj).toEqual(copy);
  });

  it('accepts the range edges and 29 February of a leap year', () => {
    for (const t of [
      '1970-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2024-02-29T00:00:00.000Z',
    ]) {
      expect(decodeTrackingEvent(wireObject({ timestamp: t })).timestamp.toISOString()).toBe(t);
    }
  });

  it('accepts a timestamp without milliseconds', () => {
    expect(
      decodeTrackingEvent(
        wireObject({ timestamp: '2024-05-01T12:34:56Z' }),
      ).timestamp.toISOString(),
    ).toBe('2024-05-01T12:34:56.000Z');
  });

  it('encoding an invalid Date throws WireFormatError naming timestamp', () => {
    expect(() => encodeTrackingEvent(sampleContext({ timestamp: new Date(Number.NaN) }))).toThrow(
      WireFormatError,
    );
  });

  const bad: [string, unknown, string][] = [
    ['not JSON text', '{nope', ''],
    ['an empty string', '', ''],
    ['null', null, ''],
    ['an array', [], ''],
    ['a number', 42, ''],
    ['no eventType', wireObject({ eventType: undefined }), 'eventType'],
    ['an unknown eventType', wireObject({ eventType: 'exploded' }), 'eventType'],
    ['eventType constructor', wireObject({ eventType: 'constructor' }), 'eventType'],
    ['a non-string recipient', wireObject({ recipient: 7 }), 'recipient'],
    ['a missing messageId', wireObject({ messageId: undefined }), 'messageId'],
    [
      'a calendar-impossible timestamp',
      wireObject({ timestamp: '2024-02-30T00:00:00Z' }),
      'timestamp',
    ],
    ['a non-ISO timestamp', wireObject({ timestamp: 'yesterday' }), 'timestamp'],
    ['a numeric timestamp', wireObject({ timestamp: 1714566896 }), 'timestamp'],
    ['tags not an array', wireObject({ tags: 'a,b' }), 'tags'],
    ['a non-string tag', wireObject({ tags: [1] }), 'tags'],
    ['a non-string metadata value', wireObject({ metadata: { n: 1 } }), 'metadata'],
    ['an unknown rejectCategory', wireObject({ rejectCategory: 'nope' }), 'rejectCategory'],
    ['a string permanent', wireObject({ permanent: 'yes' }), 'permanent'],
    ['a non-string clickUrl', wireObject({ clickUrl: 5 }), 'clickUrl'],
    ['a missing espName', wireObject({ espName: undefined }), 'espName'],
    ['a missing eventId', wireObject({ eventId: undefined }), 'eventId'],
    ['a string rawEvent', wireObject({ rawEvent: 'x' }), 'rawEvent'],
    ['T24:00', wireObject({ timestamp: '2024-05-01T24:00:00Z' }), 'timestamp'],
    ['an offset before 1970', wireObject({ timestamp: '1970-01-01T00:30:00+01:00' }), 'timestamp'],
    ['year 10000', wireObject({ timestamp: '+010000-01-01T00:00:00Z' }), 'timestamp'],
    ['a timestamp without a zone', wireObject({ timestamp: '2024-05-01T12:34:56' }), 'timestamp'],
    ['metadata an array', wireObject({ metadata: ['a'] }), 'metadata'],
    [
      '29 February of a common year',
      wireObject({ timestamp: '2023-02-29T00:00:00Z' }),
      'timestamp',
    ],
    ['a leap second', wireObject({ timestamp: '2016-12-31T23:59:60Z' }), 'timestamp'],
    ['an offset past 9999', wireObject({ timestamp: '9999-12-31T23:59:59-01:00' }), 'timestamp'],
    ['month 13', wireObject({ timestamp: '2024-13-01T00:00:00Z' }), 'timestamp'],
    ['a null rawEvent', wireObject({ rawEvent: null }), 'rawEvent'],
    ['a missing userAgent', wireObject({ userAgent: undefined }), 'userAgent'],
  ];
  it.each(bad)('throws WireFormatError on %s', (_name, input, field) => {
    let thrown: unknown;
    try {
      decodeTrackingEvent(input as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WireFormatError);
    expect((thrown as Error).message).toContain(field);
  });
});

describe('fan-out', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  type Sent = { url: string; headers: Headers; body: string };

  function capture(status = 200) {
    const sent: Sent[] = [];
    const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      sent.push({ url: req.url, headers: req.headers, body: await req.text() });
      return new Response('ok', { status });
    };
    return { sent, fetch: fetch as typeof globalThis.fetch };
  }

  async function hmac(secretText: string, message: string): Promise<string> {
    const raw = Uint8Array.from(atob(secretText.slice('whsec_'.length)), (ch) => ch.charCodeAt(0));
    const key = await crypto.subtle.importKey(
      'raw',
      raw,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(
      await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)),
    );
    return btoa(String.fromCharCode(...mac));
  }

  it('posts { type: email.<eventType>, timestamp, data } signed as Standard Webhooks', async () => {
    const { sent, fetch } = capture();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch,
    });
    const ctx = sampleContext();
    await sink.send([ctx]);
    expect(sent).toHaveLength(1);
    const [first] = sent;
    if (!first) throw new Error('nothing sent');
    expect(first.url).toBe('https://app.example/hook');
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(first.body);
    expect(body.type).toBe('email.bounced');
    expect(body.timestamp).toBe('2024-05-01T12:34:56.789Z');
    expect(body.data).toEqual(JSON.parse(encodeTrackingEvent(ctx)));
    const id = first.headers.get('webhook-id') ?? '';
    const ts = first.headers.get('webhook-timestamp') ?? '';
    expect(id).not.toBe('');
    expect(ts).toMatch(/^\d+$/);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(120);
    const signatures = (first.headers.get('webhook-signature') ?? '').split(' ');
    expect(signatures).toContain(`v1,${await hmac(secret, `${id}.${ts}.${first.body}`)}`);
  });

  it('webhook-id is stable for one (eventId, recipient, eventType) and differs otherwise', async () => {
    const { sent, fetch } = capture();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch,
    });
    const base = sampleContext();
    await sink.send([base]);
    await sink.send([
      { ...base, rawEvent: { other: true }, timestamp: new Date('2025-01-01T00:00:00Z') },
    ]);
    await sink.send([{ ...base, recipient: 'bob@example.com' }]);
    await sink.send([{ ...base, eventType: 'delivered', rejectCategory: null, permanent: null }]);
    await sink.send([{ ...base, eventId: 'evt-2' }]);
    const ids = sent.map((s) => s.headers.get('webhook-id'));
    expect(ids[0]).toBe(ids[1]);
    expect(new Set([ids[0], ids[2], ids[3], ids[4]]).size).toBe(4);
  });

  it('webhook-id does not collide when fields contain the separator', async () => {
    const { sent, fetch } = capture();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch,
    });
    await sink.send([sampleContext({ eventId: 'a:b', recipient: 'c@example.com' })]);
    await sink.send([sampleContext({ eventId: 'a', recipient: 'b:c@example.com' })]);
    expect(sent[0]?.headers.get('webhook-id')).not.toBe(sent[1]?.headers.get('webhook-id'));
  });

  it('webhook-id is the same from two sink instances (derived, not random)', async () => {
    const a = capture();
    const b = capture();
    await createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch: a.fetch,
    }).send([sampleContext()]);
    await createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch: b.fetch,
    }).send([sampleContext()]);
    expect(a.sent[0]?.headers.get('webhook-id')).toBe(b.sent[0]?.headers.get('webhook-id'));
  });

  it('a retry after a 500 reuses the webhook-id and succeeds', async () => {
    const sent: Headers[] = [];
    let calls = 0;
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(new Request(input, init).headers);
      return new Response('', { status: ++calls === 1 ? 500 : 200 });
    }) as typeof globalThis.fetch;
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch,
      retries: 1,
      logger: silent,
    });
    await sink.send([sampleContext()]);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.get('webhook-id')).toBe(sent[1]?.get('webhook-id'));
  });

  it('an endpoint with an empty events list is refused at configuration (leave events out for all)', () => {
    expect(() =>
      createFanoutSink({ endpoints: [{ url: 'https://app.example/hook', secret, events: [] }] }),
    ).toThrow(/events/);
  });

  it('what the fan-out sends verifies with the standardwebhooks reference library', async () => {
    const { sent, fetch } = capture();
    await createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch,
    }).send([sampleContext()]);
    const [first] = sent;
    if (!first) throw new Error('nothing sent');
    const payload = new Webhook(secret).verify(first.body, Object.fromEntries(first.headers)) as {
      type: string;
    };
    expect(payload.type).toBe('email.bounced');
  });

  it('the per-endpoint events filter sends only the listed types; no filter sends all', async () => {
    const { sent, fetch } = capture();
    const sink = createFanoutSink({
      endpoints: [
        { url: 'https://bounces.example/hook', secret, events: ['bounced'] },
        { url: 'https://all.example/hook', secret },
      ],
      fetch,
    });
    await sink.send([
      sampleContext(),
      sampleContext({ eventType: 'delivered', rejectCategory: null, permanent: null }),
    ]);
    const types = (host: string) =>
      sent.filter((s) => s.url.includes(host)).map((s) => JSON.parse(s.body).type as string);
    expect(types('bounces.example')).toEqual(['email.bounced']);
    expect(types('all.example').sort()).toEqual(['email.bounced', 'email.delivered']);
  });

  it('an unknown event type in an endpoint filter is a ConfigError', () => {
    expect(() =>
      createFanoutSink({
        endpoints: [{ url: 'https://a.example/h', secret, events: ['bounce' as never] }],
      }),
    ).toThrow(ConfigError);
  });

  it('an endpoint URL with credentials or a query token is refused at configuration', () => {
    expect(() =>
      createFanoutSink({ endpoints: [{ url: 'https://user:pw@a.example/h', secret }] }),
    ).toThrow(ConfigError);
    expect(() =>
      createFanoutSink({ endpoints: [{ url: 'https://a.example/h?token=abc', secret }] }),
    ).toThrow(ConfigError);
  });

  it('an endpoint that keeps failing makes the handler answer 503', async () => {
    const { fetch } = capture(500);
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://a.example/h', secret }],
      fetch,
      retries: 0,
      logger: silent,
    });
    const res = await handlerWith({ sinks: [sink] })(snsRequest(bounceEvent));
    expect(res.status).toBe(503);
  });

  it('what the fan-out sends, the receiver verifies and decodes to the same context', async () => {
    const { sent, fetch } = capture();
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch,
    });
    const ctx = sampleContext();
    await sink.send([ctx]);
    const [first] = sent;
    if (!first) throw new Error('nothing sent');
    const req = new Request(first.url, {
      method: 'POST',
      headers: first.headers,
      body: first.body,
    });
    const back = await verifyTrackingWebhook(req, secret);
    expect(back).toEqual(ctx);
  });
});

describe('mailhooks/receiver', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const other = 'whsec_ESwTAuuIe3yfH4DgdgI+ENsiNzPAGdp+';
  const ctx = sampleContext();

  async function sign(secretText: string, id: string, ts: number, body: string): Promise<string> {
    const raw = Uint8Array.from(atob(secretText.slice('whsec_'.length)), (ch) => ch.charCodeAt(0));
    const key = await crypto.subtle.importKey(
      'raw',
      raw,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const mac = new Uint8Array(
      await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${ts}.${body}`)),
    );
    return `v1,${btoa(String.fromCharCode(...mac))}`;
  }

  async function signed(
    opts: {
      offsetSeconds?: number;
      signWith?: string;
      signature?: (s: string) => string;
      body?: string;
    } = {},
  ): Promise<Request> {
    const body =
      opts.body ??
      JSON.stringify({
        type: 'email.bounced',
        timestamp: ctx.timestamp.toISOString(),
        data: JSON.parse(encodeTrackingEvent(ctx)),
      });
    const ts = Math.floor(Date.now() / 1000) + (opts.offsetSeconds ?? 0);
    const sig = await sign(opts.signWith ?? secret, 'msg_1', ts, body);
    return new Request('https://app.example/hook', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(ts),
        'webhook-signature': opts.signature ? opts.signature(sig) : sig,
      },
      body,
    });
  }

  async function rejection(promise: Promise<unknown>): Promise<WebhookVerificationError> {
    try {
      await promise;
    } catch (error) {
      expect(error).toBeInstanceOf(WebhookVerificationError);
      return error as WebhookVerificationError;
    }
    throw new Error('verified although it should not');
  }

  it('returns the decoded context with a Date timestamp', async () => {
    const back = await verifyTrackingWebhook(await signed(), secret);
    expect(back).toEqual(ctx);
    expect(back.timestamp).toBeInstanceOf(Date);
  });

  it('accepts timestamps within 5 minutes either way', async () => {
    await expect(
      verifyTrackingWebhook(await signed({ offsetSeconds: -240 }), secret),
    ).resolves.toEqual(ctx);
    await expect(
      verifyTrackingWebhook(await signed({ offsetSeconds: 240 }), secret),
    ).resolves.toEqual(ctx);
  });

  it('refuses a timestamp more than 5 minutes old, naming the timestamp', async () => {
    const err = await rejection(
      verifyTrackingWebhook(await signed({ offsetSeconds: -400 }), secret),
    );
    expect(err.message).toMatch(/timestamp|old|tolerance/i);
  });

  it('refuses a timestamp more than 5 minutes in the future', async () => {
    const err = await rejection(
      verifyTrackingWebhook(await signed({ offsetSeconds: 400 }), secret),
    );
    expect(err.message).toMatch(/timestamp|future|tolerance/i);
  });

  it('accepts when any of several signatures in the header matches', async () => {
    const req = await signed({
      signature: (s) => `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${s} v2,xyz`,
    });
    await expect(verifyTrackingWebhook(req, secret)).resolves.toEqual(ctx);
  });

  it('accepts a list of secrets when any one matches', async () => {
    await expect(verifyTrackingWebhook(await signed(), [other, secret])).resolves.toEqual(ctx);
  });

  it('refuses a wrong secret, naming the signature', async () => {
    const err = await rejection(verifyTrackingWebhook(await signed({ signWith: other }), secret));
    expect(err.message).toMatch(/signature/i);
  });

  it('refuses a tampered body', async () => {
    const good = await signed();
    const tampered = new Request(good.url, {
      method: 'POST',
      headers: good.headers,
      body: (await good.text()).replace('jane@', 'mallory@'),
    });
    await rejection(verifyTrackingWebhook(tampered, secret));
  });

  it('refuses signatures of another version only', async () => {
    await rejection(
      verifyTrackingWebhook(await signed({ signature: (s) => s.replace('v1,', 'v1a,') }), secret),
    );
  });

  it('refuses missing headers, naming the header', async () => {
    const good = await signed();
    for (const header of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const headers = new Headers(good.headers);
      headers.delete(header);
      const req = new Request(good.url, {
        method: 'POST',
        headers,
        body: await good.clone().text(),
      });
      const err = await rejection(verifyTrackingWebhook(req, secret));
      expect(err.message).toMatch(new RegExp(header.replace('webhook-', ''), 'i'));
    }
  });

  it('refuses a non-numeric timestamp header', async () => {
    const good = await signed();
    const headers = new Headers(good.headers);
    headers.set('webhook-timestamp', 'soon');
    await rejection(
      verifyTrackingWebhook(
        new Request(good.url, { method: 'POST', headers, body: await good.text() }),
        secret,
      ),
    );
  });

  it('the tolerance edge: 299 s old passes, 302 s old fails', async () => {
    await expect(
      verifyTrackingWebhook(await signed({ offsetSeconds: -299 }), secret),
    ).resolves.toEqual(ctx);
    await rejection(verifyTrackingWebhook(await signed({ offsetSeconds: -302 }), secret));
  });

  it('an old wire object without rejectCategory/permanent decodes with null', async () => {
    const { rejectCategory: _c, permanent: _p, ...old } = JSON.parse(encodeTrackingEvent(ctx));
    const body = JSON.stringify({
      type: 'email.bounced',
      timestamp: ctx.timestamp.toISOString(),
      data: old,
    });
    const back = await verifyTrackingWebhook(await signed({ body }), secret);
    expect(back.rejectCategory).toBeNull();
    expect(back.permanent).toBeNull();
  });

  it('a single secret given as a one-element list works', async () => {
    await expect(verifyTrackingWebhook(await signed(), [secret])).resolves.toEqual(ctx);
  });

  it('a body whose type disagrees with its data.eventType is refused', async () => {
    const body = JSON.stringify({
      type: 'email.delivered',
      timestamp: ctx.timestamp.toISOString(),
      data: JSON.parse(encodeTrackingEvent(ctx)),
    });
    await rejection(verifyTrackingWebhook(await signed({ body }), secret));
  });

  it('verifies a request signed by the standardwebhooks reference library', async () => {
    const body = JSON.stringify({
      type: 'email.bounced',
      timestamp: ctx.timestamp.toISOString(),
      data: JSON.parse(encodeTrackingEvent(ctx)),
    });
    const now = new Date();
    const signature = new Webhook(secret).sign('msg_ref', now, body);
    const req = new Request('https://app.example/hook', {
      method: 'POST',
      headers: {
        'webhook-id': 'msg_ref',
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': signature,
      },
      body,
    });
    await expect(verifyTrackingWebhook(req, secret)).resolves.toEqual(ctx);
  });

  it('an unsigned request is refused before its body is read', async () => {
    const good = await signed();
    const headers = new Headers(good.headers);
    headers.delete('webhook-signature');
    const req = new Request(good.url, { method: 'POST', headers, body: await good.text() });
    const err = await rejection(verifyTrackingWebhook(req, secret));
    expect(err.reason).toBe('signature-missing');
    expect(req.bodyUsed).toBe(false);
  });

  it('a correctly signed body that is not a tracking event is refused with WebhookVerificationError', async () => {
    await rejection(
      verifyTrackingWebhook(
        await signed({ body: '{"type":"email.bounced","data":{"x":1}}' }),
        secret,
      ),
    );
  });
});

describe('every fixture, through every provider, the fan-out and the receiver', () => {
  const folders: Record<string, string> = {
    amazon_ses_eventbridge: 'ses-eventbridge',
    brevo: 'brevo',
    loops: 'loops',
    mailersend: 'mailersend',
    mailgun: 'mailgun',
    mailjet: 'mailjet',
    mailpace: 'mailpace',
    mailtrap: 'mailtrap',
    postal: 'postal',
    postmark: 'postmark',
    resend: 'resend',
    sendgrid: 'sendgrid',
    sparkpost: 'sparkpost',
    unisender_go: 'unisender-go',
  };
  const failures = new Set(['bounced', 'rejected', 'failed']);
  const categorised = new Set([...failures, 'complained', 'unsubscribed']);
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  /** What is wrong with one context against DESIGN's field table and fine print. */
  function problems(c: EmailTrackingContext, provider: string): string[] {
    const out: string[] = [];
    if (c.espName !== provider) out.push(`espName ${c.espName}`);
    if (!(c.timestamp instanceof Date) || Number.isNaN(c.timestamp.getTime()))
      out.push('timestamp');
    if (!c.tags.every((t) => typeof t === 'string')) out.push('tags');
    if (!Object.values(c.metadata).every((m) => typeof m === 'string')) out.push('metadata');
    if (typeof c.eventId !== 'string' || c.eventId === '') out.push('eventId');
    if (typeof c.messageId !== 'string' || typeof c.recipient !== 'string') out.push('ids');
    for (const f of [
      'rejectReason',
      'description',
      'clickUrl',
      'userAgent',
      'mtaResponse',
    ] as const) {
      if (c[f] !== null && typeof c[f] !== 'string') out.push(f);
    }
    if (categorised.has(c.eventType) !== (c.rejectCategory !== null))
      out.push(`${c.eventType} category ${c.rejectCategory}`);
    if (c.eventType === 'complained' && c.rejectCategory !== 'spam')
      out.push('complained not spam');
    if (c.eventType === 'unsubscribed' && c.rejectCategory !== 'unsubscribed')
      out.push('unsubscribed category');
    if (failures.has(c.eventType) ? typeof c.permanent !== 'boolean' : c.permanent !== null) {
      out.push(`${c.eventType} permanent ${c.permanent}`);
    }
    if (typeof c.rawEvent !== 'object' || c.rawEvent === null || Array.isArray(c.rawEvent))
      out.push('rawEvent');
    return out;
  }

  it('gives contexts of the documented types that survive the wire and the signed fan-out', async () => {
    const got: EmailTrackingContext[] = [];
    const sent: Request[] = [];
    const fanout = createFanoutSink({
      endpoints: [{ url: 'https://app.example/hook', secret }],
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
        sent.push(new Request(input, init));
        return new Response('ok');
      }) as typeof globalThis.fetch,
    });
    const handle = createMailWebhookHandler({
      providers: unverifiedProviders(),
      sinks: [{ name: 'recorder', send: async (events) => void got.push(...events) }, fanout],
      logger: silent,
    });
    const report: string[] = [];
    let contexts = 0;
    for (const [folder, provider] of Object.entries(folders)) {
      const dir = new URL(`../fixtures/esps/${folder}/`, import.meta.url);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        got.length = 0;
        sent.length = 0;
        const res = await handle(
          new Request(`https://h.example/webhooks/mail/${provider}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: readFileSync(new URL(file, dir)),
          }),
        );
        if (res.status >= 500) report.push(`${folder}/${file}: ${res.status}`);
        if (sent.length !== got.length)
          report.push(`${folder}/${file}: ${got.length} events, ${sent.length} sent`);
        for (const [i, c] of got.entries()) {
          contexts++;
          for (const p of problems(c, provider)) report.push(`${folder}/${file}#${i}: ${p}`);
          if (!isDeepStrictEqual(decodeTrackingEvent(encodeTrackingEvent(c)), c))
            report.push(`${folder}/${file}#${i}: wire`);
        }
        // Deliveries run concurrently: match each verified request to the context it carries.
        for (const request of sent) {
          const back = await verifyTrackingWebhook(request, secret);
          if (!got.some((c) => isDeepStrictEqual(back, c))) {
            report.push(`${folder}/${file}: receiver ${back.recipient}`);
          }
        }
      }
    }
    expect(report).toEqual([]);
    expect(contexts).toBeGreaterThan(150);
  });
});
