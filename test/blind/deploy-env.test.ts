/** Blind: the settings read from MAIL_WEBHOOK_* variables (mailhooks/env), as DESIGN names them. */
import { describe, expect, it } from 'vitest';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import {
  basic,
  build,
  captureConsoleEachTest,
  configError,
  type Env,
  newWhsec,
  on,
  oneEndpoint,
  postmarkDelivery,
  resendBounce,
  resendRequest,
  snsBounceRequest,
  startReceiver,
  stopsStartUp,
  withReceiver,
} from './deploy-helpers.js';

const logs = captureConsoleEachTest();

const LOCAL = 'http://127.0.0.1:19710/a';
/** An endpoint whose secret is MAIL_WEBHOOK_FANOUT_SECRET_A. */
const endpointA = (url: string, more: object = {}) => ({
  url,
  secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_A',
  ...more,
});
/** The fan-out sink alone, with these endpoints and MAIL_WEBHOOK_FANOUT_SECRET_A set. */
const fanout = (endpoints: object[], extra: Env = {}): Env => ({
  ...on,
  MAIL_WEBHOOK_SINKS: 'fanout',
  MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify(endpoints),
  MAIL_WEBHOOK_FANOUT_SECRET_A: newWhsec(),
  ...extra,
});

describe('MAIL_WEBHOOK_ENABLED', () => {
  it('defaults to false: the SES route answers 404 when the variable is unset', async () => {
    const handle = await build({ MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false' });
    const response = await handle(snsBounceRequest());
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body.ok).toBe(false);
  });

  it('"true" turns the routes on: the bundled bounce is 200 with two events', async () => {
    const handle = await build(on);
    const response = await handle(snsBounceRequest());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 2 });
  });

  it.each(['1', 'yes', 'on', 'true'])('accepts %s as true', async (value) => {
    const handle = await build({ ...on, MAIL_WEBHOOK_ENABLED: value });
    expect((await handle(snsBounceRequest())).status).toBe(200);
  });

  it.each(['0', 'no', 'off', 'false'])('accepts %s as false', async (value) => {
    const handle = await build({ ...on, MAIL_WEBHOOK_ENABLED: value });
    expect((await handle(snsBounceRequest())).status).toBe(404);
  });

  it('a boolean that is not one stops start-up naming the variable', async () => {
    const error = await configError({ ...on, MAIL_WEBHOOK_ENABLED: 'maybe' });
    expect(error.message).toContain('MAIL_WEBHOOK_ENABLED');
  });

  it('a wrangler.toml var written unquoted (a real boolean / number) is read as its text', async () => {
    const handle = await build({
      MAIL_WEBHOOK_ENABLED: true,
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: false,
      MAIL_WEBHOOK_MAX_BODY_BYTES: 1048576,
    });
    expect((await handle(snsBounceRequest())).status).toBe(200);
  });
});

