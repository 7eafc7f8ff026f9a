/**
 * Attacks on the ESP checks through `createMailWebhookHandler`, each signed or authenticated so
 * that only the rule under attack can refuse it: Standard Webhooks timestamps, Mandrill's URL,
 * Mailgun's signature block, MailPace's signature bytes, Unisender Go's `auth`, shared secrets
 * sent oddly, and what a refusal may show.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  brevo,
  createMailWebhookHandler,
  mailersend,
  mailgun,
  mailpace,
  mailtrap,
  mandrill,
  type Provider,
  postmark,
  resend,
  unisenderGo,
} from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';
import { memoryLogger } from '../helpers/envelope.js';
import { hmacBase64, hmacHex } from '../helpers/hmac.js';
import { basic } from '../helpers/provider-harness.js';
import { makeKey } from './mailpace/helpers.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;

/** One provider behind a handler with a capturing sink and a fixed clock. */
function setup(provider: Provider) {
  const { handle, events: received, lines } = captureHandler(provider, { now: () => NOW });
  const post = async (body: string, headers: HeadersInit = {}, url = provider.path) => {
    const response = await handle(
      new Request(`https://hooks.example/webhooks/mail/${url}`, { method: 'POST', body, headers }),
    );
    const text = await response.text();
    return { status: response.status, error: (JSON.parse(text) as { error?: string }).error, text };
  };
  return { post, received, lines, handle };
}

