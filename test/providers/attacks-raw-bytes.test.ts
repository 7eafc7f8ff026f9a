/**
 * More attacks through `createMailWebhookHandler`, each beside the genuine request it is made from
 * (which passes, so only the rule under attack refuses it): every ESP that signs its body refuses
 * the same JSON in other bytes; shared-secret credentials count only where DESIGN puts them;
 * Unisender Go's `auth` written another way; and no refusal shows a configured secret.
 */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  loops,
  mailersend,
  mailpace,
  mailtrap,
  type Provider,
  postal,
  postmark,
  resend,
  sesEventBridge,
  unisenderGo,
} from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';
import { hmacBase64, hmacHex } from '../helpers/hmac.js';
import { basic } from '../helpers/provider-harness.js';
import { makeKey as makeEd25519Key } from './mailpace/helpers.js';
import { KEY as POSTAL_KEY } from './postal/helpers.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const NOW_S = NOW.getTime() / 1000;

/** One provider behind a handler with a capturing sink and a fixed clock. */
function setup(provider: Provider) {
  const { handle, events: received } = captureHandler(provider, { now: () => NOW });
  const post = async (body: string, headers: HeadersInit = {}, query = '') => {
    const url = `https://hooks.example/webhooks/mail/${provider.path}${query}`;
    const response = await handle(new Request(url, { method: 'POST', body, headers }));
    const text = await response.text();
    return {
      status: response.status,
      error: (JSON.parse(text) as { error?: string }).error,
      challenge: response.headers.get('www-authenticate'),
      text: `${text} ${JSON.stringify([...response.headers])}`,
    };
  };
  return { post, received };
}

/** A JSON value with the keys of every object in reverse order. */
const _reversed = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(_reversed)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, _reversed(v)]),
        )
      : value;

/** The same JSON in other bytes: what a proxy or a re-serializing framework would send on. */
const REWRITES: [string, (body: string) => string][] = [
  ['a byte-order mark before it', (body) => `\ufeff${body}`],
  ['a trailing newline', (body) => `${body}\n`],
  ['its keys in another order', (body) => JSON.stringify(_reversed(JSON.parse(body)))],
  ['pretty-printed', (body) => JSON.stringify(JSON.parse(body), null, 2)],
  ['"/" escaped as "\\/"', (body) => body.replaceAll('/', '\\/')],
];

const SW_KEY = 'attack-sw-secret-24-byte';

/** Each ESP that signs the raw body: a provider, a body, and the headers that sign some bytes. */
const SIGNERS: [
  string,
  () => Promise<Provider>,
  string,
  (bytes: string) => Promise<HeadersInit>,
][] = [
  [
    'MailerSend (Signature)',
    async () => mailersend({ secret: 'ms-secret' }),
    '{"type":"activity.delivered","created_at":"2026-03-01T12:00:00.000000Z","url":"https://hooks.example/x","data":{"id":"d1","type":"delivered","created_at":"2026-03-01T12:00:00.000000Z","email":{"id":"e","message":{"id":"m"},"recipient":{"email":"a@b.example"}}}}',
    async (bytes) => ({ signature: await hmacHex('ms-secret', bytes) }),
  ],
  [
    'Mailtrap (Mailtrap-Signature)',
    async () => mailtrap({ secret: 'mt-secret' }),
    '{"events":[{"event":"delivery","email":"a@b.example","message_id":"m","event_id":"e1","timestamp":1772366400,"url":"https://x.example/a"}]}',
    async (bytes) => ({ 'mailtrap-signature': await hmacHex('mt-secret', bytes) }),
  ],
  [
    'Postal (X-Postal-Signature-256 and X-Postal-Signature)',
    async () => postal({ publicKey: (await POSTAL_KEY).publicKey }),
    '{"event":"MessageSent","timestamp":1772366400.1,"uuid":"u1","payload":{"status":"Sent","details":"https://x.example/a","message":{"id":1,"token":"t","message_id":"m@x","to":"a@b.example","direction":"outgoing"},"timestamp":1772366400.1}}',
    async (bytes) => ({
      'x-postal-signature-256': await (await POSTAL_KEY).sign(bytes, 'SHA-256'),
      'x-postal-signature': await (await POSTAL_KEY).sign(bytes, 'SHA-1'),
    }),
  ],
  [
    'Loops (Standard Webhooks)',
    async () => loops({ secret: `whsec_${btoa(SW_KEY)}` }),
    '{"eventName":"email.delivered","eventTime":1772366400,"webhookSchemaVersion":"1.0.0","contactIdentity":{"email":"a@b.example","id":"c/1"},"email":{"id":"e"}}',
    async (bytes) => ({
      'webhook-id': 'msg_raw',
      'webhook-timestamp': String(NOW_S),
      'webhook-signature': `v1,${await hmacBase64(SW_KEY, `msg_raw.${NOW_S}.${bytes}`)}`,
    }),
  ],
];

