/**
 * On-call log lines beyond refusals: the 200s that carry no event, sinks and stores that fail,
 * start-up warnings said once, and lines that stay one bounded line of JSON whatever was sent.
 */
import { describe, expect, test, vi } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import {
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  type MailWebhookOptions,
  ses,
} from '../../src/index.js';
import { createJsonLogger } from '../../src/log.js';
import { MAILERSEND_TEST_SECRET } from '../../src/providers/mailersend/index.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import setupMessage from '../fixtures/ses/sns-envelope-ses-setup-notification.json' with {
  type: 'json',
};
import { captureHandler } from '../helpers/capture-handler.js';
import { envelope, memoryLogger, snsRequest, TOPIC_ARN, URL_SES } from '../helpers/envelope.js';
import { routeOf } from '../helpers/provider-harness.js';
import { createSigner } from '../helpers/signing.js';
import { fakeStore } from '../store/fake-store.js';
import { MOUNTS, signedRequest } from './on-call-logs.mounts.js';

/** An SES handler (verification off unless `options.providers` says otherwise), lines from requests only. */
function sesHandler(options: Partial<MailWebhookOptions> = {}) {
  const capture = captureHandler(ses({ verifySignature: false }), options);
  capture.lines.length = 0;
  return capture;
}

const SUBSCRIBE_URL = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=tok-1`;
const subscription = (type: string) =>
  envelope('You have chosen to subscribe to the topic.', {
    type,
    extra: { SubscribeURL: SUBSCRIBE_URL, Token: 'tok-1' },
  });

describe('a 200 with no events logs one line at its level', () => {
  test.each([
    ['the SES set-up message', () => snsRequest(setupMessage), 'info', /set-up message/],
    [
      'a Notification that is not an SES event',
      () => snsRequest(envelope('{"hello":"world"}')),
      'warn',
      /not an SES tracking event/,
    ],
    [
      'a text Message that only quotes the set-up sentence',
      () => snsRequest(envelope('Re: Successfully validated SNS topic for Amazon SES')),
      'warn',
      /not an SES tracking event/,
    ],
    [
      'an UnsubscribeConfirmation',
      () => snsRequest(subscription('UnsubscribeConfirmation')),
      'info',
      /unsubscribe confirmation received; not re-subscribing/,
    ],
  ])('%s', async (_what, request, level, msg) => {
    const { handle, lines } = sesHandler();
    expect(await (await handle(request())).json()).toEqual({ ok: true, events: 0 });
    expect(lines).toEqual([
      { level, msg: expect.stringMatching(msg), fields: expect.objectContaining({ esp: 'ses' }) },
    ]);
  });

  test('a SubscriptionConfirmation without autoConfirm: its SubscribeURL, to confirm by hand', async () => {
    const { handle, lines } = sesHandler();
    expect((await handle(snsRequest(subscription('SubscriptionConfirmation')))).status).toBe(200);
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'SNS subscription confirmation received',
        fields: expect.objectContaining({
          esp: 'ses',
          subscribeUrl: SUBSCRIBE_URL,
          autoConfirm: false,
        }),
      },
    ]);
  });

  /** A verified, allow-listed confirmation, with SNS answering the SubscribeURL `status`. */
  async function autoConfirmed(status: number) {
    const signer = await createSigner();
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) =>
      String(input).includes('Action=ConfirmSubscription')
        ? new Response('<ConfirmSubscriptionResponse/>', { status })
        : signer.fetch(input, init)) as typeof globalThis.fetch;
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [signer.topicArn], autoConfirm: true })],
      logger,
      fetch,
    });
    const body = await signer.sign(signer.subscriptionConfirmation());
    const response = await handle(snsRequest(body));
    // The certificate's download is a debug line of its own, once per certificate.
    const said = lines.filter((l) => l.level !== 'debug');
    return { response, lines: said, subscribeUrl: body.SubscribeURL };
  }

  test('a SubscriptionConfirmation confirmed by autoConfirm: one line, not received and confirmed', async () => {
    const { response, lines, subscribeUrl } = await autoConfirmed(200);
    expect(response.status).toBe(200);
    expect(lines).toEqual([
      {
        level: 'info',
        msg: 'SNS subscription confirmed',
        fields: expect.objectContaining({ subscribeUrl, autoConfirm: true }),
      },
    ]);
  });

  test('a confirmation SNS refuses: 503 and the one refusal line, with the SubscribeURL', async () => {
    const { response, lines, subscribeUrl } = await autoConfirmed(500);
    expect(response.status).toBe(503);
    expect(lines).toEqual([
      {
        level: 'error',
        msg: 'request refused',
        fields: expect.objectContaining({ reason: 'confirm-failed', subscribeUrl }),
      },
    ]);
  });

  test.each([
    ['mandrill', 'HEAD', undefined, /set-up probe \(HEAD\)/],
    ['unisender-go', 'GET', undefined, /set-up probe \(GET\)/],
    ['mandrill', 'POST', [], /test ping sends \[\]/],
    ['sparkpost', 'POST', [{ msys: {} }], /ping/],
    ['mailersend', 'POST', { type: 'webhook.test', message: 'ping' }, /webhook\.test ping/],
  ])('a %s %s probe or ping', async (name, method, payload, msg) => {
    const mount = MOUNTS[name] as NonNullable<(typeof MOUNTS)[string]>;
    const { handle, lines } = captureHandler(mount.provider);
    lines.length = 0;
    const credentials = name === 'mailersend' ? { secret: MAILERSEND_TEST_SECRET } : undefined;
    const signed = payload && (await signedRequest(name, { payload, credentials }));
    const response = await handle(new Request(routeOf(mount.provider.path), { method, ...signed }));
    expect(response.status).toBe(200);
    expect(lines).toEqual([
      {
        level: 'info',
        msg: expect.stringMatching(msg),
        fields: expect.objectContaining({ esp: name }),
      },
    ]);
  });
});

describe('a sink, listener or store that fails: one line says which and why', () => {
  const post = () => snsRequest(envelope(bounce, { timestamp: new Date().toISOString() }));

  test('a sink past deliveryTimeoutMs: 503 sink-timeout', async () => {
    const stalled = { name: 'slow', send: () => new Promise<void>(() => {}) };
    const { handle, lines } = sesHandler({ sinks: [stalled], deliveryTimeoutMs: 30 });
    expect((await handle(post())).status).toBe(503);
    expect(lines).toEqual([
      {
        level: 'error',
        msg: 'request refused',
        fields: expect.objectContaining({
          reason: 'sink-timeout',
          deliveryTimeoutMs: 30,
          events: 1,
        }),
      },
    ]);
  });

  test('a listener past listenerTimeoutMs: 503 listener-timeout naming it', async () => {
    const bus = new EventBus('bus');
    bus.subscribe(EmailTrackingEvent, function crmSync() {
      return new Promise(() => {});
    });
    const { handle, lines } = sesHandler({ sinks: [bus], listenerTimeoutMs: 20 });
    expect((await handle(post())).status).toBe(503);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      fields: {
        reason: 'listener-timeout',
        sink: 'bus',
        error: expect.stringContaining('crmSync'),
      },
    });
  });

  test.each([
    ['fails', 'record', 'Error: database is locked'],
    ['never answers', 'hang', 'no answer within 30 ms'],
  ] as const)('a store that %s: 503 store-failed', async (_what, failure, error) => {
    const fake = fakeStore();
    fake.fail[failure] = true;
    const { handle, lines } = sesHandler({ store: fake.store, deliveryTimeoutMs: 30 });
    expect((await handle(post())).status).toBe(503);
    expect(lines).toEqual([
      {
        level: 'error',
        msg: 'request refused',
        fields: expect.objectContaining({ reason: 'store-failed', store: 'fake', error }),
      },
    ]);
  });

  // The store's pipeline spends part of the deadline recording; what runs out later still names
  // the whole deadline, the setting on call can change, not what was left of it.
  test.each([
    ['a sink', 'sink-timeout', { deliveryTimeoutMs: 60 }],
    ['the store marking them delivered', 'store-failed', { error: 'no answer within 60 ms' }],
  ] as const)(
    '%s stalling after a slow record: the line names the whole deadline',
    async (_what, reason, named) => {
      const fake = fakeStore();
      const never = () => new Promise<never>(() => {});
      const store = {
        ...fake.store,
        record: async (events: Parameters<typeof fake.store.record>[0], until?: number) => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return fake.store.record(events, until);
        },
        ...(reason === 'store-failed' && { markDelivered: never }),
      };
      const sinks = reason === 'sink-timeout' ? [{ name: 'slow', send: never }] : [];
      const { handle, lines } = sesHandler({ store, sinks, deliveryTimeoutMs: 60 });
      expect((await handle(post())).status).toBe(503);
      expect(lines).toEqual([
        {
          level: 'error',
          msg: 'request refused',
          fields: expect.objectContaining({ reason, ...named }),
        },
      ]);
    },
  );

  test('a store failing behind the history route: 503 store-failed', async () => {
    const fake = fakeStore();
    fake.fail.events = true;
    const { handle, lines } = sesHandler({ store: fake.store, apiToken: 'on-call-api-token' });
    const response = await handle(
      new Request('http://localhost/webhooks/mail/events', {
        headers: { authorization: 'Bearer on-call-api-token' },
      }),
    );
    expect(response.status).toBe(503);
    expect(lines).toEqual([
      {
        level: 'error',
        msg: 'request refused',
        fields: expect.objectContaining({ store: 'fake', error: 'Error: no such table: events' }),
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain('on-call-api-token');
  });
});

describe('start-up warnings are said once, not per request', () => {
  const requests = async (handle: (request: Request) => Promise<Response>) => {
    for (let i = 0; i < 3; i++) await handle(snsRequest(envelope(bounce)));
  };

  test.each([
    ['signature verification off', { verifySignature: false }, /verification is OFF/],
    ['no topic allow-list', {}, /no SNS topic is allowed/],
  ])('%s', async (_what, sesOptions, msg) => {
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({ providers: [ses(sesOptions)], logger, sinks: [] });
    await requests(handle);
    expect(lines.filter((l) => l.level === 'warn' && msg.test(l.msg))).toHaveLength(1);
  });

  test('an unknown MAIL_WEBHOOK_* variable, with the closest name', async () => {
    const { logger, lines } = memoryLogger();
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
        MAIL_WEBHOOK_SES_SECRT: 'oops',
      },
      { logger },
    );
    await requests(handle);
    const warned = lines.filter((l) => l.fields.variable === 'MAIL_WEBHOOK_SES_SECRT');
    expect(warned).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: { variable: 'MAIL_WEBHOOK_SES_SECRT', didYouMean: 'MAIL_WEBHOOK_SES_SECRET' },
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('oops');
  });
});

describe('a line is one line of JSON, bounded, whatever the request put in it', () => {
  /** The handler with the console's JSON logger, writing its lines here. */
  function jsonHandler(options: Partial<MailWebhookOptions> = {}) {
    const written: string[] = [];
    const logger = createJsonLogger((_level, line) => written.push(line));
    const handle = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      sinks: [],
      logger,
      ...options,
    });
    written.length = 0;
    return { handle, written };
  }

  const ODD = 'line\nbreak "quoted" \u0001control \ud800lone \u2028separator';
  const HUGE = ODD + 'x'.repeat(65_536);

  test.each([
    [
      'a 64 KB method',
      () => new Request(URL_SES, { method: 'M'.repeat(65_536) }),
      [405, 'method-not-allowed'],
      'method',
      'M'.repeat(100),
    ],
    [
      'a 64 KB header',
      () =>
        snsRequest(envelope(bounce), {
          'x-amz-sns-message-type': `Notification${'x'.repeat(65_536)}`,
        }),
      [403, 'header-mismatch'],
      'detail',
      'header x-amz-sns-message-type (Notificationxxx',
    ],
    [
      'a 64 KB body field with newlines, quotes, control characters and a lone surrogate',
      () => snsRequest({ ...envelope(bounce), Type: HUGE }, { 'x-amz-sns-message-type': 'x' }),
      [400, 'unknown-type'],
      'detail',
      `SNS envelope field "Type" is ${JSON.stringify(ODD).slice(0, -1)}xxx`,
    ],
  ] as const)('%s', async (_what, request, [status, reason], field, start) => {
    const { handle, written } = jsonHandler();
    const response = await handle(request());
    const { error } = (await response.json()) as { error: string };
    expect([response.status, error]).toEqual([status, reason]);
    expect(written).toHaveLength(1);
    const [line] = written as [string];
    expect(line).not.toMatch(/[\n\r]/);
    expect(line.length).toBeLessThan(8_000);
    const parsed = JSON.parse(line) as Record<string, string>;
    expect(parsed).toMatchObject({ level: 'warn', msg: 'request refused', reason });
    expect(parsed[field]?.startsWith(start)).toBe(true);
    // The logger cuts a long string at 2,000 characters; a refusal's message is cut at 1,000 first.
    expect(parsed[field]).toMatch(field === 'detail' ? /… \(\d+ characters\)$/ : /…$/);
  });

  test('a route with 64 KB of trailing slashes: each event line names the path cut to 200 characters, as the 404 does', async () => {
    // Three recipients, three event lines: uncut, each held the 64 KB path (65 MB of log for a
    // thousand recipients, for any logger that writes its fields whole).
    const recipients = ['a@example.com', 'b@example.com', 'c@example.com'];
    const send = {
      eventType: 'Send',
      mail: { ...bounce.mail, destination: recipients },
      send: {},
    };
    const path = `/webhooks/mail/ses${'/'.repeat(65_536)}`;
    const { handle, lines } = sesHandler();
    const response = await handle(snsRequest(envelope(send), {}, `http://localhost${path}`));
    expect(await response.json()).toEqual({ ok: true, events: 3 });
    const events = lines.filter((line) => line.msg === 'event');
    expect(events.map((line) => [line.fields.recipient, line.fields.path])).toEqual(
      recipients.map((recipient) => [recipient, path.slice(0, 200)]),
    );
  });

  test.each([
    ['a 405 on a provider route', 'GET', '/webhooks/mail/ses', {}, [405, 'method-not-allowed']],
    [
      'a store route without a token',
      'GET',
      '/webhooks/mail/events',
      {},
      [401, 'credentials-required'],
    ],
    [
      'a store route with a wrong token',
      'DELETE',
      '/webhooks/mail/suppressions/a@example.com',
      { authorization: 'Bearer wrong' },
      [403, 'secret-mismatch'],
    ],
    ['a 404', 'POST', '/webhooks/mail/nope', {}, [404, 'not-found']],
  ] as const)(
    '%s with 64 KB of trailing slashes: the refusal line names the path cut to 200 characters',
    async (_what, method, route, headers, [status, reason]) => {
      const path = `${route}${'/'.repeat(65_536)}`;
      const { handle, lines } = sesHandler({ store: fakeStore().store, apiToken: 'secret-token' });
      const response = await handle(new Request(`http://localhost${path}`, { method, headers }));
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([
        status,
        reason,
      ]);
      expect(lines).toEqual([
        {
          level: 'warn',
          msg: 'request refused',
          fields: expect.objectContaining({ path: path.slice(0, 200), method, reason }),
        },
      ]);
    },
  );

  test('a short odd value is written whole and reads back exactly', async () => {
    const { handle, written } = jsonHandler();
    await handle(snsRequest({ ...envelope(bounce), Type: ODD }, { 'x-amz-sns-message-type': 'x' }));
    const parsed = JSON.parse(written[0] ?? '') as Record<string, string>;
    expect(written[0]).not.toMatch(/[\n\r]/);
    expect(parsed.detail).toContain(`SNS envelope field "Type" is ${JSON.stringify(ODD)};`);
  });

  test('the logger cuts a long message and long fields, and keeps the rest as given', () => {
    const written: string[] = [];
    const logger = createJsonLogger((_level, line) => written.push(line));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    logger.warn(HUGE, { short: ODD, long: HUGE, count: 3, nested: { long: HUGE } });
    logger.info('override', { msg: HUGE, level: 'x' });
    logger.error(HUGE, cyclic);
    expect(written).toHaveLength(3);
    for (const line of written) {
      expect(line).not.toMatch(/[\n\r]/);
      expect(line.length).toBeLessThan(8_000);
    }
    const [first, second, third] = written.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ level: 'warn', short: ODD, count: 3 });
    expect(first.msg).toBe(`${HUGE.slice(0, 2000)}…`);
    expect(first.long).toBe(`${HUGE.slice(0, 2000)}…`);
    expect(first.nested.long).toBe(`${HUGE.slice(0, 2000)}…`);
    expect(second).toMatchObject({ level: 'x', msg: `${HUGE.slice(0, 2000)}…` });
    expect(third).toMatchObject({ level: 'error', msg: `${HUGE.slice(0, 2000)}…` });
  });
});

