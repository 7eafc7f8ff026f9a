/** Mailtrap verification (vectors, attacks, rotation) and batches (broken elements, JSON Lines, bad bodies). */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { mailtrap } from '../../../src/providers/mailtrap/index.js';
import { errorOf as error } from '../../helpers/capture-handler.js';
import { readVectors } from '../../helpers/vectors.js';
import { answer, mailtrapRequest, OTHER_SECRET, SECRET, setup, sign } from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailtrap/', import.meta.url);
const VECTORS = readVectors<{ signing_secret: string }>(DIR);
const DELIVERY = readFileSync(new URL('openapi_Delivery.json', DIR), 'utf8');

async function refusal(request: Request) {
  const { handle, events, lines } = setup();
  const { status, body } = await answer(await handle(request));
  expect(events).toEqual([]);
  expect(JSON.stringify([body, lines])).not.toContain(SECRET);
  return [status, error(body)];
}

const event = (fields: Record<string, unknown> = {}) => ({
  event: 'delivery',
  timestamp: 1728669700,
  message_id: 'm-1',
  email: 'a@example.com',
  event_id: 'e-1',
  ...fields,
});

describe('Mailtrap signature vectors', () => {
  for (const vector of VECTORS.vectors) {
    const verdict = vector.expect_valid ? 'accepted' : 'refused 403 signature-invalid';
    test(`${vector.name} is ${verdict}`, async () => {
      const body = new Uint8Array(readFileSync(new URL(`vectors/${vector.body_file}`, DIR)));
      const { handle, events } = setup({ secret: vector.signing_secret });
      const request = new Request('http://localhost/webhooks/mail/mailtrap', {
        method: 'POST',
        body,
        headers: vector.headers,
      });
      const result = await answer(await handle(request));
      if (vector.expect_valid) {
        expect(result.status).toBe(200);
        expect(events.length).toBeGreaterThan(0);
      } else {
        expect([result.status, error(result.body)]).toEqual([403, 'signature-invalid']);
      }
    });
  }
});

describe('Mailtrap attacks', () => {
  test('no Mailtrap-Signature header is 403 signature-missing', async () => {
    expect(await refusal(await mailtrapRequest(DELIVERY, null))).toEqual([
      403,
      'signature-missing',
    ]);
  });

  test('a tampered body or another secret is 403 signature-invalid', async () => {
    const tampered = DELIVERY.replace('receiver@', 'attacker@');
    expect(await refusal(await mailtrapRequest(tampered, await sign(DELIVERY)))).toEqual([
      403,
      'signature-invalid',
    ]);
    const other = await mailtrapRequest(DELIVERY, await sign(DELIVERY, OTHER_SECRET));
    expect(await refusal(other)).toEqual([403, 'signature-invalid']);
    expect(await refusal(await mailtrapRequest(DELIVERY, 'not-hex'))).toEqual([
      403,
      'signature-invalid',
    ]);
  });

  test('rotation: either secret of a list verifies', async () => {
    const { handle } = setup({ secret: [SECRET, OTHER_SECRET] });
    for (const secret of [SECRET, OTHER_SECRET]) {
      const response = await handle(await mailtrapRequest(DELIVERY, await sign(DELIVERY, secret)));
      expect(response.status).toBe(200);
    }
  });
});