describe('every ESP that signs the raw body refuses the same JSON in other bytes', () => {
  test.each(SIGNERS)('%s', async (_esp, make, body, sign) => {
    const { post, received } = setup(await make());
    const headers = await sign(body);
    for (const [what, rewrite] of REWRITES) {
      const other = rewrite(body);
      expect(other, what).not.toBe(body);
      expect(await post(other, headers), what).toMatchObject({
        status: 403,
        error: 'signature-invalid',
      });
    }
    expect(received).toEqual([]);
    expect((await post(body, headers)).status).toBe(200);
    expect(received).toHaveLength(1);
  });

  test('MailPace (X-MailPace-Signature, Ed25519)', async () => {
    const key = await makeEd25519Key();
    const body =
      '{"event":"email.delivered","payload":{"id":1,"message_id":"m","to":"a@b.example","from":"x/y@c.example","created_at":"2026-03-01T12:00:00Z"}}';
    const { post, received } = setup(mailpace({ publicKey: key.publicKey }));
    const headers = { 'x-mailpace-signature': await key.sign(body) };
    for (const [what, rewrite] of REWRITES) {
      expect(await post(rewrite(body), headers), what).toMatchObject({
        status: 403,
        error: 'signature-invalid',
      });
    }
    expect(received).toEqual([]);
    expect((await post(body, headers)).status).toBe(200);
  });

  test('Unisender Go (the auth field, an MD5 of the body with the key in its place)', async () => {
    const apiKey = 'unisender-raw-bytes-key';
    const text = JSON.stringify({
      events_by_user: [
        {
          user_id: 1,
          events: [
            {
              event_name: 'transactional_email_status',
              event_data: {
                email: 'a@b.example',
                status: 'clicked',
                url: 'https://x.example/a',
                event_time: '2026-03-01 12:00:00',
                job_id: 'j',
              },
            },
          ],
        },
      ],
      auth: apiKey,
    });
    const body = text.replace(apiKey, createHash('md5').update(text).digest('hex'));
    const { post, received } = setup(unisenderGo({ apiKey }));
    for (const [what, rewrite] of REWRITES) {
      expect(await post(rewrite(body)), what).toMatchObject({
        status: 403,
        error: 'signature-invalid',
      });
    }
    // The digest written with a JSON escape parses to the same string, but is not the bytes signed.
    const auth = (JSON.parse(body) as { auth: string }).auth;
    const escaped = body.replace(
      `"auth":"${auth}"`,
      `"auth":"\\u00${auth.charCodeAt(0).toString(16)}${auth.slice(1)}"`,
    );
    expect((JSON.parse(escaped) as { auth: string }).auth).toBe(auth);
    expect(await post(escaped)).toMatchObject({ status: 403, error: 'signature-invalid' });
    expect(received).toEqual([]);
    expect((await post(body)).status).toBe(200);
  });
});