describe('Standard Webhooks timestamps, each signed as sent', () => {
  // whsec_ + base64 of the key bytes: the HMAC key is these 24 ASCII bytes.
  const KEY = 'resend-test-secret-24-by';
  const BODY =
    '{"type":"email.delivered","created_at":"2026-03-01T12:00:00.000Z","data":{"email_id":"e","to":["a@b.example"]}}';
  const signed = async (timestamp: string) => ({
    'webhook-id': 'msg_1',
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${await hmacBase64(KEY, `msg_1.${timestamp}.${BODY}`)}`,
  });

  test.each([
    ['a leading +', `+${NOW_S}`, 'timestamp-invalid'],
    ['a fraction', `${NOW_S}.0`, 'timestamp-invalid'],
    ['an exponent', '1.77e9', 'timestamp-invalid'],
    ['a minus sign', '-1', 'timestamp-invalid'],
    ['an inner space', `${NOW_S} 1`, 'timestamp-invalid'],
    ['13 digits (milliseconds)', String(NOW.getTime()), 'timestamp-invalid'],
    ['301 s ahead', String(NOW_S + 301), 'timestamp-in-future'],
    ['far in the future', '99999999999', 'timestamp-in-future'],
    ['301 s old', String(NOW_S - 301), 'message-too-old'],
    ['0', '0', 'message-too-old'],
  ])('%s: 403 %s, nothing delivered', async (_what, timestamp, reason) => {
    const { post, received } = setup(resend({ secret: `whsec_${btoa(KEY)}` }));
    expect(await post(BODY, await signed(timestamp))).toMatchObject({ status: 403, error: reason });
    expect(received).toEqual([]);
  });

  test('5 minutes either way, and outer spaces (which HTTP trims), are accepted', async () => {
    const { post, received } = setup(resend({ secret: `whsec_${btoa(KEY)}` }));
    for (const seconds of [NOW_S + 300, NOW_S - 300]) {
      expect((await post(BODY, await signed(String(seconds)))).status).toBe(200);
    }
    const spaced = { ...(await signed(String(NOW_S))), 'webhook-timestamp': ` ${NOW_S} ` };
    expect((await post(BODY, spaced)).status).toBe(200);
    expect(received).toHaveLength(3);
  });

  test('maxAgeSeconds: 0 takes an old timestamp but still refuses one far ahead', async () => {
    const { post } = setup(resend({ secret: `whsec_${btoa(KEY)}`, maxAgeSeconds: 0 }));
    expect((await post(BODY, await signed('1'))).status).toBe(200);
    expect(await post(BODY, await signed(String(NOW_S + 301)))).toMatchObject({
      status: 403,
      error: 'timestamp-in-future',
    });
  });

  test('a body with a BOM, a trailing newline, or re-encoded is not the body signed', async () => {
    const { post, received } = setup(resend({ secret: `whsec_${btoa(KEY)}` }));
    const headers = await signed(String(NOW_S));
    for (const body of [`\ufeff${BODY}`, `${BODY}\n`, JSON.stringify(JSON.parse(BODY), null, 1)]) {
      expect(await post(body, headers)).toMatchObject({ status: 403, error: 'signature-invalid' });
    }
    expect(received).toEqual([]);
  });

  test('a second signature header: a malformed one beside a good one still verifies; two bad ones do not', async () => {
    const { post } = setup(resend({ secret: `whsec_${btoa(KEY)}` }));
    const good = await signed(String(NOW_S));
    const both = new Headers(good);
    both.append('webhook-signature', 'v1,not-a-signature');
    expect((await post(BODY, both)).status).toBe(200);
    const bad = new Headers({ ...good, 'webhook-signature': 'v1,AAAA' });
    bad.append('webhook-signature', 'v1,BBBB');
    expect(await post(BODY, bad)).toMatchObject({ status: 403, error: 'signature-invalid' });
  });
});

describe('Mandrill signs the URL exactly as configured', () => {
  const URL = 'https://hooks.example.com/webhooks/mail/mandrill';
  const EVENTS = '[]';
  const body = `mandrill_events=${encodeURIComponent(EVENTS)}`;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  test.each([
    ['a trailing slash', `${URL}/`],
    ['a query', `${URL}?x=1`],
    ['http', URL.replace('https:', 'http:')],
    ['an upper-case host', URL.replace('hooks.example.com', 'HOOKS.example.com')],
    ['a port', URL.replace('.com/', '.com:443/')],
  ])('signed over the URL with %s: 403 signature-invalid', async (_what, signedUrl) => {
    const { post } = setup(mandrill({ webhookKey: 'k', url: URL }));
    const signature = await hmacBase64('k', `${signedUrl}mandrill_events${EVENTS}`, 'SHA-1');
    expect(await post(body, { ...form, 'x-mandrill-signature': signature })).toMatchObject({
      status: 403,
      error: 'signature-invalid',
    });
  });

  test('signed over the configured URL: 200, whatever URL the request came to', async () => {
    const { post } = setup(mandrill({ webhookKey: 'k', url: URL }));
    const signature = await hmacBase64('k', `${URL}mandrill_events${EVENTS}`, 'SHA-1');
    expect((await post(body, { ...form, 'x-mandrill-signature': signature })).status).toBe(200);
  });
});

describe("Mailgun's signature block", () => {
  const KEY = 'key-attack-test';
  const eventData = {
    event: 'delivered',
    recipient: 'a@b.example',
    timestamp: NOW_S,
    id: 'ev1',
    message: { headers: { 'message-id': 'm@example' } },
  };
  const bodyWith = (signature: Record<string, unknown>) =>
    JSON.stringify({ signature, 'event-data': eventData });

  test('a fractional number timestamp is no signed text: 403 signature-invalid', async () => {
    const { post, received } = setup(mailgun({ signingKey: KEY }));
    const signature = await hmacHex(KEY, `${NOW_S}.5t1`);
    const body = bodyWith({ timestamp: NOW_S + 0.5, token: 't1', signature });
    expect(await post(body)).toMatchObject({ status: 403, error: 'signature-invalid' });
    expect(received).toEqual([]);
  });

  test.each([
    ['outer spaces', ` ${NOW_S}`],
    ['a fraction', `${NOW_S}.5`],
    ['a leading +', `+${NOW_S}`],
  ])('a signed timestamp with %s: 403 timestamp-invalid', async (_what, timestamp) => {
    const { post, received } = setup(mailgun({ signingKey: KEY }));
    const signature = await hmacHex(KEY, `${timestamp}t2`);
    expect(await post(bodyWith({ timestamp, token: 't2', signature }))).toMatchObject({
      status: 403,
      error: 'timestamp-invalid',
    });
    expect(received).toEqual([]);
  });

  test('a signature in upper-case hex, or over the token then the timestamp: 403 signature-invalid', async () => {
    const { post } = setup(mailgun({ signingKey: KEY }));
    const timestamp = String(NOW_S);
    const upper = (await hmacHex(KEY, `${timestamp}t3`)).toUpperCase();
    const swapped = await hmacHex(KEY, `t3${timestamp}`);
    for (const signature of [upper, swapped]) {
      expect(await post(bodyWith({ timestamp, token: 't3', signature }))).toMatchObject({
        status: 403,
        error: 'signature-invalid',
      });
    }
  });
});

describe('MailPace signature bytes', () => {
  const BODY =
    '{"event":"email.delivered","payload":{"id":1,"message_id":"m","to":"a@b.example","created_at":"2026-03-01T12:00:00Z"}}';

  test('a signature one byte short or long, two of them, or unpadded garbage: 403 signature-invalid', async () => {
    const key = await makeKey();
    const { post, received } = setup(mailpace({ publicKey: key.publicKey }));
    const good = await key.sign(BODY);
    const bytes = Uint8Array.from(atob(good), (c) => c.charCodeAt(0));
    const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
    for (const signature of [
      b64(bytes.subarray(0, 63)),
      b64(Uint8Array.of(...bytes, 0)),
      `${good}, ${good}`,
      'AAAA',
    ]) {
      expect(await post(BODY, { 'x-mailpace-signature': signature })).toMatchObject({
        status: 403,
        error: 'signature-invalid',
      });
    }
    expect(received).toEqual([]);
    expect((await post(BODY, { 'x-mailpace-signature': good })).status).toBe(200);
  });
});

// A character near the end, still inside a signature's significant bits: an HMAC or digest
// compared only up to some prefix would take it.
const tamper = (signature: string): string => {
  const at = signature.length - 3;
  const swapped = signature[at] === '0' ? '1' : '0';
  return `${signature.slice(0, at)}${swapped}${signature.slice(at + 1)}`;
};

describe("Unisender Go's auth field", () => {
  const KEY = 'unisender-attack-key';
  const sign = (payload: Record<string, unknown>) => {
    const text = JSON.stringify({ ...payload, auth: KEY });
    return text.replace(KEY, createHash('md5').update(text).digest('hex'));
  };
  const event = {
    event_name: 'transactional_email_status',
    event_data: {
      email: 'a@b.example',
      status: 'delivered',
      event_time: '2026-03-01 12:00:00',
      job_id: 'j',
    },
  };
  const payload = { events_by_user: [{ user_id: 1, events: [event] }] };

  test('a second auth key appended to a signed body (JSON takes the last): 403 signature-invalid', async () => {
    const { post, received } = setup(unisenderGo({ apiKey: KEY }));
    const body = sign(payload);
    expect((await post(body)).status).toBe(200);
    const auth = (JSON.parse(body) as { auth: string }).auth;
    for (const twice of [
      `${body.slice(0, -1)},"auth":"${auth}"}`,
      `${body.slice(0, -1)},"auth":"${'0'.repeat(32)}"}`,
    ]) {
      expect(await post(twice)).toMatchObject({ status: 403, error: 'signature-invalid' });
    }
    expect(received).toHaveLength(1);
  });

  test('an auth digest wrong in its last digits: 403 signature-invalid', async () => {
    const { post, received } = setup(unisenderGo({ apiKey: KEY }));
    const body = sign(payload);
    const auth = (JSON.parse(body) as { auth: string }).auth;
    expect(await post(body.replace(auth, tamper(auth)))).toMatchObject({
      status: 403,
      error: 'signature-invalid',
    });
    expect(received).toEqual([]);
    expect((await post(body)).status).toBe(200);
  });

  test('auth nested in an event, none at the top: 403 signature-missing', async () => {
    const { post, received } = setup(unisenderGo({ apiKey: KEY }));
    const { auth, ...rest } = JSON.parse(sign(payload)) as Record<string, unknown>;
    const nested = JSON.stringify({
      ...rest,
      events_by_user: [{ user_id: 1, auth, events: [event] }],
    });
    expect(await post(nested)).toMatchObject({ status: 403, error: 'signature-missing' });
    expect(received).toEqual([]);
  });

  test('auth that is not a string (a number, an object): 403 signature-missing', async () => {
    const { post } = setup(unisenderGo({ apiKey: KEY }));
    for (const auth of [1, { auth: 'x' }, null]) {
      expect(await post(JSON.stringify({ ...payload, auth }))).toMatchObject({
        status: 403,
        error: 'signature-missing',
      });
    }
  });
});

describe('hex HMAC bodies (MailerSend, Mailtrap)', () => {
  test('the right signature sent twice in one header is no signature: 403 signature-invalid', async () => {
    const body = '{"events":[]}';
    const { post } = setup(mailtrap({ secret: 's' }));
    const signature = await hmacHex('s', body);
    const headers = new Headers({ 'mailtrap-signature': signature });
    headers.append('mailtrap-signature', signature);
    expect(await post(body, headers)).toMatchObject({ status: 403, error: 'signature-invalid' });
  });

  test('MailerSend: a webhook.test signed with a secret other than the test one: 403 signature-invalid', async () => {
    const body = '{"type":"webhook.test","data":{}}';
    const { post } = setup(mailersend({ secret: 'real-secret' }));
    const signature = await hmacHex('not-the-test-secret', body);
    expect(await post(body, { signature })).toMatchObject({
      status: 403,
      error: 'signature-invalid',
    });
  });
});

describe('shared secrets sent oddly', () => {
  const BODY = '[]';
  test.each([
    ['Bearer with two spaces', { authorization: 'Bearer  tok' }, 200, undefined],
    ['bearer in lower case', { authorization: 'bearer tok' }, 200, undefined],
    [
      'Bearer with a second word',
      { authorization: 'Bearer tok extra' },
      401,
      'credentials-required',
    ],
    [
      'two Authorization headers',
      [
        ['authorization', 'Bearer tok'],
        ['authorization', 'Bearer tok'],
      ],
      401,
      'credentials-required',
    ],
    ['Bearer and no token', { authorization: 'Bearer' }, 401, 'credentials-required'],
    [
      'the token as a Basic password',
      { authorization: basic('u', 'tok') },
      401,
      'credentials-required',
    ],
  ] as const)('%s: %i %s', async (_what, headers, status, error) => {
    const { post } = setup(brevo({ token: 'tok' }));
    expect(await post(BODY, headers as HeadersInit)).toMatchObject({ status, error });
  });

  test.each([
    ['an empty password', basic('u', ''), 403, 'secret-mismatch'],
    ['only the user name, no colon', `Basic ${btoa('pw')}`, 401, 'credentials-required'],
    ['the password as the user name', basic('pw', ''), 403, 'secret-mismatch'],
    ['the password with a trailing space', basic('u', 'pw '), 403, 'secret-mismatch'],
    ['the right password after a colon-free user', basic('u', 'pw'), 200, undefined],
  ] as const)('Basic with %s: %i %s', async (_what, authorization, status, error) => {
    const { post } = setup(brevo({ password: 'pw' }));
    expect(await post(BODY, { authorization })).toMatchObject({ status, error });
  });

  test('a custom header sent twice, even with the right value both times: 403', async () => {
    const { post } = setup(brevo({ header: 'X-Hook-Key', value: 'v' }));
    const headers = new Headers({ 'x-hook-key': 'v' });
    headers.append('X-HOOK-KEY', 'v');
    expect(await post(BODY, headers)).toMatchObject({ status: 403, error: 'secret-mismatch' });
    expect((await post(BODY, { 'X-HOOK-KEY': 'v' })).status).toBe(200);
  });
});

describe('a signature right but for its last characters is refused', () => {
  const RESEND_KEY = 'resend-test-secret-24-by';
  const RESEND_BODY =
    '{"type":"email.delivered","created_at":"2026-03-01T12:00:00.000Z","data":{"email_id":"e","to":["a@b.example"]}}';
  const MANDRILL_URL = 'https://hooks.example.com/webhooks/mail/mandrill';
  const MANDRILL_EVENTS = '[]';
  const mailgunBody = (signature: string) =>
    JSON.stringify({
      signature: { timestamp: String(NOW_S), token: 'tok-tail', signature },
      'event-data': {
        event: 'delivered',
        recipient: 'a@b.example',
        timestamp: NOW_S,
        id: 'ev-tail',
        message: { headers: { 'message-id': 'm@example' } },
      },
    });

  /** Each ESP: its provider, and a request body and headers carrying `signature` (or its right one). */
  const cases: [
    string,
    () => Provider,
    () => Promise<string>,
    (signature: string) => { body: string; headers: Record<string, string> },
  ][] = [
    [
      'Resend (Standard Webhooks v1)',
      () => resend({ secret: `whsec_${btoa(RESEND_KEY)}` }),
      () => hmacBase64(RESEND_KEY, `msg_tail.${NOW_S}.${RESEND_BODY}`),
      (signature) => ({
        body: RESEND_BODY,
        headers: {
          'webhook-id': 'msg_tail',
          'webhook-timestamp': String(NOW_S),
          'webhook-signature': `v1,${signature}`,
        },
      }),
    ],
    [
      'MailerSend (hex HMAC-SHA256)',
      () => mailersend({ secret: 'ms-secret' }),
      () => hmacHex('ms-secret', '{"type":"webhook.test","data":{}}'),
      (signature) => ({ body: '{"type":"webhook.test","data":{}}', headers: { signature } }),
    ],
    [
      'Mailtrap (hex HMAC-SHA256)',
      () => mailtrap({ secret: 'mt-secret' }),
      () => hmacHex('mt-secret', '{"events":[]}'),
      (signature) => ({ body: '{"events":[]}', headers: { 'mailtrap-signature': signature } }),
    ],
    [
      'Mailgun (hex HMAC-SHA256 of timestamp + token)',
      () => mailgun({ signingKey: 'mg-key' }),
      () => hmacHex('mg-key', `${NOW_S}tok-tail`),
      (signature) => ({ body: mailgunBody(signature), headers: {} }),
    ],
    [
      'Mandrill (base64 HMAC-SHA1 of URL + params)',
      () => mandrill({ webhookKey: 'md-key', url: MANDRILL_URL }),
      () => hmacBase64('md-key', `${MANDRILL_URL}mandrill_events${MANDRILL_EVENTS}`, 'SHA-1'),
      (signature) => ({
        body: `mandrill_events=${encodeURIComponent(MANDRILL_EVENTS)}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-mandrill-signature': signature,
        },
      }),
    ],
  ];

  test.each(cases)(
    '%s: 403 signature-invalid, nothing delivered',
    async (_esp, make, sign, send) => {
      const right = await sign();
      const forged = send(tamper(right));
      const { post, received } = setup(make());
      expect(await post(forged.body, forged.headers)).toMatchObject({
        status: 403,
        error: 'signature-invalid',
      });
      expect(received).toEqual([]);
      // The same request with the signature as made: accepted, so only the tampering refused it.
      const genuine = send(right);
      expect((await post(genuine.body, genuine.headers)).status).toBe(200);
    },
  );
});

