/**
 * Which SNS topics may post: a valid signature proves only that *some* topic sent the message, so
 * verified Notifications need an allow-listed topic or the shared secret. Also the secret's
 * rotation list and the option typo that would otherwise turn the allow-list off.
 */
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/from-env.js';
import {
  ConfigError,
  createMailWebhookHandler,
  type EmailTrackingContext,
  type SesOptions,
  ses,
} from '../../src/index.js';
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import { realCertificates, realMessages } from '../fixtures/sns-real/index.js';
import { envelope, memoryLogger, snsRequest, URL_SES } from '../helpers/envelope.js';
import { createSigner, type Signer, type SnsBody } from '../helpers/signing.js';

const TOPIC_VARIABLE = 'MAIL_WEBHOOK_SES_TOPIC_ARNS';
const START_UP_WARNING = /no SNS topic is allowed/;

type Logged = ReturnType<typeof memoryLogger>['lines'];

const startUpWarnings = (lines: Logged) =>
  lines.filter((l) => l.level === 'warn' && START_UP_WARNING.test(l.msg));

async function answer(response: Response) {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const basic = (password: string, user = 'sns') => ({
  authorization: `Basic ${btoa(`${user}:${password}`)}`,
});

/** Serves the real AWS certificates by file name, as SNS's hosts would. */
const realFetch = (async (input: RequestInfo | URL) => {
  const pem = realCertificates[String(input).split('/').pop() ?? ''];
  return pem ? new Response(pem) : new Response('not found', { status: 404 });
}) as typeof fetch;

/** A handler over the real signed fixtures, its clock at the message's own Timestamp. */
function realHandler(json: string, options: SesOptions) {
  const message = JSON.parse(json) as SnsBody;
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    fetch: realFetch,
    now: () => new Date(message.Timestamp as string),
    logger,
    sinks: [{ name: 'test', send: async () => {} }],
    providers: [ses(options)],
  });
  const request = (headers: Record<string, string> = {}) =>
    new Request(URL_SES, {
      method: 'POST',
      body: json,
      headers: {
        'x-amz-sns-message-type': message.Type as string,
        'x-amz-sns-message-id': message.MessageId as string,
        ...headers,
      },
    });
  return { message, handle, request, lines };
}

