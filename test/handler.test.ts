import { describe, expect, test, vi } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  handleMailWebhook,
  type MailWebhookOptions,
  type SesOptions,
  type Sink,
  ses,
} from '../src/index.js';
import bounceEvent from './fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import bounce from './fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import setupMessage from './fixtures/ses/sns-envelope-ses-setup-notification.json' with {
  type: 'json',
};
import { configErrorOf } from './helpers/config-error.js';
import { countedBody, fiftyMegabytes } from './helpers/counted-body.js';
import { envelope, memoryLogger, snsRequest, TOPIC_ARN, URL_SES } from './helpers/envelope.js';
import { createSigner } from './helpers/signing.js';
import { fakeStore } from './store/fake-store.js';

/** Handler options, with the SES provider's options beside them (verification off unless set). */
type SetupOptions = Omit<MailWebhookOptions, 'providers'> & { ses?: SesOptions };

function setup({ ses: sesOptions, ...options }: SetupOptions = {}) {
  const bus = new EventBus();
  const received: EmailTrackingContext[] = [];
  bus.subscribe(EmailTrackingEvent, (context, next) => {
    received.push(context);
    return next(context);
  });
  const fetch = vi.fn<typeof globalThis.fetch>(
    async () => new Response('unexpected', { status: 500 }),
  );
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    sinks: [bus],
    logger,
    fetch,
    ...options,
    providers: [ses({ verifySignature: false, ...sesOptions })],
  });
  return { handle, received, lines, fetch };
}

const basic = (password: string, user = 'sns') => `Basic ${btoa(`${user}:${password}`)}`;