describe('with no sink configured', () => {
  it('logs each event as one JSON line with the fields the README lists', async () => {
    const handle = await build(on);
    await handle(snsBounceRequest());
    const events = logs.lines.filter((l) => l.msg === 'event');
    expect(events.map((l) => l.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
    expect(events[0]).toMatchObject({
      level: 'info',
      esp: 'ses',
      eventType: 'bounced',
      eventId: '5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01',
    });
  });
});

describe('MAIL_WEBHOOK_BASE_PATH', () => {
  it('moves every route, and the 404 names the base path', async () => {
    const handle = await build({ ...on, MAIL_WEBHOOK_BASE_PATH: '/hooks/esp' });
    expect((await handle(snsBounceRequest('http://localhost/hooks/esp/ses'))).status).toBe(200);
    const miss = await handle(snsBounceRequest('http://localhost/webhooks/mail/ses'));
    expect(miss.status).toBe(404);
    expect(JSON.stringify(await miss.json())).toContain('/hooks/esp');
  });

  it('a base path that is not a path stops start-up naming the variable', async () => {
    const error = await configError({ ...on, MAIL_WEBHOOK_BASE_PATH: 'no slash here ..' });
    expect(error.message).toContain('MAIL_WEBHOOK_BASE_PATH');
  });
});

describe('MAIL_WEBHOOK_PROVIDERS', () => {
  it('defaults to ses (unset or empty)', async () => {
    for (const env of [on, { ...on, MAIL_WEBHOOK_PROVIDERS: '' }]) {
      const handle = await build(env);
      expect((await handle(snsBounceRequest())).status).toBe(200);
      const resend = await handle(
        resendRequest('http://localhost/webhooks/mail/resend', newWhsec(), resendBounce),
      );
      expect(resend.status).toBe(404);
    }
  });

  stopsStartUp([
    [
      'only commas and spaces stops start-up naming the variable',
      { MAIL_WEBHOOK_PROVIDERS: ' , ,' },
      'MAIL_WEBHOOK_PROVIDERS',
    ],
    [
      'an unknown provider name stops start-up naming the variable',
      { MAIL_WEBHOOK_PROVIDERS: 'ses,resnd' },
      'MAIL_WEBHOOK_PROVIDERS',
    ],
    [
      'a provider listed twice stops start-up',
      { MAIL_WEBHOOK_PROVIDERS: 'ses,ses' },
      'MAIL_WEBHOOK_PROVIDERS',
    ],
    [
      'a listed provider without its required secret stops start-up naming the secret variable',
      { MAIL_WEBHOOK_PROVIDERS: 'ses,resend' },
      'MAIL_WEBHOOK_RESEND_SECRET',
    ],
  ]);

  it.each([
    ['sendgrid', 'MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY'],
    ['mailgun', 'MAIL_WEBHOOK_MAILGUN_SIGNING_KEY'],
    ['unisender-go', 'MAIL_WEBHOOK_UNISENDER_GO_API_KEY'],
    ['mailersend', 'MAIL_WEBHOOK_MAILERSEND_SECRET'],
  ])('%s without its key stops start-up naming %s', async (name, variable) => {
    const error = await configError({ ...on, MAIL_WEBHOOK_PROVIDERS: name });
    expect(error.message).toContain(variable);
  });

  it('spaces around names in the list are allowed', async () => {
    const secret = newWhsec();
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: ' ses , resend ',
      MAIL_WEBHOOK_RESEND_SECRET: secret,
    });
    expect(
      (await handle(resendRequest('http://localhost/webhooks/mail/resend', secret, resendBounce)))
        .status,
    ).toBe(200);
    expect((await handle(snsBounceRequest())).status).toBe(200);
  });
});

describe('secrets: one value per variable, rotation with _PREVIOUS', () => {
  it('resend verifies with the current secret and with MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS', async () => {
    const current = newWhsec();
    const previous = newWhsec();
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'resend',
      MAIL_WEBHOOK_RESEND_SECRET: current,
      MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: previous,
    });
    const url = 'http://localhost/webhooks/mail/resend';
    const a = await handle(resendRequest(url, current, resendBounce, 'msg_a'));
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ ok: true, events: 1 });
    expect((await handle(resendRequest(url, previous, resendBounce, 'msg_b'))).status).toBe(200);
    const wrong = await handle(resendRequest(url, newWhsec(), resendBounce, 'msg_c'));
    expect(wrong.status).toBe(403);
  });

  it('commas and spaces are part of a password, not a list', async () => {
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pa ss,word',
    });
    const post = (auth: string) =>
      handle(
        new Request('http://localhost/webhooks/mail/postmark', {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: JSON.stringify(postmarkDelivery),
        }),
      );
    expect((await post(basic('anyone', 'pa ss,word'))).status).toBe(200);
    expect((await post(basic('anyone', 'pa ss'))).status).toBe(403);
    expect((await post(basic('anyone', 'word'))).status).toBe(403);
  });

  it('postmark without credentials is 401 with a Basic challenge', async () => {
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pw',
    });
    const response = await handle(
      new Request('http://localhost/webhooks/mail/postmark', {
        method: 'POST',
        body: JSON.stringify(postmarkDelivery),
      }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
  });

  stopsStartUp([
    [
      'a secret that is only blanks stops start-up naming the variable',
      { MAIL_WEBHOOK_PROVIDERS: 'resend', MAIL_WEBHOOK_RESEND_SECRET: '   ' },
      'MAIL_WEBHOOK_RESEND_SECRET',
    ],
    [
      'a bad _PREVIOUS value stops start-up naming that variable',
      {
        MAIL_WEBHOOK_PROVIDERS: 'resend',
        MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
        MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS: '  ',
      },
      'MAIL_WEBHOOK_RESEND_SECRET_PREVIOUS',
    ],
  ]);
});