describe('refusals never show a secret', () => {
  const SECRETS = {
    password: 'pw-0d1b2c3a',
    token: 'tok-9f8e7d6c',
    value: 'hv-5a4b3c2d',
    webhookKey: 'mk-1a2b3c4d',
    signingKey: 'sk-6e7f8a9b',
    url: 'https://private.example/hook-4f3e2d1c',
  };
  const providers = [
    postmark({
      password: SECRETS.password,
      token: SECRETS.token,
      header: 'X-Secret-Header',
      value: SECRETS.value,
    }),
    mandrill({ webhookKey: SECRETS.webhookKey, url: SECRETS.url }),
    mailgun({ signingKey: SECRETS.signingKey }),
  ];
  const { logger } = memoryLogger();
  const handle = createMailWebhookHandler({ providers, logger, sinks: [] });

  test.each([
    ['an unknown route', 'https://hooks.example/webhooks/mail/nope', 'POST', {}, 'not-found'],
    [
      'a wrong method',
      'https://hooks.example/webhooks/mail/postmark',
      'PUT',
      {},
      'method-not-allowed',
    ],
    [
      'no credentials',
      'https://hooks.example/webhooks/mail/postmark',
      'POST',
      {},
      'credentials-required',
    ],
    [
      'wrong credentials',
      'https://hooks.example/webhooks/mail/postmark',
      'POST',
      { authorization: basic('u', 'nope') },
      'secret-mismatch',
    ],
    [
      'a wrong Mandrill signature',
      'https://hooks.example/webhooks/mail/mandrill',
      'POST',
      { 'x-mandrill-signature': 'AAAA' },
      'signature-invalid',
    ],
    [
      'a wrong Mailgun signature',
      'https://hooks.example/webhooks/mail/mailgun',
      'POST',
      {},
      'signature-invalid',
    ],
  ] as const)(
    '%s: the answer names no secret, URL or header configured',
    async (_what, url, method, headers, reason) => {
      const body =
        method === 'PUT'
          ? undefined
          : url.endsWith('mailgun')
            ? JSON.stringify({ signature: { timestamp: '1', token: 't', signature: 'x' } })
            : 'mandrill_events=[]';
      const response = await handle(new Request(url, { method, body, headers }));
      const answer = await response.text();
      // Refused by the rule the case is about, so its answer is the one under test.
      expect((JSON.parse(answer) as { error: string }).error).toBe(reason);
      const text = `${answer} ${JSON.stringify([...response.headers])}`;
      for (const secret of [...Object.values(SECRETS), 'X-Secret-Header', 'private.example']) {
        expect(text.toLowerCase()).not.toContain(secret.toLowerCase());
      }
    },
  );
});