describe('shared-secret credentials count only where they are configured to be sent', () => {
  const BODY =
    '{"RecordType":"Delivery","MessageID":"m","Recipient":"a@b.example","DeliveredAt":"2026-03-01T12:00:00Z"}';
  const all = () =>
    postmark({ password: 'pw', token: 'tok', header: 'X-Hook-Key', value: 'Hook-Value' });

  test('credentials in the query string: 401 credentials-required with the challenges, nothing delivered', async () => {
    const { post, received } = setup(all());
    const query =
      '?password=pw&token=tok&access_token=tok&X-Hook-Key=Hook-Value&authorization=Bearer%20tok';
    const answer = await post(BODY, {}, query);
    expect(answer).toMatchObject({ status: 401, error: 'credentials-required' });
    expect(answer.challenge).toMatch(/^Basic realm=.*Bearer realm=/);
    expect(received).toEqual([]);
    expect((await post(BODY, { authorization: 'Bearer tok' }, query)).status).toBe(200);
  });

  test('a custom header value differing only in case: 403 secret-mismatch', async () => {
    const { post, received } = setup(all());
    for (const value of ['hook-value', 'HOOK-VALUE']) {
      expect(await post(BODY, { 'x-hook-key': value })).toMatchObject({
        status: 403,
        error: 'secret-mismatch',
      });
    }
    expect(received).toEqual([]);
    expect((await post(BODY, { 'x-hook-key': 'Hook-Value' })).status).toBe(200);
  });

  test('a bearer token differing in case is 403; trailing spaces (HTTP trims them) are not part of it', async () => {
    const { post, received } = setup(all());
    expect(await post(BODY, { authorization: 'Bearer TOK' })).toMatchObject({
      status: 403,
      error: 'secret-mismatch',
    });
    expect(received).toEqual([]);
    expect((await post(BODY, { authorization: 'Bearer tok  ' })).status).toBe(200);
  });

  test('with username set, a user name differing only in case is 403', async () => {
    const { post, received } = setup(postmark({ username: 'Hooks', password: 'pw' }));
    expect(await post(BODY, { authorization: basic('hooks', 'pw') })).toMatchObject({
      status: 403,
      error: 'secret-mismatch',
    });
    expect(received).toEqual([]);
    expect((await post(BODY, { authorization: basic('Hooks', 'pw') })).status).toBe(200);
  });
});

describe('refusals of the other signed and shared-secret ESPs never show what is configured', () => {
  const SECRETS = ['ms-7c1d9e2f', 'mt-3b8a6d4c', 'ug-5e2f7a1b', 'eb-9d4c2b8a', 'X-Eb-Secret-Name'];
  const SW_SECRET = `whsec_${btoa('sw-4a6b8c0d-secret-bytes')}`;
  const cases: [string, Provider, string, HeadersInit][] = [
    [
      'MailerSend',
      mailersend({ secret: SECRETS[0] as string }),
      '{"type":"x"}',
      { signature: 'ab' },
    ],
    [
      'Mailtrap',
      mailtrap({ secret: SECRETS[1] as string }),
      '{"events":[]}',
      { 'mailtrap-signature': 'ab' },
    ],
    [
      'Unisender Go',
      unisenderGo({ apiKey: SECRETS[2] as string }),
      `{"auth":"${'0'.repeat(32)}"}`,
      {},
    ],
    [
      'SES EventBridge',
      sesEventBridge({ header: SECRETS[4] as string, value: SECRETS[3] as string }),
      '{}',
      { [SECRETS[4] as string]: 'nope' },
    ],
    [
      'Resend',
      resend({ secret: SW_SECRET }),
      '{}',
      { 'svix-id': 'm', 'svix-timestamp': String(NOW_S), 'svix-signature': 'v1,AAAA' },
    ],
    [
      'Loops',
      loops({ secret: SW_SECRET }),
      '{}',
      { 'webhook-id': 'm', 'webhook-timestamp': String(NOW_S), 'webhook-signature': 'v1,AAAA' },
    ],
  ];

  test.each(cases)(
    '%s: a 403 naming no secret or header configured',
    async (_esp, provider, body, headers) => {
      const { post } = setup(provider);
      const answer = await post(body, headers);
      expect(answer.status).toBe(403);
      for (const secret of [...SECRETS, SW_SECRET, SW_SECRET.slice('whsec_'.length)]) {
        expect(answer.text.toLowerCase()).not.toContain(secret.toLowerCase());
      }
    },
  );
});
