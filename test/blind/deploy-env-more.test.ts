/** Blind, second pass: more of the variables DESIGN names, read through mailhooks/env and the Worker. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';
import type { ConfigError } from '../../src/index.js';
import {
  basic,
  build,
  captureConsoleEachTest,
  configError,
  type Env,
  newWhsec,
  on,
  oneEndpoint,
  resendBounce,
  resendRequest,
  snsBounceRequest,
  snsBounceText,
  stopsStartUp,
  withReceiver,
} from './deploy-helpers.js';

const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
const w = worker as unknown as { fetch(r: Request, e: Env, c: unknown): Promise<Response> };
const logs = captureConsoleEachTest();

const eventBridge = readFileSync(
  new URL('../fixtures/esps/amazon_ses_eventbridge/constructed_Delivery.json', import.meta.url),
  'utf8',
);
const ebRequest = (headers: Record<string, string>, account = '123456789012') =>
  new Request('http://localhost/webhooks/mail/ses-eventbridge', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...JSON.parse(eventBridge), account }),
  });

describe('empty variables are unset', () => {
  it.each([
    ['an empty MAIL_WEBHOOK_ENABLED is the default (false)', 'MAIL_WEBHOOK_ENABLED', 404],
    ['an empty MAIL_WEBHOOK_MAX_BODY_BYTES is the default', 'MAIL_WEBHOOK_MAX_BODY_BYTES', 200],
    ['an empty MAIL_WEBHOOK_SINKS is memory', 'MAIL_WEBHOOK_SINKS', 200],
  ])('%s', async (_title, name, status) => {
    const handle = await build({ ...on, [name]: '' });
    expect((await handle(snsBounceRequest())).status).toBe(status);
  });
});

describe('SES shared secret from MAIL_WEBHOOK_SES_SECRET', () => {
  it('no credentials: 401 with a Basic challenge; wrong: 403; right or _PREVIOUS: 200', async () => {
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_SES_SECRET: 'now-secret',
      MAIL_WEBHOOK_SES_SECRET_PREVIOUS: 'old-secret',
    });
    const withAuth = (auth?: string) => {
      const r = snsBounceRequest();
      const headers = new Headers(r.headers);
      if (auth) headers.set('authorization', auth);
      return new Request(r.url, {
        method: 'POST',
        headers,
        body: r.body,
        duplex: 'half',
      } as RequestInit);
    };
    const none = await handle(withAuth());
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    expect((await handle(withAuth(basic('sns', 'guess')))).status).toBe(403);
    expect((await handle(withAuth(basic('sns', 'now-secret')))).status).toBe(200);
    expect((await handle(withAuth(basic('sns', 'old-secret')))).status).toBe(200);
  });
});

describe('ses-eventbridge from the environment', () => {
  const env = {
    ...on,
    MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
    MAIL_WEBHOOK_SES_EVENTBRIDGE_HEADER: 'X-Api-Key',
    MAIL_WEBHOOK_SES_EVENTBRIDGE_VALUE: 'v-1',
    MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: '111111111111, 123456789012',
  };

  it('the accounts comma list allows each listed account and refuses another with 403', async () => {
    const handle = await build(env);
    const ok = await handle(ebRequest({ 'x-api-key': 'v-1' }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, events: 1 });
    expect((await handle(ebRequest({ 'x-api-key': 'v-1' }, '111111111111'))).status).toBe(200);
    expect((await handle(ebRequest({ 'x-api-key': 'v-1' }, '999999999999'))).status).toBe(403);
    expect((await handle(ebRequest({}))).status).toBe(401);
    expect((await handle(ebRequest({ 'x-api-key': 'v-2' }))).status).toBe(403);
  });

  it('the eventId is the EventBridge id and espName ses-eventbridge', async () => {
    const handle = await build(env);
    await handle(ebRequest({ 'x-api-key': 'v-1' }));
    expect(logs.lines.find((l) => l.msg === 'event')).toMatchObject({
      esp: 'ses-eventbridge',
      eventId: '00000000-0000-4000-8000-000000000002',
      eventType: 'delivered',
    });
  });

  it('a listed shared-secret provider with no credential settings stops start-up naming its variables', async () => {
    const error = await configError({ ...on, MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge' });
    expect(error.message).toContain('MAIL_WEBHOOK_SES_EVENTBRIDGE_');
  });

  it('accounts of only commas stops start-up naming the variable', async () => {
    const error = await configError({ ...env, MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS: ',,' });
    expect(error.message).toContain('MAIL_WEBHOOK_SES_EVENTBRIDGE_ACCOUNTS');
  });

  it('a header without its value stops start-up', async () => {
    const error = await configError({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'ses-eventbridge',
      MAIL_WEBHOOK_SES_EVENTBRIDGE_HEADER: 'X-Api-Key',
    });
    expect(error.message).toContain('MAIL_WEBHOOK_SES_EVENTBRIDGE_');
  });
});

describe('every built-in provider, listed alone with no settings, stops start-up naming its variables', () => {
  it.each([
    'resend',
    'sendgrid',
    'mailgun',
    'postmark',
    'brevo',
    'mailjet',
    'sparkpost',
    'unisender-go',
    'mailersend',
    'mailtrap',
    'mandrill',
    'postal',
    'ses-eventbridge',
    'mailpace',
    'loops',
    'scaleway',
  ])('%s', async (name) => {
    const error = (await configError({ ...on, MAIL_WEBHOOK_PROVIDERS: name })) as ConfigError;
    const prefix = `MAIL_WEBHOOK_${name.toUpperCase().replaceAll('-', '_')}_`;
    expect(error.message).toContain(prefix);
  });
});

describe('provider settings beyond the secret', () => {
  stopsStartUp([
    [
      'MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS that is not a number stops start-up naming it',
      {
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
        MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS: 'five minutes',
      },
      'MAIL_WEBHOOK_RESEND_MAX_AGE_SECONDS',
    ],
  ]);

  it('MAIL_WEBHOOK_RESEND_VERIFY_SIGNATURE=false accepts an unsigned Resend event, and warns', async () => {
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
      MAIL_WEBHOOK_RESEND_VERIFY_SIGNATURE: 'false',
    });
    const request = resendRequest(
      'http://localhost/webhooks/mail/resend',
      newWhsec(),
      resendBounce,
    );
    expect((await handle(request)).status).toBe(200);
    expect(logs.lines.some((l) => l.level === 'warn' && l.esp === 'resend')).toBe(true);
  });

  stopsStartUp([
    [
      'the resend secret must look like a whsec_ key: a bad one stops start-up naming it',
      { MAIL_WEBHOOK_PROVIDERS: 'resend', MAIL_WEBHOOK_RESEND_SECRET: 'whsec_***not base64***' },
      'MAIL_WEBHOOK_RESEND_SECRET',
    ],
    [
      'a malformed SendGrid public key stops start-up naming it',
      { MAIL_WEBHOOK_PROVIDERS: 'sendgrid', MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: 'not-a-key' },
      'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY',
    ],
    [
      'a malformed key stops start-up even with verification off',
      {
        MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: 'not-a-key',
        MAIL_WEBHOOK_SENDGRID_VERIFY_SIGNATURE: 'false',
      },
      'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY',
    ],
  ]);

  it('a _PREVIOUS without the current value stops start-up naming the current variable', async () => {
    // Rotation takes a *second* variable; the required one itself is missing (removed by mistake at
    // the end of a rotation, or the new value put under the wrong name).
    for (const [env, variable] of [
      [
        { MAIL_WEBHOOK_PROVIDERS: 'resend', MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: newWhsec() },
        'MAIL_WEBHOOK_RESEND_SECRET',
      ],
      [
        { MAIL_WEBHOOK_PROVIDERS: 'mailgun', MAIL_WEBHOOK_MAILGUN_SIGNING_KEY_PREVIOUS: 'k-old' },
        'MAIL_WEBHOOK_MAILGUN_SIGNING_KEY',
      ],
      [{ MAIL_WEBHOOK_SES_SECRET_PREVIOUS: 'old-pass' }, 'MAIL_WEBHOOK_SES_SECRET'],
    ] as const) {
      const error = (await configError({ ...on, ...env })) as ConfigError;
      expect(error.setting).toBe(variable);
      expect(error.message).toContain(`${variable}_PREVIOUS`);
      expect(error.message).not.toMatch(/k-old|old-pass|whsec_/);
    }
  });

  it('a setting misspelt for a listed provider is reported with its closest name', async () => {
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'ses,mailgun',
      MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: 'k',
      MAIL_WEBHOOK_MAILGUN_MAX_AGE: '60',
    });
    await handle(snsBounceRequest());
    expect(logs.lines.find((l) => l.variable === 'MAIL_WEBHOOK_MAILGUN_MAX_AGE')).toMatchObject({
      level: 'warn',
      didYouMean: 'MAIL_WEBHOOK_MAILGUN_MAX_AGE_SECONDS',
    });
  });

  it('SES allowAnyTopic and allowRawDelivery are read as booleans', async () => {
    for (const name of [
      'MAIL_WEBHOOK_SES_ALLOW_ANY_TOPIC',
      'MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY',
      'MAIL_WEBHOOK_SES_AUTO_CONFIRM',
    ]) {
      const error = await configError({ ...on, [name]: 'kinda' });
      expect(error.message).toContain(name);
    }
  });

  it('raw delivery is refused unless MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY is on and the secret matched', async () => {
    const sesMessage = JSON.parse(JSON.parse(snsBounceText).Message);
    const raw = (auth?: string) =>
      new Request('http://localhost/webhooks/mail/ses', {
        method: 'POST',
        headers: {
          'x-amz-sns-rawdelivery': 'true',
          'x-amz-sns-message-id': 'raw-1',
          'x-amz-sns-topic-arn': 'arn:aws:sns:us-east-1:123456789012:ses-events',
          ...(auth ? { authorization: auth } : {}),
        },
        body: JSON.stringify(sesMessage),
      });
    const strict = await build({ MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_SES_SECRET: 's' });
    expect((await strict(raw(basic('u', 's')))).status).toBeGreaterThanOrEqual(400);
    const allowed = await build({
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_SECRET: 's',
      MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY: 'true',
    });
    const ok = await allowed(raw(basic('u', 's')));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, events: 2 });
  });
});

describe('fan-out settings', () => {
  it('endpoints given as a TOML array of tables (a real array in env) work as the JSON string does', async () => {
    await withReceiver(async (receiver) => {
      const handle = await build({
        ...on,
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: [
          { url: `${receiver.url}/a`, secret: 'env:CRM_KEY', events: ['bounced'] },
        ],
        CRM_KEY: newWhsec(),
      });
      expect((await handle(snsBounceRequest())).status).toBe(200);
      expect(receiver.received).toHaveLength(2);
    });
  });

  it('an endpoint secret variable the endpoints name is not reported as unknown; one nobody names is', async () => {
    await withReceiver(async (receiver) => {
      const handle = await build({
        ...on,
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: oneEndpoint(
          `${receiver.url}/a`,
          'MAIL_WEBHOOK_FANOUT_SECRET_CRM',
        ),
        MAIL_WEBHOOK_FANOUT_SECRET_CRM: newWhsec(),
        MAIL_WEBHOOK_FANOUT_SECRET_ALERTS: newWhsec(),
      });
      await handle(snsBounceRequest());
      const reported = logs.lines
        .filter((l) => typeof l.variable === 'string')
        .map((l) => l.variable);
      expect(reported).not.toContain('MAIL_WEBHOOK_FANOUT_SECRET_CRM');
      expect(reported).toContain('MAIL_WEBHOOK_FANOUT_SECRET_ALERTS');
      expect(logs.raw.join('\n')).not.toContain('whsec_');
    });
  });

  it('an endpoint secret variable holding something other than a whsec_ key names that variable', async () => {
    const error = await configError({
      ...on,
      MAIL_WEBHOOK_SINKS: 'fanout',
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: oneEndpoint(
        'http://127.0.0.1:19713/a',
        'MAIL_WEBHOOK_FANOUT_SECRET_CRM',
      ),
      MAIL_WEBHOOK_FANOUT_SECRET_CRM: 'hunter2',
    });
    expect(error.message).toContain('MAIL_WEBHOOK_FANOUT_SECRET_CRM');
    expect(error.message).not.toContain('hunter2');
  });

  it('a secret written into the JSON (not env:NAME) is refused', async () => {
    const secret = newWhsec();
    const error = await configError({
      ...on,
      MAIL_WEBHOOK_SINKS: 'fanout',
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: 'http://127.0.0.1:19713/a', secret }]),
    });
    expect(error.message).toContain('MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].secret');
    expect(error.message).not.toContain(secret);
  });

  it('the webhook-id is the same for a redelivery of one (eventId, recipient, eventType)', async () => {
    await withReceiver(async (receiver) => {
      const handle = await build({
        ...on,
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: oneEndpoint(`${receiver.url}/a`, 'K'),
        K: newWhsec(),
      });
      await handle(snsBounceRequest());
      await handle(snsBounceRequest());
      expect(receiver.received).toHaveLength(4);
      // Each delivery posts its two events concurrently, in either order: ids by recipient.
      const idsByRecipient = (received: typeof receiver.received) =>
        Object.fromEntries(
          received.map((r) => [JSON.parse(r.body).data.recipient, r.headers['webhook-id']]),
        );
      const first = idsByRecipient(receiver.received.slice(0, 2));
      expect(Object.keys(first).sort()).toEqual(['jane@example.com', 'richard@example.com']);
      expect(idsByRecipient(receiver.received.slice(2))).toEqual(first);
      expect(first['jane@example.com']).not.toBe(first['richard@example.com']);
    });
  });
});

describe('the Worker reads the same variables', () => {
  it('a misspelt variable on the Worker is warned with the closest name, not a 503', async () => {
    const response = await w.fetch(snsBounceRequest(), { ...on, MAIL_WEBHOOK_BASEPATH: '/x' }, ctx);
    expect(response.status).toBe(200);
    expect(logs.lines.find((l) => l.variable === 'MAIL_WEBHOOK_BASEPATH')).toMatchObject({
      didYouMean: 'MAIL_WEBHOOK_BASE_PATH',
    });
  });

  it('MAIL_WEBHOOK_SQLITE_PATH on the Worker (no SQLite there) does not silently pass', async () => {
    const response = await w.fetch(
      snsBounceRequest(),
      { ...on, MAIL_WEBHOOK_SQLITE_PATH: '/data/m.sqlite' },
      ctx,
    );
    const reported = logs.lines.some((l) => JSON.stringify(l).includes('MAIL_WEBHOOK_SQLITE_PATH'));
    expect(reported).toBe(true);
    expect([200, 503]).toContain(response.status);
  });

  it('a MAIL_WEBHOOK_DB that is not a D1 binding is misconfigured, naming it', async () => {
    const response = await w.fetch(
      snsBounceRequest(),
      { ...on, MAIL_WEBHOOK_DB: 'mailhooks' },
      ctx,
    );
    expect(response.status).toBe(503);
    expect(logs.lines.find((l) => l.msg === 'request refused')?.setting).toBe('MAIL_WEBHOOK_DB');
  });

  it('a MAIL_WEBHOOK_QUEUE binding that is not a queue is misconfigured, naming it', async () => {
    const response = await w.fetch(
      snsBounceRequest(),
      { ...on, MAIL_WEBHOOK_SINKS: 'queue', MAIL_WEBHOOK_QUEUE: 'mailhooks-events' },
      ctx,
    );
    expect(response.status).toBe(503);
    expect(
      JSON.stringify(logs.lines.find((l) => l.msg === 'mailhooks is misconfigured')),
    ).toContain('MAIL_WEBHOOK_QUEUE');
  });

  it('a Worker whose settings are fixed recovers (a new env is read afresh)', async () => {
    const bad = await w.fetch(snsBounceRequest(), { ...on, MAIL_WEBHOOK_MAX_BODY_BYTES: 'x' }, ctx);
    expect(bad.status).toBe(503);
    const good = await w.fetch(snsBounceRequest(), { ...on }, ctx);
    expect(good.status).toBe(200);
  });

  it('405 on another method, 404 naming basePath and the provider paths', async () => {
    const env = {
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'ses,resend',
      MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
    };
    const get = await w.fetch(new Request('http://localhost/webhooks/mail/ses'), env, ctx);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toContain('POST');
    const miss = await w.fetch(
      new Request('http://localhost/webhooks/mail/nope', { method: 'POST', body: '{}' }),
      env,
      ctx,
    );
    expect(miss.status).toBe(404);
    const text = await miss.text();
    for (const word of ['/webhooks/mail', 'ses', 'resend']) expect(text).toContain(word);
  });
});