describe('SES settings', () => {
  stopsStartUp(
    [
      [
        'a topic list of only commas and spaces stops start-up naming MAIL_WEBHOOK_SES_TOPIC_ARNS',
        { MAIL_WEBHOOK_SES_TOPIC_ARNS: ' , ' },
        'MAIL_WEBHOOK_SES_TOPIC_ARNS',
      ],
      [
        'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE=perhaps stops start-up naming it',
        { MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'perhaps' },
        'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE',
      ],
    ],
    { MAIL_WEBHOOK_ENABLED: 'true' },
  );

  it('autoConfirm without topicArns is a configuration error', async () => {
    const error = await configError({
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_AUTO_CONFIRM: 'true',
    });
    expect(error.message).toMatch(/MAIL_WEBHOOK_SES_(AUTO_CONFIRM|TOPIC_ARNS)/);
  });

  stopsStartUp([
    [
      'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS that is not a number stops start-up naming it',
      { MAIL_WEBHOOK_SES_MAX_AGE_SECONDS: 'soon' },
      'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS',
    ],
  ]);

  it('verification off is warned at start-up, once, naming the provider', async () => {
    const handle = await build(on);
    await handle(snsBounceRequest());
    await handle(snsBounceRequest());
    const warns = logs.lines.filter(
      (l) => l.level === 'warn' && l.esp === 'ses' && /verif/i.test(String(l.msg)),
    );
    expect(warns).toHaveLength(1);
  });

  it('with verification on and neither topics nor secret, start-up warns once naming MAIL_WEBHOOK_SES_TOPIC_ARNS', async () => {
    const handle = await build({ MAIL_WEBHOOK_ENABLED: 'true' });
    await handle(snsBounceRequest());
    await handle(snsBounceRequest());
    const warns = logs.lines.filter(
      (l) => l.level === 'warn' && JSON.stringify(l).includes('MAIL_WEBHOOK_SES_TOPIC_ARNS'),
    );
    expect(warns.length).toBeGreaterThanOrEqual(1);
    expect(logs.lines.filter((l) => l.level === 'warn' && l.msg === warns[0]?.msg)).toHaveLength(1);
  });

  it('MAIL_WEBHOOK_SES_PATH moves the SES route', async () => {
    const handle = await build({ ...on, MAIL_WEBHOOK_SES_PATH: 'amazon' });
    expect((await handle(snsBounceRequest('http://localhost/webhooks/mail/amazon'))).status).toBe(
      200,
    );
    expect((await handle(snsBounceRequest('http://localhost/webhooks/mail/ses'))).status).toBe(404);
  });

  it('two providers on one path stop start-up naming the _PATH variable', async () => {
    const error = await configError({
      ...on,
      MAIL_WEBHOOK_PROVIDERS: 'ses,resend',
      MAIL_WEBHOOK_RESEND_SECRET: newWhsec(),
      MAIL_WEBHOOK_RESEND_PATH: 'ses',
    });
    expect(error.message).toContain('MAIL_WEBHOOK_RESEND_PATH');
  });
});

