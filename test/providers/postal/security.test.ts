/** Postal verification: the CI-key vectors, SHA-256 over SHA-1, attacks, rotation, bad bodies, options. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { postal } from '../../../src/providers/postal/index.js';
import { errorOf as error } from '../../helpers/capture-handler.js';
import { readVectors } from '../../helpers/vectors.js';
import { answer, KEY, OTHER_KEY, postalRequest, setup, URL_POSTAL } from './helpers.js';

const DIR = new URL('../../fixtures/esps/postal/', import.meta.url);
const VECTORS = readVectors<{ public_key_spki_base64: string }, { public_key_spki_base64: string }>(
  DIR,
);
const SENT = readFileSync(new URL('docs_MessageSent.json', DIR), 'utf8');
const [VALID] = VECTORS.vectors;

async function post(body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>) {
  const { handle, events } = await setup({ publicKey: VECTORS.public_key_spki_base64 });
  const result = await answer(
    await handle(new Request(URL_POSTAL, { method: 'POST', body, headers })),
  );
  return { ...result, error: error(result.body), events };
}

const vectorBody = (file: string) => new Uint8Array(readFileSync(new URL(`vectors/${file}`, DIR)));

describe('Postal signature vectors (Postal CI key)', () => {
  for (const vector of VECTORS.vectors) {
    const verdict = vector.expect_valid ? 'accepted' : 'refused 403 signature-invalid';
    test(`${vector.name} is ${verdict}`, async () => {
      const result = await post(vectorBody(vector.body_file), vector.headers);
      if (vector.expect_valid) {
        expect(result.status).toBe(200);
        expect(result.events.map((e) => e.eventType)).toEqual(['delivered']);
      } else {
        expect([result.status, result.error]).toEqual([403, 'signature-invalid']);
      }
    });
  }

  test('the SHA-1 header alone verifies (older Postal)', async () => {
    const { 'X-Postal-Signature-256': _, ...sha1Only } = VALID?.headers ?? {};
    expect((await post(vectorBody('MessageSent.body'), sha1Only)).status).toBe(200);
  });

  test('the SHA-256 header alone verifies', async () => {
    const { 'X-Postal-Signature': _, ...sha256Only } = VALID?.headers ?? {};
    expect((await post(vectorBody('MessageSent.body'), sha256Only)).status).toBe(200);
  });

  test('a bad SHA-256 header is not rescued by a good SHA-1 header', async () => {
    const headers = {
      ...VALID?.headers,
      'X-Postal-Signature-256': VALID?.headers['X-Postal-Signature'] ?? '',
    };
    const result = await post(vectorBody('MessageSent.body'), headers);
    expect([result.status, result.error]).toEqual([403, 'signature-invalid']);
    expect(result.events).toEqual([]);
  });

  test('an empty SHA-256 header beside a good SHA-1 header is judged, and refused, as sent', async () => {
    const headers = { ...VALID?.headers, 'X-Postal-Signature-256': '' };
    const result = await post(vectorBody('MessageSent.body'), headers);
    expect([result.status, result.error]).toEqual([403, 'signature-invalid']);
    expect((result.body as { message: string }).message).toContain(
      'X-Postal-Signature-256 is not a signature',
    );
    expect(result.events).toEqual([]);
  });
});

describe('Postal attacks', () => {
  async function refusal(request: Request) {
    const { handle, events } = await setup();
    const result = await answer(await handle(request));
    expect(events).toEqual([]);
    return [result.status, error(result.body)];
  }

  test('no signature header is 403 signature-missing', async () => {
    expect(await refusal(await postalRequest(SENT, { headers: [] }))).toEqual([
      403,
      'signature-missing',
    ]);
  });

  test('another key, a tampered body, or garbage is 403 signature-invalid', async () => {
    expect(await refusal(await postalRequest(SENT, { key: await OTHER_KEY }))).toEqual([
      403,
      'signature-invalid',
    ]);
    const signed = await postalRequest(SENT);
    const tampered = new Request(URL_POSTAL, {
      method: 'POST',
      body: SENT.replace('test@example.com', 'evil@example.com'),
      headers: signed.headers,
    });
    expect(await refusal(tampered)).toEqual([403, 'signature-invalid']);
    for (const garbage of ['!!', 'AAAA']) {
      const request = await postalRequest(SENT, {
        headers: [],
        extra: { 'x-postal-signature-256': garbage },
      });
      expect(await refusal(request)).toEqual([403, 'signature-invalid']);
    }
  });

  test('rotation: either key of a list verifies', async () => {
    const keys = [await KEY, await OTHER_KEY];
    const { handle, events } = await setup({ publicKey: keys.map((k) => k.publicKey) });
    for (const key of keys) {
      expect((await handle(await postalRequest(SENT, { key }))).status).toBe(200);
    }
    expect(events).toHaveLength(2);
  });
});

describe('Postal bodies', () => {
  const event = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      event: 'MessageSent',
      timestamp: 1700000000,
      uuid: 'u-1',
      payload: { message: { message_id: 'm@x', to: 'A <a@example.com>' }, ...payload },
      ...extra,
    });

  test('a status named constructor or __proto__ is unknown; a named recipient is its address', async () => {
    const { handle, events } = await setup();
    for (const status of ['constructor', '__proto__']) {
      expect((await handle(await postalRequest(event({ status })))).status).toBe(200);
    }
    expect(events.map((e) => [e.eventType, e.recipient])).toEqual([
      ['unknown', 'a@example.com'],
      ['unknown', 'a@example.com'],
    ]);
  });

  test('without uuid the event id is the digest of the body', async () => {
    const { handle, events } = await setup();
    const body = event({ status: 'Sent' }, { uuid: undefined });
    await handle(await postalRequest(body));
    const digest = createHash('sha256').update(body).digest('hex').slice(0, 32);
    expect(events[0]?.eventId).toBe(`postal:${digest}`);
  });

  test('inbound mail from a Postal HTTP endpoint: 200 with no events and a warning', async () => {
    const { handle, events, lines } = await setup();
    const bodies = [
      {
        id: 1,
        rcpt_to: 'a@b.example',
        mail_from: 'c@d.example',
        message: 'U3ViamVjdDogaGkNCg==',
        base64: true,
      },
      { id: 2, message: 'U3ViamVjdDogaGkNCg==', base64: true, size: 14 },
      {
        id: 3,
        rcpt_to: 'a@b.example',
        mail_from: 'c@d.example',
        plain_body: 'hi',
        html_body: null,
      },
    ];
    for (const body of bodies) {
      const result = await answer(await handle(await postalRequest(JSON.stringify(body))));
      expect(result).toEqual({ status: 200, body: { ok: true, events: 0 } });
    }
    expect(events).toEqual([]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.fields.note)).toEqual(
      Array(3).fill('inbound mail (a Postal HTTP endpoint)'),
    );
  });

  test('a body with an event is never taken for inbound mail', async () => {
    const { handle } = await setup();
    const body = JSON.stringify({ event: 'MessageSent', rcpt_to: 'a@b.example', message: 'x' });
    const result = await answer(await handle(await postalRequest(body)));
    expect([result.status, error(result.body)]).toEqual([400, 'invalid-postal-event']);
  });

  test('a body breaking the schema is 400 naming the dotted field', async () => {
    const { handle } = await setup();
    const cases: [string, string][] = [
      [JSON.stringify({ event: 'MessageSent', timestamp: 1 }), 'payload'],
      [event({ message: { id: true, to: 'a@example.com' } }), 'payload.message.id'],
      [event({ message: { message_id: 'm' } }), 'payload.message.to'],
      // A bounce carries the bounced message as original_message: that field is named.
      [
        event({ message: undefined, original_message: { message_id: 'm' } }),
        'payload.original_message.to',
      ],
      [event({}, { timestamp: -5 }), 'timestamp'],
      [event({}, { timestamp: 'soon' }), 'timestamp'],
    ];
    for (const [body, field] of cases) {
      const result = await answer(await handle(await postalRequest(body)));
      expect([result.status, error(result.body)]).toEqual([400, 'invalid-postal-event']);
      expect((result.body as { message: string }).message).toContain(`"${field}"`);
    }
    for (const body of ['[]', 'null', '{']) {
      expect((await handle(await postalRequest(body))).status).toBe(400);
    }
  });
});

describe('Postal options', () => {
  test('no key, or a key that is not RSA SPKI, stops start-up naming postal.publicKey', () => {
    expect(() => postal()).toThrow(ConfigError);
    expect(() => postal()).toThrow(/^postal\.publicKey:/);
    expect(() => postal({ publicKey: 'not base64!' })).toThrow(/^postal\.publicKey: is not base64/);
    const p256 =
      'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM2QmGK+A==';
    expect(() => postal({ publicKey: p256 })).toThrow(/not an RSA public key/);
    // Verification off does not make a bad key harmless: turning it on again would fail.
    expect(() => postal({ publicKey: p256, verifySignature: false })).toThrow(
      /^postal\.publicKey:/,
    );
  });

  test('in a rotation list the bad key is named by its place; a single key is not numbered', () => {
    const good = VECTORS.public_key_spki_base64;
    expect(() => postal({ publicKey: [good, 'not base64!'] })).toThrow(
      /^postal\.publicKey: is not base64 \(key 2 of 2\)$/,
    );
    expect(() => postal({ publicKey: 'not base64!' })).toThrow(
      /^postal\.publicKey: is not base64$/,
    );
  });

  test('PEM armour and line breaks are tolerated', async () => {
    const body = VECTORS.public_key_spki_base64.replace(/(.{64})/g, '$1\n');
    const pem = `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
    expect(postal({ publicKey: pem }).name).toBe('postal');
  });

  test('verifySignature: false needs no key and warns', async () => {
    const { handle, lines } = await setup({ verifySignature: false });
    expect((await handle(await postalRequest(SENT, { headers: [] }))).status).toBe(200);
    expect(lines.filter((l) => l.level === 'warn' && l.msg.includes('OFF'))).toHaveLength(1);
  });
});