describe('real AWS-signed Notifications, neither topicArns nor a secret set', () => {
  test.each(realMessages)(
    '$name: 403 topic-not-allowed naming the variable and its TopicArn',
    async ({ json }) => {
      const { message, handle, request, lines } = realHandler(json, {});
      const { status, body } = await answer(await handle(request()));
      expect(status).toBe(403);
      expect(body).toMatchObject({ ok: false, error: 'topic-not-allowed' });
      expect(body.message).toContain(TOPIC_VARIABLE);
      expect(body.message).toContain(message.TopicArn);
      const refused = lines.filter((l) => l.msg === 'request refused');
      expect(refused.map((l) => l.fields.reason)).toEqual(['topic-not-allowed']);
    },
  );

  test.each(realMessages)(
    '$name: another topic allow-listed → 403 topic-not-allowed naming the variable and its TopicArn',
    async ({ json }) => {
      const other = 'arn:aws:sns:us-east-1:111111111111:another-topic';
      const { message, handle, request } = realHandler(json, { topicArns: [other] });
      const { status, body } = await answer(await handle(request()));
      expect(status).toBe(403);
      expect(body).toMatchObject({ ok: false, error: 'topic-not-allowed' });
      expect(body.message).toContain(TOPIC_VARIABLE);
      expect(body.message).toContain(message.TopicArn);
    },
  );

  test.each(realMessages)('$name: allowAnyTopic: true → 200', async ({ json }) => {
    const { handle, request, lines } = realHandler(json, { allowAnyTopic: true });
    expect(await answer(await handle(request()))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(startUpWarnings(lines)).toEqual([]);
  });

  test.each(realMessages)('$name: its TopicArn in topicArns → 200', async ({ json }) => {
    const topicArn = (JSON.parse(json) as SnsBody).TopicArn as string;
    const { handle, request } = realHandler(json, { topicArns: [topicArn] });
    expect((await handle(request())).status).toBe(200);
  });

  test.each(realMessages)('$name: a secret sent as Basic → 200', async ({ json }) => {
    const { handle, request } = realHandler(json, { secret: 'sns-basic-secret' });
    expect(await answer(await handle(request(basic('sns-basic-secret'))))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    // The secret is what proves the sender: without it, 401; with a wrong one, 403.
    expect((await handle(request())).status).toBe(401);
    expect((await handle(request(basic('guess')))).status).toBe(403);
  });
});

describe('the rule with signer-made messages', () => {
  function setup(signer: Signer, options: SesOptions = {}) {
    const received: EmailTrackingContext[] = [];
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({
      fetch: signer.fetch,
      logger,
      sinks: [{ name: 'test', send: async (events) => void received.push(...events) }],
      providers: [ses(options)],
    });
    return { handle, received, lines };
  }
  const sendMessage = (signer: Signer) =>
    signer.sign(signer.notification({ Message: JSON.stringify(send) }));

  test('start-up warns once, naming the variable, however many requests follow', async () => {
    const signer = await createSigner();
    const { handle, lines } = setup(signer);
    expect(startUpWarnings(lines)).toHaveLength(1);
    expect(startUpWarnings(lines)[0]?.msg).toContain(TOPIC_VARIABLE);
    for (let i = 0; i < 3; i++) {
      expect((await handle(snsRequest(await sendMessage(signer)))).status).toBe(403);
    }
    expect(startUpWarnings(lines)).toHaveLength(1);
  });

  test('the default provider list (no providers option) warns as well', () => {
    const { logger, lines } = memoryLogger();
    createMailWebhookHandler({ logger, sinks: [] });
    expect(startUpWarnings(lines)).toHaveLength(1);
  });

  test.each<[string, SesOptions]>([
    ['topicArns', { topicArns: ['arn:aws:sns:us-east-1:123456789012:mailhooks-test'] }],
    ['a secret', { secret: 'x' }],
    ['allowAnyTopic', { allowAnyTopic: true }],
    ['verifySignature false', { verifySignature: false }],
  ])('no start-up topic warning with %s', async (_name, options) => {
    const signer = await createSigner();
    expect(startUpWarnings(setup(signer, options).lines)).toEqual([]);
  });

  test('a verified Notification: 403, nothing delivered; allow-listed: 200 with its event', async () => {
    const signer = await createSigner();
    const open = setup(signer);
    const body = await sendMessage(signer);
    const refused = await answer(await open.handle(snsRequest(body)));
    expect(refused).toMatchObject({ status: 403, body: { error: 'topic-not-allowed' } });
    expect(refused.body.message).toContain(TOPIC_VARIABLE);
    expect(refused.body.message).toContain(signer.topicArn);
    expect(open.received).toEqual([]);

    const listed = setup(signer, { topicArns: [signer.topicArn] });
    expect(await answer(await listed.handle(snsRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(listed.received.map((c) => c.eventType)).toEqual(['sent']);
  });

  test('a SubscriptionConfirmation is answered 200 and logged with the TopicArn to add', async () => {
    const signer = await createSigner();
    const { handle, lines } = setup(signer);
    const body = await signer.sign(signer.subscriptionConfirmation());
    expect(await answer(await handle(snsRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    const logged = lines.find((l) => l.fields.subscribeUrl === body.SubscribeURL);
    expect(logged?.fields.topicArn).toBe(signer.topicArn);
    expect(String(logged?.fields.todo)).toContain(TOPIC_VARIABLE);
    // Never confirmed: only the certificate was fetched.
    expect(signer.fetch.calls).toEqual([signer.certUrl]);
  });

  test('with a topic allowed, the confirmation log carries no to-do', async () => {
    const signer = await createSigner();
    const { handle, lines } = setup(signer, { topicArns: [signer.topicArn] });
    const body = await signer.sign(signer.subscriptionConfirmation());
    expect((await handle(snsRequest(body))).status).toBe(200);
    const logged = lines.find((l) => l.fields.subscribeUrl === body.SubscribeURL);
    expect(logged?.fields.topicArn).toBe(signer.topicArn);
    expect(logged?.fields).not.toHaveProperty('todo');
  });

  test('a forged Notification is still refused by its signature first', async () => {
    const signer = await createSigner();
    const { handle } = setup(signer);
    const signed = await sendMessage(signer);
    const forged = { ...signed, Message: signed.Message?.replace('recipient@', 'victim@') ?? '' };
    expect(await answer(await handle(snsRequest(forged)))).toMatchObject({
      status: 403,
      body: { error: 'signature-invalid' },
    });
  });

  test('with verifySignature false the rule does not apply: unsigned posts are delivered', async () => {
    const { logger, lines } = memoryLogger();
    const received: EmailTrackingContext[] = [];
    const handle = createMailWebhookHandler({
      logger,
      sinks: [{ name: 'test', send: async (events) => void received.push(...events) }],
      providers: [ses({ verifySignature: false })],
    });
    expect(await answer(await handle(snsRequest(envelope(send))))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(received.map((c) => c.eventType)).toEqual(['sent']);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      expect.stringContaining('verification is OFF'),
    ]);
  });
});

describe('the shared secret may be a list (rotation)', () => {
  const NEW = 'new secret, with a comma';
  const OLD = 'old-secret';

  /** Posts one signed Send event with `headers`; answers status and the whole response text. */
  async function tryWith(
    handle: (request: Request) => Promise<Response>,
    signer: Signer,
    headers: Record<string, string>,
  ) {
    const body = await signer.sign(signer.notification({ Message: JSON.stringify(send) }));
    const response = await handle(snsRequest(body, headers));
    return { status: response.status, text: await response.text() };
  }

  const neverShown = (texts: string[]) => {
    for (const text of texts) {
      expect(text).not.toContain(NEW);
      expect(text).not.toContain(OLD);
    }
  };

  test('ses({ secret: [new, old] }): either passes, others 403, none 401', async () => {
    const signer = await createSigner();
    const { logger, lines } = memoryLogger();
    const handle = createMailWebhookHandler({
      fetch: signer.fetch,
      logger,
      sinks: [{ name: 'test', send: async () => {} }],
      providers: [ses({ secret: [NEW, OLD] })],
    });
    const results = [
      await tryWith(handle, signer, basic(NEW)),
      await tryWith(handle, signer, basic(OLD)),
      await tryWith(handle, signer, basic('other')),
      await tryWith(handle, signer, basic(`${NEW}x`)),
      await tryWith(handle, signer, basic(NEW.split(',')[0] ?? '')),
      await tryWith(handle, signer, {}),
    ];
    expect(results.map((r) => r.status)).toEqual([200, 200, 403, 403, 403, 401]);
    neverShown([...results.map((r) => r.text), JSON.stringify(lines)]);
  });

  test('MAIL_WEBHOOK_SES_SECRET and MAIL_WEBHOOK_SES_SECRET_PREVIOUS', async () => {
    const signer = await createSigner();
    const { logger, lines } = memoryLogger();
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_SECRET: NEW,
        MAIL_WEBHOOK_SES_SECRET_PREVIOUS: OLD,
      },
      { fetch: signer.fetch, logger },
    );
    const results = [
      await tryWith(handle, signer, basic(NEW)),
      await tryWith(handle, signer, basic(OLD)),
      await tryWith(handle, signer, basic('other')),
      // One value per variable: the comma is part of the secret, not a list separator.
      await tryWith(handle, signer, basic('new secret')),
      await tryWith(handle, signer, {}),
    ];
    expect(results.map((r) => r.status)).toEqual([200, 200, 403, 403, 401]);
    expect(startUpWarnings(lines)).toEqual([]);
    neverShown([...results.map((r) => r.text), JSON.stringify(lines)]);
  });

  test('from the environment with neither topic nor secret: the rule names the variable', async () => {
    const signer = await createSigner();
    const { logger, lines } = memoryLogger();
    const handle = createHandlerFromEnv(
      { MAIL_WEBHOOK_ENABLED: 'true' },
      { fetch: signer.fetch, logger },
    );
    expect(startUpWarnings(lines)).toHaveLength(1);
    const body = await signer.sign(signer.notification({ Message: JSON.stringify(send) }));
    const refused = await answer(await handle(snsRequest(body)));
    expect(refused).toMatchObject({ status: 403, body: { error: 'topic-not-allowed' } });
    expect(refused.body.message).toContain(TOPIC_VARIABLE);

    const open = createHandlerFromEnv(
      { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SES_ALLOW_ANY_TOPIC: 'true' },
      { fetch: signer.fetch, logger: memoryLogger().logger },
    );
    expect((await open(snsRequest(body))).status).toBe(200);
    const listed = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        [TOPIC_VARIABLE]: `arn:aws:sns:us-east-1:123456789012:x, ${signer.topicArn}`,
      },
      { fetch: signer.fetch, logger: memoryLogger().logger },
    );
    expect((await listed(snsRequest(body))).status).toBe(200);
  });
});

describe('options that would silently turn a check off are errors', () => {
  test('ses({ topicArn }) names ses.topicArn and suggests topicArns', () => {
    const typo = { topicArn: ['arn:aws:sns:us-east-1:123456789012:ses-events'] };
    let thrown: unknown;
    try {
      ses(typo as unknown as SesOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).setting).toBe('ses.topicArn');
    expect((thrown as ConfigError).message).toContain('ses.topicArn');
    expect((thrown as ConfigError).message).toContain('topicArns');
  });

  test('the old top-level ses option points at providers: [ses({...})]', () => {
    expect(() =>
      createMailWebhookHandler({ ses: { topicArns: [] } } as unknown as Parameters<
        typeof createMailWebhookHandler
      >[0]),
    ).toThrow(/providers: \[ses\(/);
  });
});