describe('unknown and misplaced variables', () => {
  it('a misspelt MAIL_WEBHOOK_* variable is reported with the closest known name', async () => {
    const handle = await build({ ...on, MAIL_WEBHOOK_SES_SECRT: 'x' });
    await handle(snsBounceRequest());
    const line = logs.lines.find((l) => l.variable === 'MAIL_WEBHOOK_SES_SECRT');
    expect(line).toMatchObject({ level: 'warn', didYouMean: 'MAIL_WEBHOOK_SES_SECRET' });
  });

  it('a misspelt variable does not silently turn a check off: the route still verifies', async () => {
    const handle = await build({
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATUR: 'false',
    });
    const response = await handle(snsBounceRequest());
    expect(response.status).toBe(403);
    expect(logs.lines.find((l) => l.variable === 'MAIL_WEBHOOK_SES_VERIFY_SIGNATUR')).toMatchObject(
      {
        didYouMean: 'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE',
      },
    );
  });

  it('MAIL_WEBHOOK_PORT is pointed at PORT', async () => {
    const handle = await build({ ...on, MAIL_WEBHOOK_PORT: '9000' });
    await handle(snsBounceRequest());
    expect(logs.lines.find((l) => l.variable === 'MAIL_WEBHOOK_PORT')).toMatchObject({
      level: 'warn',
      didYouMean: 'PORT',
    });
  });

  it('a setting of a provider that is not listed is reported with the provider', async () => {
    const handle = await build({ ...on, MAIL_WEBHOOK_RESEND_SECRET: newWhsec() });
    await handle(snsBounceRequest());
    expect(logs.lines.find((l) => l.variable === 'MAIL_WEBHOOK_RESEND_SECRET')).toMatchObject({
      level: 'warn',
      provider: 'resend',
    });
    // The secret itself never reaches a log line.
    expect(logs.raw.join('\n')).not.toMatch(/whsec_/);
  });

  it('variables without the prefix are not reported', async () => {
    const handle = await build({ ...on, PATH: '/usr/bin', HOME: '/root', PORT: '8787' });
    await handle(snsBounceRequest());
    expect(logs.lines.filter((l) => typeof l.variable === 'string')).toEqual([]);
  });
});

describe('limits', () => {
  it('MAIL_WEBHOOK_MAX_BODY_BYTES bounds the body: larger is 413 body-too-large', async () => {
    const handle = await build({ ...on, MAIL_WEBHOOK_MAX_BODY_BYTES: '100' });
    const response = await handle(snsBounceRequest());
    expect(response.status).toBe(413);
    expect((await response.json()).error).toBe('body-too-large');
  });

  it.each([
    ['MAIL_WEBHOOK_MAX_BODY_BYTES', 'lots'],
    ['MAIL_WEBHOOK_MAX_BODY_BYTES', '0'],
    ['MAIL_WEBHOOK_MAX_BODY_BYTES', '1.5'],
    ['MAIL_WEBHOOK_BODY_TIMEOUT_MS', '0'],
    ['MAIL_WEBHOOK_BODY_TIMEOUT_MS', '600001'],
    ['MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS', '-5'],
    ['MAIL_WEBHOOK_LISTENER_TIMEOUT_MS', 'ten'],
    ['MAIL_WEBHOOK_FETCH_TIMEOUT_MS', '0'],
  ])('%s=%s stops start-up naming the variable', async (name, value) => {
    const error = await configError({ ...on, [name]: value });
    expect(error.message).toContain(name);
  });

  it('the four timeouts accept whole milliseconds up to 600000', async () => {
    const handle = await build({
      ...on,
      MAIL_WEBHOOK_BODY_TIMEOUT_MS: '600000',
      MAIL_WEBHOOK_DELIVERY_TIMEOUT_MS: '1',
      MAIL_WEBHOOK_LISTENER_TIMEOUT_MS: '5000',
      MAIL_WEBHOOK_FETCH_TIMEOUT_MS: '5000',
    });
    expect((await handle(snsBounceRequest())).status).toBe(200);
  });
});