describe('with no logger option, the console gets one JSON line per message', () => {
  test('an event is an info line on console.log, a refusal a warn line on console.warn', async () => {
    const written: [string, unknown[]][] = [];
    const spies = (['debug', 'log', 'info', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        written.push([method, args]);
      }),
    );
    try {
      const handle = createMailWebhookHandler({
        providers: [ses({ verifySignature: false })],
        sinks: [],
      });
      expect((await handle(snsRequest(envelope(bounce)))).status).toBe(200);
      expect((await handle(new Request(`${URL_SES}x`, { method: 'POST' }))).status).toBe(404);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // Each call writes one string, a whole JSON object on one line.
    for (const [, args] of written) {
      expect(args).toHaveLength(1);
      expect(String(args[0])).not.toContain('\n');
    }
    const lines = written.map(([method, args]) => ({
      method,
      line: JSON.parse(String(args[0])) as Record<string, unknown>,
    }));
    expect(lines.find(({ line }) => line.msg === 'event')).toMatchObject({
      method: 'log',
      line: { level: 'info', eventType: 'bounced', recipient: 'recipient@example.com' },
    });
    expect(lines.find(({ line }) => line.msg === 'request refused')).toMatchObject({
      method: 'warn',
      line: { level: 'warn', status: 404, reason: 'not-found' },
    });
  });
});