const SUBSCRIBE_URL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=tok-1`;

const confirmation = (type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation') =>
  envelope('You have chosen to subscribe to the topic.', {
    type,
    extra: { SubscribeURL: SUBSCRIBE_URL, Token: 'tok-1' },
  });

async function answer(response: Response) {
  return { status: response.status, body: await response.json() };
}

describe('200 answers', () => {
  test('events delivered to every sink: 200 with the count', async () => {
    const { handle, received } = setup();
    expect(await answer(await handle(snsRequest(envelope(bounce))))).toEqual({
      status: 200,
      body: { ok: true, events: 2 },
    });
    expect(received).toHaveLength(2);
  });

  test('the SES set-up message: 200, no events, logged', async () => {
    const { handle, received, lines } = setup();
    const { _comment, ...body } = setupMessage;
    expect(await answer(await handle(snsRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(received).toHaveLength(0);
    expect(lines.some((l) => l.level === 'info' && l.msg.includes('set-up'))).toBe(true);
  });

  test('a Notification that is not an SES event: 200, no events, a warning', async () => {
    const { handle, received, lines } = setup();
    expect((await handle(snsRequest(envelope('{"hello":"world"}')))).status).toBe(200);
    expect(received).toHaveLength(0);
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('not an SES'))).toBe(true);
  });

  test('SubscriptionConfirmation: 200, SubscribeURL logged, nothing fetched without autoConfirm', async () => {
    const { handle, lines, fetch } = setup();
    expect((await handle(snsRequest(confirmation('SubscriptionConfirmation')))).status).toBe(200);
    expect(lines.find((l) => l.fields.subscribeUrl === SUBSCRIBE_URL)).toBeDefined();
    expect(fetch).not.toHaveBeenCalled();
  });

  test('UnsubscribeConfirmation: 200, logged, never re-subscribed', async () => {
    const { handle, lines, fetch } = setup();
    expect((await handle(snsRequest(confirmation('UnsubscribeConfirmation')))).status).toBe(200);
    expect(lines.some((l) => l.msg.includes('unsubscribe'))).toBe(true);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('400 answers name what is wrong', () => {
  test.each([
    ['not JSON', 'this is not json', 'invalid-json'],
    ['a JSON array', '[]', 'invalid-envelope'],
    ['no Type', JSON.stringify({ MessageId: 'm' }), 'invalid-envelope'],
    ['an unknown Type', JSON.stringify({ ...envelope('x'), Type: 'Surprise' }), 'unknown-type'],
  ])('%s', async (_name, body, reason) => {
    const { handle } = setup();
    const request = new Request(URL_SES, {
      method: 'POST',
      body,
      headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'm' },
    });
    const { status, body: json } = await answer(await handle(request));
    expect(status).toBe(400);
    expect(json).toMatchObject({ ok: false, error: reason });
  });

  test('an envelope without MessageId names the field', async () => {
    const { handle } = setup();
    const { MessageId: _omitted, ...body } = envelope('x');
    const { status, body: json } = await answer(
      await handle(snsRequest(body, { 'x-amz-sns-message-id': 'm' })),
    );
    expect(status).toBe(400);
    expect(json.message).toContain('"MessageId"');
  });

  test('an SES event that breaks its schema names the field', async () => {
    const { handle, received } = setup();
    const broken = {
      ...bounce,
      bounce: { ...bounce.bounce, bouncedRecipients: [{ status: '5.1.1' }] },
    };
    const { status, body } = await answer(await handle(snsRequest(envelope(broken))));
    expect(status).toBe(400);
    expect(body.message).toContain('"bounce.bouncedRecipients.0.emailAddress"');
    expect(received).toHaveLength(0);
  });
});

describe('secret (HTTP Basic)', () => {
  test('no credentials: 401 with WWW-Authenticate: Basic', async () => {
    const { handle } = setup({ ses: { secret: 's3cret' } });
    const response = await handle(snsRequest(envelope(bounce)));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
  });

  test('a wrong password: 403 secret-mismatch', async () => {
    const { handle, received } = setup({ ses: { secret: 's3cret' } });
    const response = await handle(snsRequest(envelope(bounce), { authorization: basic('guess') }));
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { error: 'secret-mismatch' },
    });
    expect(received).toHaveLength(0);
  });

  test('the right password: 200', async () => {
    const { handle } = setup({ ses: { secret: 's3cret' } });
    expect(
      (await handle(snsRequest(envelope(bounce), { authorization: basic('s3cret') }))).status,
    ).toBe(200);
  });
});

describe('403 answers', () => {
  test.each([
    ['x-amz-sns-message-type', 'SubscriptionConfirmation'],
    ['x-amz-sns-message-id', 'another-id'],
  ])('a %s header that does not match the body', async (header, value) => {
    const { handle, received } = setup();
    const response = await handle(snsRequest(envelope(bounce), { [header]: value }));
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { error: 'header-mismatch' },
    });
    expect(received).toHaveLength(0);
  });

  test('missing SNS headers', async () => {
    const { handle } = setup();
    const request = new Request(URL_SES, {
      method: 'POST',
      body: JSON.stringify(envelope(bounce)),
    });
    expect((await handle(request)).status).toBe(403);
  });

  test('a topic outside the allow-list', async () => {
    const { handle } = setup({ ses: { topicArns: ['arn:aws:sns:us-east-1:123456789012:other'] } });
    const response = await handle(snsRequest(envelope(bounce)));
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { error: 'topic-not-allowed' },
    });
  });

  test('raw message delivery is refused by default, however the header writes true', async () => {
    const { handle } = setup();
    for (const flag of ['true', 'TRUE', 'True']) {
      const request = new Request(URL_SES, {
        method: 'POST',
        body: JSON.stringify(bounce),
        headers: { 'x-amz-sns-rawdelivery': flag, 'x-amz-sns-message-id': 'raw-1' },
      });
      expect([flag, await answer(await handle(request))]).toMatchObject([
        flag,
        { status: 403, body: { error: 'raw-delivery' } },
      ]);
    }
  });

  test('raw message delivery with allowRawDelivery and the secret: 200', async () => {
    const { handle, received } = setup({ ses: { secret: 'pw', allowRawDelivery: true } });
    const request = new Request(URL_SES, {
      method: 'POST',
      body: JSON.stringify(bounce),
      headers: {
        'x-amz-sns-rawdelivery': 'true',
        'x-amz-sns-message-id': 'raw-1',
        'x-amz-sns-topic-arn': TOPIC_ARN,
        authorization: basic('pw'),
      },
    });
    expect((await handle(request)).status).toBe(200);
    expect(received.map((c) => c.eventId)).toEqual(['raw-1', 'raw-1']);
  });

  const rawPost = (headers: Record<string, string>) =>
    new Request(URL_SES, {
      method: 'POST',
      body: JSON.stringify(bounce),
      headers: { 'x-amz-sns-rawdelivery': 'true', 'x-amz-sns-message-id': 'raw-1', ...headers },
    });

  test('raw delivery with allowRawDelivery but no credentials: 401 with a Basic challenge', async () => {
    const { handle, received } = setup({ ses: { secret: 'pw', allowRawDelivery: true } });
    const response = await handle(rawPost({ 'x-amz-sns-topic-arn': TOPIC_ARN }));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    expect(received).toEqual([]);
  });

  test('raw delivery with allowRawDelivery and a wrong secret: 403, nothing delivered', async () => {
    const { handle, received } = setup({ ses: { secret: 'pw', allowRawDelivery: true } });
    const response = await handle(
      rawPost({ 'x-amz-sns-topic-arn': TOPIC_ARN, authorization: basic('wrong') }),
    );
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { error: 'secret-mismatch' },
    });
    expect(received).toEqual([]);
  });

  test('raw delivery from a topic outside topicArns (or naming none): 403 topic-not-allowed', async () => {
    const { handle, received } = setup({
      ses: { secret: 'pw', allowRawDelivery: true, topicArns: [TOPIC_ARN] },
    });
    const other = 'arn:aws:sns:us-east-1:123456789012:other';
    for (const topic of [{ 'x-amz-sns-topic-arn': other }, {}] as Record<string, string>[]) {
      const response = await handle(rawPost({ ...topic, authorization: basic('pw') }));
      expect(await answer(response)).toMatchObject({
        status: 403,
        body: { error: 'topic-not-allowed' },
      });
    }
    expect(received).toEqual([]);
  });
});

describe('404, 405, 413', () => {
  test.each([
    ['an unknown esp', 'http://localhost/webhooks/mail/mailgun'],
    ['an unknown path', 'http://localhost/somewhere/else'],
    ['the base path itself', 'http://localhost/webhooks/mail'],
  ])('%s: 404', async (_name, url) => {
    const { handle } = setup();
    expect((await handle(new Request(url, { method: 'POST', body: '{}' }))).status).toBe(404);
  });

  test('disabled: every route 404', async () => {
    const { handle } = setup({ enabled: false });
    expect((await handle(snsRequest(envelope(bounce)))).status).toBe(404);
  });

  test('a custom basePath moves the routes', async () => {
    const { handle } = setup({ basePath: '/hooks/' });
    expect((await handle(snsRequest(envelope(bounce)))).status).toBe(404);
    const moved = snsRequest(envelope(bounce), {}, 'http://localhost/hooks/ses');
    expect((await handle(moved)).status).toBe(200);
  });

  test.each(['GET', 'PUT', 'DELETE'])('%s on a route: 405 with Allow: POST', async (method) => {
    const { handle } = setup();
    const response = await handle(new Request(URL_SES, { method }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  test('a declared Content-Length over maxBodyBytes: 413', async () => {
    const { handle } = setup({ maxBodyBytes: 100 });
    const response = await handle(snsRequest(envelope(bounce)));
    expect(await answer(response)).toMatchObject({
      status: 413,
      body: { error: 'body-too-large' },
    });
  });

  test('a Content-Length over maxBodyBytes is 413 before a byte is read, whatever the body holds', async () => {
    const { handle } = setup({ maxBodyBytes: 100 });
    // The body sent is short: only the declared length can be what the 413 went by.
    const { body, counter } = countedBody(JSON.stringify({ Type: 'Notification' }));
    const request = new Request(URL_SES, {
      method: 'POST',
      headers: { 'content-length': '101' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await answer(await handle(request))).toMatchObject({
      status: 413,
      body: { error: 'body-too-large' },
    });
    expect(counter.pulls).toBe(0);
  });

  test('a POST with no body at all is 400 invalid-json, as an empty one: read, not unreadable', async () => {
    const { handle } = setup();
    const response = await handle(new Request(URL_SES, { method: 'POST' }));
    expect(await answer(response)).toMatchObject({ status: 400, body: { error: 'invalid-json' } });
  });

  test('a body of exactly maxBodyBytes is read, declared or not: 200; one byte less allowed is 413', async () => {
    const message = envelope(bounce);
    const length = Buffer.byteLength(JSON.stringify(message));
    const declared = { 'content-length': String(length) };
    const statuses = [];
    for (const maxBodyBytes of [length, length - 1]) {
      const { handle } = setup({ maxBodyBytes });
      statuses.push((await handle(snsRequest(message, declared))).status);
      statuses.push((await handle(snsRequest(message))).status);
    }
    expect(statuses).toEqual([200, 200, 413, 413]);
  });

  test('a 50 MB streamed body is refused without being read whole', async () => {
    const { handle } = setup();
    const { body: stream, counter } = fiftyMegabytes();
    const request = new Request(URL_SES, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect((await handle(request)).status).toBe(413);
    // 1 MiB limit / 64 KiB chunks: reading stops right after the 17th chunk.
    expect(counter.pulls).toBeLessThan(20);
  });
});

describe('503: nothing is lost', () => {
  test('a sink that throws: 503 and a log line naming it', async () => {
    const failing: Sink = {
      name: 'flaky',
      send: async () => Promise.reject(new Error('disk full')),
    };
    const { handle, lines } = setup({ sinks: [failing] });
    const response = await handle(snsRequest(envelope(bounce)));
    expect(await answer(response)).toMatchObject({ status: 503, body: { error: 'sink-failed' } });
    const line = lines.find((l) => l.level === 'error');
    expect(line?.fields).toMatchObject({ sink: 'flaky', error: 'Error: disk full' });
    expect(lines.filter((l) => l.msg === 'event')).toHaveLength(0);
  });

  test('a listener that throws: 503 naming the listener', async () => {
    const bus = new EventBus();
    class AuditListener {
      handle(): never {
        throw new Error('database down');
      }
    }
    bus.subscribe(EmailTrackingEvent, AuditListener);
    const { handle, lines } = setup({ sinks: [bus] });
    expect((await handle(snsRequest(envelope(bounce)))).status).toBe(503);
    expect(String(lines.find((l) => l.level === 'error')?.fields.error)).toContain('AuditListener');
  });
});

describe('never throws, never 500', () => {
  const bodies = [
    '',
    'null',
    '{}',
    '{"Type":null}',
    '"str"',
    '{"Type":"Notification","Message":{}}',
    '\u0000',
    '{'.repeat(5000),
  ];
  test.each(bodies)('body %j gets a 4xx', async (body) => {
    const { handle } = setup();
    const response = await handle(
      new Request(URL_SES, {
        method: 'POST',
        body,
        headers: { 'x-amz-sns-message-type': 'Notification' },
      }),
    );
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  test('a body that is not UTF-8 is a 400', async () => {
    const { handle } = setup();
    const request = new Request(URL_SES, {
      method: 'POST',
      body: new Uint8Array([0xff, 0xfe, 0x00]),
    });
    expect(await answer(await handle(request))).toMatchObject({
      status: 400,
      body: { error: 'body-not-utf8' },
    });
  });

  // The body is decoded leniently first and strictly only when U+FFFD shows up: a real U+FFFD
  // passes, invalid bytes beside one do not.
  const withRecipients = (first: string, second: string) => {
    const message = structuredClone(bounce);
    message.bounce.bouncedRecipients = [{ emailAddress: first }, { emailAddress: second }];
    return envelope(message);
  };

  test('a body holding a real U+FFFD is UTF-8: 200, the character kept', async () => {
    const { handle, received } = setup();
    const response = await handle(
      snsRequest(withRecipients('a\uFFFDb@example.com', 'c@example.com')),
    );
    expect(await answer(response)).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(received.map((event) => event.recipient)).toEqual([
      'a\uFFFDb@example.com',
      'c@example.com',
    ]);
  });

  test('invalid bytes beside a real U+FFFD are still a 400', async () => {
    const { handle, received } = setup();
    const body = withRecipients('a\uFFFDb@example.com', 'XXc@example.com');
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const at = bytes.indexOf('X'.charCodeAt(0));
    bytes[at] = 0xff;
    const request = snsRequest(body);
    const response = await handle(
      new Request(request.url, { method: 'POST', headers: request.headers, body: bytes }),
    );
    expect(await answer(response)).toMatchObject({
      status: 400,
      body: { error: 'body-not-utf8' },
    });
    expect(received).toHaveLength(0);
  });
});

describe('options', () => {
  test.each([
    ['ses({ autoConfirm: true })', () => ses({ autoConfirm: true }), 'ses.autoConfirm'],
    [
      'ses({ autoConfirm: true, topicArns, verifySignature: false })',
      () => ses({ autoConfirm: true, topicArns: [TOPIC_ARN], verifySignature: false }),
      'ses.autoConfirm',
    ],
    [
      'ses({ allowRawDelivery: true })',
      () => ses({ allowRawDelivery: true }),
      'ses.allowRawDelivery',
    ],
    ['maxBodyBytes: -1', () => createMailWebhookHandler({ maxBodyBytes: -1 }), 'maxBodyBytes'],
    ["basePath: 'no-slash'", () => createMailWebhookHandler({ basePath: 'no-slash' }), 'basePath'],
    ['sinks: [{}]', () => createMailWebhookHandler({ sinks: [{} as Sink] }), 'sinks.0'],
  ] as [string, () => unknown, string][])(
    '%s is a ConfigError naming %s',
    (_name, build, setting) => {
      expect(build).toThrow(ConfigError);
      try {
        build();
      } catch (error) {
        expect((error as ConfigError).setting).toBe(setting);
      }
    },
  );

  // A user's own object whose getter throws (a closed client, say) is no sink, store or logger:
  // the ConfigError names the option, not the user's error from inside the check.
  const throwing = (key: string, rest: object = {}) =>
    Object.defineProperty({ ...rest }, key, {
      enumerable: true,
      get() {
        throw new Error('client closed');
      },
    });
  test.each([
    [
      'a sink whose name',
      'sinks.0',
      () => ({ sinks: [throwing('name', { send: async () => {} })] }),
    ],
    ['a sink whose send', 'sinks.0', () => ({ sinks: [throwing('send', { name: 'crm' })] })],
    ['a store whose record', 'store', () => ({ store: throwing('record', fakeStore().store) })],
    ['a logger whose warn', 'logger', () => ({ logger: throwing('warn', memoryLogger().logger) })],
    [
      'a provider whose start',
      'providers.0',
      () => ({ providers: [throwing('start', ses({ verifySignature: false }))] }),
    ],
  ] as [string, string, () => MailWebhookOptions][])(
    '%s getter throws is a ConfigError naming %s',
    (_name, setting, options) => {
      const error = configErrorOf(() =>
        createMailWebhookHandler({ providers: [ses({ verifySignature: false })], ...options() }),
      );
      expect(error.setting).toBe(setting);
      expect(error.message).toMatch(new RegExp(`^${setting}: expected an? `));
    },
  );

  test('handleMailWebhook uses the default bus when no sinks are given', async () => {
    const received: EmailTrackingContext[] = [];
    const unsubscribe = EventBus.subscribe(EmailTrackingEvent, (context) => {
      received.push(context);
    });
    const options = {
      providers: [ses({ verifySignature: false })],
      logger: memoryLogger().logger,
    };
    try {
      expect((await handleMailWebhook(snsRequest(envelope(bounce)), options)).status).toBe(200);
    } finally {
      unsubscribe();
    }
    expect(received.map((c) => c.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
  });
});

describe('fetch defaults to globalThis.fetch', () => {
  test('the fetch in place at the request is used for the certificate and the confirmation, even one stubbed after the handler was made', async () => {
    const signer = await createSigner();
    const { logger } = memoryLogger();
    const handle = createMailWebhookHandler({
      logger,
      sinks: [],
      providers: [ses({ topicArns: [signer.topicArn], autoConfirm: true })],
    });
    const asked: string[] = [];
    vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      asked.push(url);
      return url === signer.certUrl ? signer.fetch(input, init) : new Response('<Confirmed/>');
    });
    try {
      const notification = await signer.sign(
        signer.notification({ Message: JSON.stringify(bounceEvent) }),
      );
      expect(await answer(await handle(snsRequest(notification)))).toEqual({
        status: 200,
        body: { ok: true, events: 1 },
      });
      const confirmation = await signer.sign(signer.subscriptionConfirmation());
      expect((await handle(snsRequest(confirmation))).status).toBe(200);
      expect(asked).toEqual([signer.certUrl, confirmation.SubscribeURL]);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
