/** Mandrill verification (vectors, URL binding, attacks, rotation), the HEAD probe, the empty ping, bad batches. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { mandrill } from '../../../src/providers/mandrill/index.js';
import { errorOf as error } from '../../helpers/capture-handler.js';
import { hmacBase64 } from '../../helpers/hmac.js';
import { readVectors } from '../../helpers/vectors.js';
import {
  answer,
  KEY,
  mandrillRequest,
  OTHER_KEY,
  PUBLIC_URL,
  setup,
  sign,
  URL_LOCAL,
} from './helpers.js';

const DIR = new URL('../../fixtures/esps/mandrill/', import.meta.url);
const VECTORS = readVectors<{ url: string; webhook_key: string }>(DIR);
const SEND = JSON.parse(readFileSync(new URL('anymail_send_event.json', DIR), 'utf8'));
const element = (fields: Record<string, unknown> = {}) => ({
  event: 'send',
  _id: 'id-1',
  ts: 1700000000,
  msg: { email: 'a@example.com' },
  ...fields,
});

async function refusal(request: Request) {
  const { handle, events, lines } = setup();
  const { status, body } = await answer(await handle(request));
  expect(events).toEqual([]);
  expect(JSON.stringify([body, lines])).not.toContain(KEY);
  expect(JSON.stringify(body)).not.toContain(PUBLIC_URL);
  return [status, error(body)];
}

describe('Mandrill signature vectors', () => {
  for (const vector of VECTORS.vectors) {
    const verdict = vector.expect_valid ? 'accepted' : 'refused 403 signature-invalid';
    test(`${vector.name} is ${verdict}`, async () => {
      // Configured with the vector's URL: for send_event_wrong_url, not the one Mandrill signed.
      const { handle, events } = setup({ webhookKey: vector.webhook_key, url: vector.url });
      const body = readFileSync(new URL(`vectors/${vector.body_file}`, DIR), 'utf8');
      const request = new Request(URL_LOCAL, { method: 'POST', body, headers: vector.headers });
      const result = await answer(await handle(request));
      if (vector.expect_valid) {
        expect(result.status).toBe(200);
        expect(events.length).toBe(vector.name === 'empty_batch_test_ping' ? 0 : 1);
      } else {
        expect([result.status, error(result.body)]).toEqual([403, 'signature-invalid']);
      }
    });
  }
});

describe('Mandrill attacks', () => {
  test('no X-Mandrill-Signature is 403 signature-missing', async () => {
    expect(await refusal(await mandrillRequest(SEND, { signature: null }))).toEqual([
      403,
      'signature-missing',
    ]);
  });

  test('a signature over another URL is 403 signature-invalid', async () => {
    for (const url of [URL_LOCAL, `${PUBLIC_URL}/`, PUBLIC_URL.replace('https', 'http')]) {
      expect(await refusal(await mandrillRequest(SEND, { url }))).toEqual([
        403,
        'signature-invalid',
      ]);
    }
  });

  test('a tampered batch, another key, or garbage is 403 signature-invalid', async () => {
    const signature = await sign(PUBLIC_URL, JSON.stringify(SEND));
    const tampered = [{ ...SEND[0], msg: { ...SEND[0].msg, email: 'evil@example.com' } }];
    expect(await refusal(await mandrillRequest(tampered, { signature }))).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(await refusal(await mandrillRequest(SEND, { key: OTHER_KEY }))).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(await refusal(await mandrillRequest(SEND, { signature: '!!' }))).toEqual([
      403,
      'signature-invalid',
    ]);
  });

  test('an extra form field is signed too: adding one breaks the signature', async () => {
    const request = await mandrillRequest(SEND);
    const body = `${await request.text()}&extra=1`;
    const forged = new Request(URL_LOCAL, { method: 'POST', body, headers: request.headers });
    expect(await refusal(forged)).toEqual([403, 'signature-invalid']);
  });

  test('the form fields are signed sorted by name, not in the order the body holds them', async () => {
    const events = JSON.stringify(SEND);
    // The body holds z_field, mandrill_events, a_field; Mandrill signs a_field, mandrill_events, z_field.
    const body = new URLSearchParams([
      ['z_field', 'last'],
      ['mandrill_events', events],
      ['a_field', 'first'],
    ]).toString();
    const post = (signature: string) =>
      new Request(URL_LOCAL, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-mandrill-signature': signature,
        },
      });
    const sorted = `${PUBLIC_URL}a_fieldfirstmandrill_events${events}z_fieldlast`;
    const asSent = `${PUBLIC_URL}z_fieldlastmandrill_events${events}a_fieldfirst`;
    const { handle, events: received } = setup();
    expect((await handle(post(await hmacBase64(KEY, sorted, 'SHA-1')))).status).toBe(200);
    expect(received.map((e) => e.recipient)).toEqual([SEND[0].msg.email]);
    expect(await refusal(post(await hmacBase64(KEY, asSent, 'SHA-1')))).toEqual([
      403,
      'signature-invalid',
    ]);
  });

  test('a repeated form field is refused: the signer and the parser must not read different copies', async () => {
    // Signed over the last mandrill_events (as Django reads a repeated name); a forged first copy
    // must not be the one parsed.
    const genuine = await mandrillRequest(SEND);
    const forged = [{ ...SEND[0], msg: { ...SEND[0].msg, email: 'evil@example.com' } }];
    const first = new URLSearchParams({ mandrill_events: JSON.stringify(forged) }).toString();
    for (const body of [
      `${first}&${await genuine.text()}`,
      `${await (await mandrillRequest(SEND)).text()}&${first}`,
    ]) {
      const request = new Request(URL_LOCAL, { method: 'POST', body, headers: genuine.headers });
      const [status, reason] = await refusal(request);
      expect([status, reason]).toEqual([400, 'invalid-form']);
    }
    // The same with verification off: one reading of the form, whatever the check.
    const { handle, events } = setup({ verifySignature: false });
    const body = `${first}&${await (await mandrillRequest(SEND)).text()}`;
    const response = await handle(new Request(URL_LOCAL, { method: 'POST', body }));
    expect(response.status).toBe(400);
    expect(events).toEqual([]);
  });

  test('rotation: either key of a list verifies', async () => {
    const { handle, events } = setup({ webhookKey: [KEY, OTHER_KEY], url: PUBLIC_URL });
    for (const key of [KEY, OTHER_KEY]) {
      expect((await handle(await mandrillRequest(SEND, { key }))).status).toBe(200);
    }
    expect(events).toHaveLength(2);
  });
});

describe('Mandrill probes and batches', () => {
  test('the HEAD probe is answered 200 with no events, unsigned, and logged', async () => {
    const { handle, events, lines } = setup();
    const response = await handle(new Request(URL_LOCAL, { method: 'HEAD' }));
    expect(response.status).toBe(200);
    expect(events).toEqual([]);
    // README, Answers: a provider's probe is "200, no events, logged", as Unisender Go's GET is.
    expect(lines).toContainEqual({
      level: 'info',
      msg: 'Mandrill set-up probe (HEAD) answered',
      fields: { esp: 'mandrill' },
    });
    const get = await handle(new Request(URL_LOCAL, { method: 'GET' }));
    expect(get.status).toBe(405);
  });

  test('the signed empty-batch test ping is 200 with no events, and logged', async () => {
    const { handle, events, lines } = setup();
    expect(await answer(await handle(await mandrillRequest([])))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
    // README, Answers, and docs/logs.md: a test ping is "200, no events, logged" at info.
    expect(lines).toContainEqual({
      level: 'info',
      msg: 'Mandrill batch with no tracking events (a test ping sends [])',
      fields: { esp: 'mandrill' },
    });
  });

  test('a batch with broken elements delivers the rest, one warning each', async () => {
    const { handle, events, lines } = setup();
    const batch = [
      element(),
      7,
      element({ msg: { email: 5 } }),
      element({ msg: {} }),
      element({ ts: 'soon' }),
      element({ _id: 'id-2', event: 'open' }),
    ];
    expect(await answer(await handle(await mandrillRequest(batch)))).toEqual({
      status: 200,
      body: { ok: true, events: 2 },
    });
    expect(events.map((e) => [e.messageId, e.eventType])).toEqual([
      ['id-1', 'sent'],
      ['id-2', 'opened'],
    ]);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields.index)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  test('event names such as constructor or __proto__ are unknown; inbound gives no event', async () => {
    const { handle, events } = setup();
    const batch = [
      element({ event: 'constructor' }),
      element({ event: '__proto__' }),
      element({ event: 'inbound' }),
    ];
    expect((await answer(await handle(await mandrillRequest(batch)))).body).toEqual({
      ok: true,
      events: 2,
    });
    expect(events.map((e) => e.eventType)).toEqual(['unknown', 'unknown']);
  });

  test('metadata keeps __proto__ as a plain key', async () => {
    const { handle, events } = setup();
    const text =
      '[{"event":"send","ts":1,"msg":{"email":"a@example.com","metadata":{"__proto__":"x"}}}]';
    await handle(await mandrillRequest(text));
    expect(Object.entries(events[0]?.metadata ?? {})).toEqual([['__proto__', 'x']]);
  });

  test('a form without mandrill_events, or with a value that is not a JSON array, is 400', async () => {
    const { handle } = setup();
    const bodies: [string, string, string][] = [
      ['other=1', 'invalid-mandrill-batch', 'is missing'],
      ['mandrill_events=%7B%7D', 'invalid-mandrill-batch', 'is not a JSON array'],
      ['mandrill_events=%5B', 'invalid-json', 'is not JSON'],
    ];
    for (const [body, reason, says] of bodies) {
      const params = new URLSearchParams(body);
      const signed = [...params.keys()]
        .sort()
        .map((k) => k + params.get(k))
        .join('');
      const signature = await signRaw(PUBLIC_URL + signed);
      const request = new Request(URL_LOCAL, {
        method: 'POST',
        body,
        headers: { 'x-mandrill-signature': signature },
      });
      const result = await answer(await handle(request));
      expect([result.status, error(result.body)]).toEqual([400, reason]);
      expect((result.body as { message: string }).message).toBe(
        `form field "mandrill_events" ${says}`,
      );
    }
  });
});

describe('Mandrill bodies that are not UTF-8', () => {
  test('a form body holding raw bytes that are not UTF-8 is 400 body-not-utf8, before the signature', async () => {
    // `mandrill_events=[` then 0xFF: no UTF-8 text, whatever it is signed with.
    const body = Uint8Array.of(...new TextEncoder().encode('mandrill_events=%5B'), 0xff, 0x5d);
    const request = new Request(URL_LOCAL, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-mandrill-signature': await signRaw(`${PUBLIC_URL}mandrill_events[]`),
      },
    });
    expect(await refusal(request)).toEqual([400, 'body-not-utf8']);
  });
});

/** base64 HMAC-SHA1 of a whole signed text under KEY. */
const signRaw = (text: string): Promise<string> => hmacBase64(KEY, text, 'SHA-1');

describe('Mandrill options', () => {
  test('no key or no url stops start-up, naming the option', () => {
    expect(() => mandrill({ url: PUBLIC_URL })).toThrow(ConfigError);
    expect(() => mandrill({ url: PUBLIC_URL })).toThrow(/^mandrill\.webhookKey:/);
    expect(() => mandrill({ webhookKey: KEY })).toThrow(/^mandrill\.url:/);
    expect(() => mandrill({ webhookKey: KEY, url: 'hooks.example.com/x' })).toThrow(
      /^mandrill\.url:/,
    );
  });

  test('verifySignature: false needs neither and warns', async () => {
    const { handle, lines } = setup({ verifySignature: false });
    expect((await handle(await mandrillRequest(SEND, { signature: null }))).status).toBe(200);
    expect(lines.filter((l) => l.level === 'warn' && l.msg.includes('OFF'))).toHaveLength(1);
  });
});