describe('sinks from the environment', () => {
  stopsStartUp([
    [
      'MAIL_WEBHOOK_SINKS with an unknown sink stops start-up naming it',
      { MAIL_WEBHOOK_SINKS: 'memory,kafka' },
      'MAIL_WEBHOOK_SINKS',
    ],
    [
      'MAIL_WEBHOOK_SINKS of only commas and spaces stops start-up',
      { MAIL_WEBHOOK_SINKS: ', ,' },
      'MAIL_WEBHOOK_SINKS',
    ],
    [
      'queue outside Workers (no binding) stops start-up naming MAIL_WEBHOOK_QUEUE',
      { MAIL_WEBHOOK_SINKS: 'queue' },
      'MAIL_WEBHOOK_QUEUE',
    ],
    [
      'fanout without endpoints stops start-up naming MAIL_WEBHOOK_FANOUT_ENDPOINTS',
      { MAIL_WEBHOOK_SINKS: 'fanout' },
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    ],
    [
      'endpoints set while the sinks list no fanout stop start-up',
      {
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: '[{"url":"http://127.0.0.1:19710/x","secret":"env:S"}]',
        S: newWhsec(),
      },
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    ],
    [
      'fan-out retries set while the sinks list no fanout stop start-up',
      { MAIL_WEBHOOK_FANOUT_RETRIES: '2' },
      'MAIL_WEBHOOK_FANOUT_RETRIES',
    ],
    [
      'endpoints that are not JSON stop start-up naming the variable',
      { MAIL_WEBHOOK_SINKS: 'fanout', MAIL_WEBHOOK_FANOUT_ENDPOINTS: '[{url: nope}]' },
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS',
    ],
    [
      'a missing endpoint secret names the secret variable',
      {
        MAIL_WEBHOOK_SINKS: 'fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: oneEndpoint(LOCAL, 'MAIL_WEBHOOK_FANOUT_SECRET_CRM'),
      },
      'MAIL_WEBHOOK_FANOUT_SECRET_CRM',
    ],
  ]);

  it.each([
    [
      'an endpoint URL with credentials is refused, naming the entry',
      [endpointA(LOCAL), endpointA('https://user:pw@example.com/b')],
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[1].url',
      ':pw@',
    ],
    [
      'an endpoint URL with a query is refused',
      [endpointA('https://example.com/b?token=abc')],
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0].url',
      'token=abc',
    ],
    [
      'an unknown event type in an endpoint names the entry',
      [endpointA(LOCAL, { events: ['bounce'] })],
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0]',
      undefined,
    ],
    [
      'a misspelt endpoint key names it',
      [endpointA(LOCAL, { event: ['bounced'] })],
      'MAIL_WEBHOOK_FANOUT_ENDPOINTS[0]',
      undefined,
    ],
  ])('%s', async (_title, endpoints, named, hidden) => {
    const error = await configError(fanout(endpoints));
    expect(error.message).toContain(named);
    if (hidden) expect(error.message).not.toContain(hidden);
  });

  it.each([
    ['MAIL_WEBHOOK_FANOUT_RETRIES', '11'],
    ['MAIL_WEBHOOK_FANOUT_RETRIES', 'many'],
    ['MAIL_WEBHOOK_FANOUT_TIMEOUT_MS', '600001'],
    ['MAIL_WEBHOOK_FANOUT_TIMEOUT_MS', '0'],
  ])('%s=%s stops start-up naming it', async (name, value) => {
    const error = await configError(fanout([endpointA(LOCAL)], { [name]: value }));
    expect(error.message).toContain(name);
  });

  it('fanout delivers each event, signed as Standard Webhooks, honouring the event filter', async () => {
    const all = await startReceiver();
    const bouncesOnly = await startReceiver();
    const opensOnly = await startReceiver();
    try {
      const crm = newWhsec();
      const alerts = newWhsec();
      const handle = await build({
        ...on,
        MAIL_WEBHOOK_SINKS: 'memory,fanout',
        MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
          { url: `${all.url}/hooks/mail`, secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_CRM' },
          {
            url: `${bouncesOnly.url}/hooks/bounces`,
            secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_ALERTS',
            events: ['bounced', 'complained'],
          },
          {
            url: `${opensOnly.url}/hooks/opens`,
            secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_ALERTS',
            events: ['opened'],
          },
        ]),
        MAIL_WEBHOOK_FANOUT_SECRET_CRM: crm,
        MAIL_WEBHOOK_FANOUT_SECRET_ALERTS: alerts,
      });
      const response = await handle(snsBounceRequest());
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, events: 2 });
      expect(all.received).toHaveLength(2);
      expect(bouncesOnly.received).toHaveLength(2);
      expect(opensOnly.received).toHaveLength(0);
      // The two events are posted concurrently, so they may arrive in either order.
      const recipientOf = (r: { body: string }) => JSON.parse(r.body).data.recipient;
      expect(all.received.map(recipientOf).sort()).toEqual([
        'jane@example.com',
        'richard@example.com',
      ]);
      const first = all.received.find((r) => recipientOf(r) === 'jane@example.com');
      expect(first?.method).toBe('POST');
      expect(first?.url).toBe('/hooks/mail');
      expect(first?.headers['webhook-signature']).toMatch(/^v1,/);
      const body = JSON.parse(first?.body ?? '{}');
      expect(body.type).toBe('email.bounced');
      expect(typeof body.timestamp).toBe('string');
      expect(body.data.eventId).toBe('5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01');
      // The receiver side verifies it with the endpoint's key.
      const request = new Request('http://127.0.0.1/hooks/mail', {
        method: 'POST',
        headers: first?.headers as Record<string, string>,
        body: first?.body,
      });
      const context = await verifyTrackingWebhook(request, crm);
      expect(context.recipient).toBe('jane@example.com');
      expect(context.timestamp).toBeInstanceOf(Date);
      // Each endpoint signs with its own key.
      const other = bouncesOnly.received[0];
      await expect(
        verifyTrackingWebhook(
          new Request('http://127.0.0.1/x', {
            method: 'POST',
            headers: other?.headers as Record<string, string>,
            body: other?.body,
          }),
          crm,
        ),
      ).rejects.toThrow();
    } finally {
      await all.close();
      await bouncesOnly.close();
      await opensOnly.close();
    }
  });

  it('an endpoint that keeps failing makes the answer 503 sink-failed', async () => {
    await withReceiver(
      async (down) => {
        const handle = await build(
          fanout([endpointA(`${down.url}/x`)], { MAIL_WEBHOOK_FANOUT_RETRIES: '1' }),
        );
        const response = await handle(snsBounceRequest());
        expect(response.status).toBe(503);
        expect((await response.json()).error).toBe('sink-failed');
        // 1 + retries attempts per event.
        expect(down.received.length).toBe(4);
        expect(logs.lines.filter((l) => l.msg === 'event')).toEqual([]);
        const refusal = logs.lines.find((l) => l.msg === 'request refused');
        expect(refusal).toMatchObject({ level: 'error', status: 503, reason: 'sink-failed' });
      },
      () => 500,
    );
  });
});

describe('store variables', () => {
  stopsStartUp([
    [
      'MAIL_WEBHOOK_API_TOKEN without a store stops start-up naming it',
      { MAIL_WEBHOOK_API_TOKEN: 'a-long-random-string' },
      'MAIL_WEBHOOK_API_TOKEN',
    ],
    [
      'MAIL_WEBHOOK_RETENTION_DAYS that is not a number stops start-up naming it',
      { MAIL_WEBHOOK_RETENTION_DAYS: 'ninety' },
      'MAIL_WEBHOOK_RETENTION_DAYS',
    ],
  ]);
});