describe('Mailtrap batches', () => {
  test('one broken element is logged once and skipped; the rest are delivered', async () => {
    const { handle, events, lines } = setup();
    const body = JSON.stringify({
      events: [event(), event({ email: 7 }), 'text', event({ event_id: 'e-2', event: 'open' })],
    });
    expect(await answer(await handle(await mailtrapRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 2 },
    });
    expect(events.map((e) => [e.eventId, e.eventType])).toEqual([
      ['e-1', 'delivered'],
      ['e-2', 'opened'],
    ]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.fields)).toEqual([
      { esp: 'mailtrap', index: 1, problem: expect.stringContaining('"email"') },
      { esp: 'mailtrap', index: 2, problem: 'not a JSON object' },
    ]);
  });

  test('a JSON Lines batch with a broken line delivers the other lines', async () => {
    const { handle, events, lines } = setup();
    const body = `${JSON.stringify(event())}\n{not json\n${JSON.stringify(event({ event_id: 'e-3' }))}\n`;
    const response = await handle(await mailtrapRequest(body, undefined, 'application/jsonl'));
    expect(await answer(response)).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => e.eventId)).toEqual(['e-1', 'e-3']);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  test('an event without event_id gets the digest of its JSON', async () => {
    const { handle, events } = setup();
    const element = event({ event_id: undefined });
    await handle(await mailtrapRequest(JSON.stringify({ events: [element] })));
    const digest = createHash('sha256').update(JSON.stringify(element)).digest('hex');
    expect(events[0]?.eventId).toBe(`mailtrap:${digest.slice(0, 32)}`);
  });

  test('event names such as constructor or __proto__ are unknown events', async () => {
    const { handle, events } = setup();
    const body = JSON.stringify({
      events: [event({ event: 'constructor' }), event({ event: '__proto__' })],
    });
    expect((await handle(await mailtrapRequest(body))).status).toBe(200);
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['unknown', null, null],
      ['unknown', null, null],
    ]);
  });

  test('custom variables keep __proto__ as a plain key and values as strings', async () => {
    const { handle, events } = setup();
    const body = `{"events":[${JSON.stringify(event()).slice(0, -1)},"custom_variables":{"__proto__":"x","n":5}}]}`;
    await handle(await mailtrapRequest(body));
    expect(Object.getPrototypeOf(events[0]?.metadata)).toBe(Object.prototype);
    expect(Object.entries(events[0]?.metadata ?? {})).toEqual([
      ['__proto__', 'x'],
      ['n', '5'],
    ]);
  });

  test('an empty batch and inbound elements give no events', async () => {
    const { handle } = setup();
    const empty = await handle(await mailtrapRequest('{"events":[]}'));
    expect(await answer(empty)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    const inbound = JSON.stringify({
      events: [{ event: 'inbound.message_received', timestamp: 1 }],
    });
    expect((await answer(await handle(await mailtrapRequest(inbound)))).body).toEqual({
      ok: true,
      events: 0,
    });
  });

  test("inbound notices, as sent and as in Mailtrap's sample (inbound_message_received), are no events and no warning", async () => {
    const { handle, lines } = setup();
    const body = JSON.stringify({
      events: [
        {
          event: 'inbound.message_received',
          event_id: 'e1',
          timestamp: 1,
          inbox_id: 7,
          message_id: 'm1',
        },
        {
          event: 'inbound_message_received',
          event_id: 'e2',
          timestamp: 1,
          inbox_id: 1,
          message_id: 'm2',
        },
      ],
    });
    expect((await answer(await handle(await mailtrapRequest(body)))).body).toEqual({
      ok: true,
      events: 0,
    });
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  test('an object naming no event ({}, {"other":1}) is 200 with a warning, as SES', async () => {
    for (const body of ['{}', '{"other":1}']) {
      const { handle, lines, events } = setup();
      const { status, body: json } = await answer(await handle(await mailtrapRequest(body)));
      expect([status, json]).toEqual([200, { ok: true, events: 0 }]);
      expect(events).toEqual([]);
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
        'Mailtrap batch element skipped: not a tracking event',
      ]);
    }
  });

  test('bodies that are not a batch are 400 naming the field', async () => {
    const { handle } = setup();
    const cases: [string, string][] = [
      ['{"events":{}}', 'invalid-mailtrap-batch'],
      ['[]', 'invalid-mailtrap-batch'],
      ['null', 'invalid-mailtrap-batch'],
      ['{', 'invalid-json'],
      ['', 'invalid-json'],
    ];
    for (const [body, reason] of cases) {
      const { status, body: json } = await answer(await handle(await mailtrapRequest(body)));
      expect([status, error(json)]).toEqual([400, reason]);
    }
    const { body } = await answer(await handle(await mailtrapRequest('{"events":5}')));
    expect((body as { message: string }).message).toContain('"events"');
  });

  // README: a body that is neither JSON nor JSON Lines is 400, not a batch of broken lines.
  test('several lines of which none is JSON are 400 invalid-json, not a 200 with no events', async () => {
    const { handle, lines } = setup();
    for (const body of ['hello\nworld', 'a\r\nb\r\n', '{\n}x\n']) {
      const response = await handle(await mailtrapRequest(body, undefined, 'application/jsonl'));
      const { status, body: json } = await answer(response);
      expect([body, status, error(json)]).toEqual([body, 400, 'invalid-json']);
    }
    expect(lines.filter((l) => l.msg.includes('skipped'))).toEqual([]);
  });
});

describe('Mailtrap options', () => {
  test('no secret stops start-up, naming mailtrap.secret', () => {
    expect(() => mailtrap()).toThrow(ConfigError);
    expect(() => mailtrap()).toThrow(/^mailtrap\.secret:/);
  });

  test('verifySignature: false needs no secret and warns', async () => {
    const { handle, lines } = setup({ verifySignature: false });
    expect((await handle(await mailtrapRequest(DELIVERY, null))).status).toBe(200);
    expect(lines.filter((l) => l.level === 'warn' && l.msg.includes('OFF'))).toHaveLength(1);
  });
});
