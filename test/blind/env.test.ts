// DESIGN "Environment-driven entry points" through mailhooks/env and the Worker.
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';
import { createHandlerFromEnv } from '../../src/env/index.js';
import { configErrorOf } from '../helpers/config-error.js';
import {
  basic,
  CERT_URL,
  certFetch,
  fixtureJson,
  json,
  makeSnsCert,
  newWhsec,
  post,
  recordingLogger,
  type SnsCert,
  sendgridKeys,
  sendgridRequest,
  snsEnvelope,
  snsRequest,
  standardRequest,
} from './helpers.js';

const RESEND = 'https://h.example/webhooks/mail/resend';
const body = () =>
  JSON.stringify({
    type: 'email.delivered',
    created_at: new Date().toISOString(),
    data: { email_id: 'e', to: ['a@example.com'] },
  });

/** Status and `error` of a refusal, or `ok` and `events` of an answer. */
async function answered(response: Response) {
  return { status: response.status, ...(await json(response)) };
}

describe('createHandlerFromEnv', () => {
  test('MAIL_WEBHOOK_ENABLED defaults to false: every route 404', async () => {
    const secret = newWhsec();
    const handler = createHandlerFromEnv(
      { MAIL_WEBHOOK_PROVIDERS: 'resend', MAIL_WEBHOOK_RESEND_SECRET: secret },
      { logger: recordingLogger() },
    );
    expect(await answered(await handler(standardRequest(RESEND, secret, body())))).toMatchObject({
      status: 404,
      error: 'not-found',
    });
  });

  test('enabled, with the secret: 200', async () => {
    const secret = newWhsec();
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: secret,
      },
      { logger: recordingLogger() },
    );
    const res = await handler(standardRequest(RESEND, secret, body()));
    expect(await answered(res)).toEqual({ status: 200, ok: true, events: 1 });
  });

  test('a listed provider whose required secret is missing stops start-up naming the variable', () => {
    const resend = configErrorOf(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'resend' },
        { logger: recordingLogger() },
      ),
    );
    expect(resend.message).toContain('MAIL_WEBHOOK_RESEND_SECRET');
    const sendgrid = configErrorOf(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'sendgrid' },
        { logger: recordingLogger() },
      ),
    );
    expect(sendgrid.message).toContain('MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY');
    const unisender = configErrorOf(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'unisender-go' },
        { logger: recordingLogger() },
      ),
    );
    expect(unisender.message).toContain('MAIL_WEBHOOK_UNISENDER_GO_API_KEY');
    const eventbridge = configErrorOf(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge' },
        { logger: recordingLogger() },
      ),
    );
    expect(eventbridge.message).toContain('MAIL_WEBHOOK_SES_EVENTBRIDGE_');
  });

  test('_PREVIOUS adds a rotated secret: either verifies', async () => {
    const current = newWhsec();
    const previous = newWhsec();
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: current,
        MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: previous,
      },
      { logger: recordingLogger() },
    );
    expect((await handler(standardRequest(RESEND, current, body()))).status).toBe(200);
    expect((await handler(standardRequest(RESEND, previous, body()))).status).toBe(200);
    expect(
      await answered(await handler(standardRequest(RESEND, newWhsec(), body()))),
    ).toMatchObject({ status: 403, error: 'signature-invalid' });
  });

  test('_PREVIOUS works for a public key too', async () => {
    const current = sendgridKeys();
    const previous = sendgridKeys();
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: current.publicKey,
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY_PREVIOUS: previous.publicKey,
      },
      { logger: recordingLogger() },
    );
    const events = JSON.stringify([
      {
        email: 'a@example.com',
        event: 'delivered',
        sg_message_id: 'm.1',
        timestamp: Math.floor(Date.now() / 1000),
      },
    ]);
    const url = 'https://h.example/webhooks/mail/sendgrid';
    expect((await handler(sendgridRequest(url, previous.privateKeyPem, events))).status).toBe(200);
    expect((await handler(sendgridRequest(url, current.privateKeyPem, events))).status).toBe(200);
    expect(
      await answered(await handler(sendgridRequest(url, sendgridKeys().privateKeyPem, events))),
    ).toMatchObject({ status: 403, error: 'signature-invalid' });
  });

  test('a secret is one value per variable: commas and spaces are part of it', async () => {
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'postmark',
        MAIL_WEBHOOK_POSTMARK_PASSWORD: 'a,b c',
      },
      { logger: recordingLogger() },
    );
    const pm = JSON.stringify(fixtureJson('esps/postmark/anymail_delivered_event.json'));
    const url = 'https://h.example/webhooks/mail/postmark';
    expect((await handler(post(url, pm, { authorization: basic('u', 'a,b c') }))).status).toBe(200);
    expect(
      await answered(await handler(post(url, pm, { authorization: basic('u', 'a') }))),
    ).toMatchObject({ status: 403, error: 'secret-mismatch' });
  });

  test('the public key variable and MAIL_WEBHOOK_BASE_PATH', async () => {
    const keys = sendgridKeys();
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: keys.publicKey,
        MAIL_WEBHOOK_BASE_PATH: '/esp',
      },
      { logger: recordingLogger() },
    );
    const events = JSON.stringify([
      {
        email: 'a@example.com',
        event: 'delivered',
        sg_message_id: 'm.1',
        timestamp: Math.floor(Date.now() / 1000),
      },
    ]);
    const res = await handler(
      sendgridRequest('https://h.example/esp/sendgrid', keys.privateKeyPem, events),
    );
    expect(await answered(res)).toEqual({ status: 200, ok: true, events: 1 });
    const old = await handler(
      sendgridRequest('https://h.example/webhooks/mail/sendgrid', keys.privateKeyPem, events),
    );
    expect(await answered(old)).toMatchObject({ status: 404, error: 'not-found' });
  });

  test('a MAIL_WEBHOOK_* variable that no setting reads is reported with the closest known name', async () => {
    const logger = recordingLogger();
    const secret = newWhsec();
    // Reported, not refused: start-up goes on.
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: secret,
        MAIL_WEBHOOK_RESEND_SECRT: 'typo',
      },
      { logger },
    );
    const reported = logger.lines.filter(
      (l) => l.level === 'warn' && l.text.includes('MAIL_WEBHOOK_RESEND_SECRT'),
    );
    expect(reported).toHaveLength(1);
    expect(reported[0]?.text).toContain('MAIL_WEBHOOK_RESEND_SECRET');
    expect(logger.all()).not.toContain('typo');
    expect((await handler(standardRequest(RESEND, secret, body()))).status).toBe(200);
  });

  test('a bad setting stops start-up naming the variable', () => {
    for (const [name, value] of [
      ['MAIL_WEBHOOK_ENABLED', 'maybe'],
      ['MAIL_WEBHOOK_MAX_BODY_BYTES', 'lots'],
      ['MAIL_WEBHOOK_BODY_TIMEOUT_MS', '-5'],
      ['MAIL_WEBHOOK_PROVIDERS', 'resend,nosuchesp'],
    ] as const) {
      const error = configErrorOf(() =>
        createHandlerFromEnv(
          {
            MAIL_WEBHOOK_ENABLED: 'true',
            MAIL_WEBHOOK_PROVIDERS: 'resend',
            MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
            [name]: value,
          },
          { logger: recordingLogger() },
        ),
      );
      expect(error.message, name).toContain(name);
    }
  });

  test('MAIL_WEBHOOK_SES_TOPIC_ARNS is a comma list', async () => {
    const cert: SnsCert = makeSnsCert();
    const topic2 = 'arn:aws:sns:us-east-1:123456789012:second';
    const handler = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_TOPIC_ARNS: `arn:aws:sns:us-east-1:123456789012:first, ${topic2}`,
      },
      { logger: recordingLogger(), fetch: certFetch({ [CERT_URL]: cert.certPem }) },
    );
    const msg = fixtureJson('ses/event-publishing-delivery.json');
    const ok = await handler(snsRequest(snsEnvelope(cert, msg, { topicArn: topic2 })));
    expect(ok.status).toBe(200);
    const other = await handler(
      snsRequest(snsEnvelope(cert, msg, { topicArn: 'arn:aws:sns:us-east-1:123456789012:third' })),
    );
    expect(await answered(other)).toMatchObject({ status: 403, error: 'topic-not-allowed' });
  });

  test('MAIL_WEBHOOK_PROVIDERS defaults to ses; with neither topic nor secret start-up warns naming MAIL_WEBHOOK_SES_TOPIC_ARNS', () => {
    const logger = recordingLogger();
    createHandlerFromEnv({ MAIL_WEBHOOK_ENABLED: 'true' }, { logger });
    expect(
      logger.lines
        .filter((l) => l.level === 'warn')
        .map((l) => l.text)
        .join('\n'),
    ).toContain('MAIL_WEBHOOK_SES_TOPIC_ARNS');
  });

  test('MAIL_WEBHOOK_SES_SECRET admits a topic by Basic credentials', async () => {
    const cert = makeSnsCert();
    const handler = createHandlerFromEnv(
      { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SES_SECRET: 'sns-pass' },
      { logger: recordingLogger(), fetch: certFetch({ [CERT_URL]: cert.certPem }) },
    );
    const env = snsEnvelope(cert, fixtureJson('ses/event-publishing-delivery.json'));
    const none = await handler(snsRequest(env));
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Basic/);
    expect(await answered(none)).toMatchObject({ status: 401, error: 'credentials-required' });
    expect(
      await answered(await handler(snsRequest(env, { auth: basic('x', 'sns-pass') }))),
    ).toEqual({ status: 200, ok: true, events: 1 });
  });
});

describe('the Worker (mailhooks/cloudflare default export)', () => {
  let secret: string;
  beforeAll(() => {
    secret = newWhsec();
  });
  const ctx = { waitUntil() {}, passThroughOnException() {} } as any;
  // The Worker logs to the console: keep the test output quiet.
  beforeEach(() => {
    for (const level of ['debug', 'info', 'log', 'warn', 'error'] as const) {
      vi.spyOn(console, level).mockImplementation(() => {});
    }
  });
  afterEach(() => vi.restoreAllMocks());

  test('reads MAIL_WEBHOOK_* from its env', async () => {
    const env = {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: secret,
    };
    const res = await (worker as any).fetch(standardRequest(RESEND, secret, body()), env, ctx);
    expect(await answered(res)).toEqual({ status: 200, ok: true, events: 1 });
  });

  test('disabled unless MAIL_WEBHOOK_ENABLED', async () => {
    const env = { MAIL_WEBHOOK_PROVIDERS: 'resend', MAIL_WEBHOOK_RESEND_SECRET: secret };
    const res = await (worker as any).fetch(standardRequest(RESEND, secret, body()), env, ctx);
    expect(await answered(res)).toMatchObject({ status: 404, error: 'not-found' });
  });
});
