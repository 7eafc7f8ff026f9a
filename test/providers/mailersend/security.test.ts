/** MailerSend verification: the published vectors, attacks, rotation, the webhook.test ping, bad bodies. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { mailersend } from '../../../src/providers/mailersend/index.js';
import { errorOf } from '../../helpers/capture-handler.js';
import { EMPTY_FIELDS } from '../../helpers/expected-context.js';
import { readVectors } from '../../helpers/vectors.js';
import {
  answer,
  mailersendRequest,
  OTHER_SECRET,
  SECRET,
  setup,
  sign,
  TEST_PING_SECRET,
} from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailersend/', import.meta.url);
const VECTORS = readVectors<{ signing_secret: string }>(DIR);
const DELIVERED = readFileSync(new URL('symfony_delivered.json', DIR), 'utf8');
const PING =
  '{"type":"webhook.test","message":"This is a ping test message","created_at":"2026-03-27T07:24:20.577080Z"}';

async function refusal(request: Request, options = { secret: [SECRET] }) {
  const { handle, events, lines } = setup(options);
  const { status, body } = await answer(await handle(request));
  expect(events).toEqual([]);
  expect(JSON.stringify([body, lines])).not.toContain(SECRET);
  return [status, errorOf(body)];
}

describe('MailerSend signature vectors', () => {
  for (const vector of VECTORS.vectors) {
    test(`${vector.name} is ${vector.expect_valid ? 'accepted' : 'refused 403 signature-invalid'}`, async () => {
      const body = new Uint8Array(readFileSync(new URL(`vectors/${vector.body_file}`, DIR)));
      const { handle, events } = setup({ secret: vector.signing_secret });
      // The wrong-secret vector carries the right signature: verified under another secret.
      const request = new Request('http://localhost/webhooks/mail/mailersend', {
        method: 'POST',
        body,
        headers: vector.headers,
      });
      const result = await answer(await handle(request));
      if (vector.expect_valid) {
        expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
        expect(events[0]?.espName).toBe('mailersend');
      } else {
        expect([result.status, (result.body as { error: string }).error]).toEqual([
          403,
          'signature-invalid',
        ]);
        expect(events).toEqual([]);
      }
    });
  }
});

describe('MailerSend attacks', () => {
  test('no Signature header is 403 signature-missing', async () => {
    expect(await refusal(await mailersendRequest(DELIVERED, null))).toEqual([
      403,
      'signature-missing',
    ]);
    expect(await refusal(await mailersendRequest(DELIVERED, ''))).toEqual([
      403,
      'signature-missing',
    ]);
  });

  test('a tampered body, another secret, or garbage is 403 signature-invalid', async () => {
    const tampered = DELIVERED.replace('test@example.com', 'evil@example.com');
    expect(await refusal(await mailersendRequest(tampered, await sign(DELIVERED)))).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(
      await refusal(await mailersendRequest(DELIVERED, await sign(DELIVERED, OTHER_SECRET))),
    ).toEqual([403, 'signature-invalid']);
    for (const garbage of ['zz', 'x'.repeat(64), `${await sign(DELIVERED)}00`]) {
      expect(await refusal(await mailersendRequest(DELIVERED, garbage))).toEqual([
        403,
        'signature-invalid',
      ]);
    }
  });

  test('a real event signed with the public test secret is refused', async () => {
    expect(
      await refusal(await mailersendRequest(DELIVERED, await sign(DELIVERED, TEST_PING_SECRET))),
    ).toEqual([403, 'signature-invalid']);
  });

  test('an uppercase hex signature is accepted', async () => {
    const { handle } = setup();
    const response = await handle(
      await mailersendRequest(DELIVERED, (await sign(DELIVERED)).toUpperCase()),
    );
    expect(response.status).toBe(200);
  });

  test('rotation: either secret of a list verifies', async () => {
    const { handle, events } = setup({ secret: [SECRET, OTHER_SECRET] });
    for (const secret of [SECRET, OTHER_SECRET]) {
      expect(
        (await handle(await mailersendRequest(DELIVERED, await sign(DELIVERED, secret)))).status,
      ).toBe(200);
    }
    expect(events).toHaveLength(2);
  });
});

describe('MailerSend webhook.test ping', () => {
  test('signed with the published test secret: 200 with no events', async () => {
    const { handle, events } = setup();
    const result = await answer(
      await handle(await mailersendRequest(PING, await sign(PING, TEST_PING_SECRET))),
    );
    expect(result).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
  });

  // Symfony's MailerSend v2 RequestParserTest::testWebhookTest publishes this signature.
  test("Symfony's published webhook.test vector (test secret): 200 with no events", async () => {
    const { handle, events } = setup();
    const body =
      '{"type":"webhook.test","message":"This is a ping test message","created_at":"2026-04-08T12:19:27.608339Z"}';
    const signature = '7fb29be5b1cdb588ee67fa43a0a9d1b394cbb9603a0ac0b87924649d715194c2';
    expect(await answer(await handle(await mailersendRequest(body, signature)))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
  });

  test('signed with the webhook secret: 200 with no events', async () => {
    const { handle } = setup();
    expect(await answer(await handle(await mailersendRequest(PING)))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
  });

  test('signed with anything else, or unsigned, is refused', async () => {
    expect(await refusal(await mailersendRequest(PING, await sign(PING, OTHER_SECRET)))).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(await refusal(await mailersendRequest(PING, null))).toEqual([403, 'signature-missing']);
  });
});

describe('MailerSend bodies', () => {
  const event = (type: string, data: Record<string, unknown> = {}) =>
    JSON.stringify({
      type,
      created_at: '2026-01-01T12:00:00Z',
      data: { id: 'e1', message_id: 'm1', recipient: 'a@example.com', ...data },
    });

  test('activity.constructor and activity.__proto__ are unknown events', async () => {
    const { handle, events } = setup();
    for (const type of ['activity.constructor', 'activity.__proto__', 'activity.survey_opened']) {
      expect((await handle(await mailersendRequest(event(type)))).status).toBe(200);
    }
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['unknown', null, null],
      ['unknown', null, null],
      ['unknown', null, null],
    ]);
  });

  test('activity.suppressed is rejected, blocked, permanent', async () => {
    const { handle, events } = setup();
    const body = event('activity.suppressed', { meta: { suppression_reason: 'hard bounce' } });
    expect((await handle(await mailersendRequest(body))).status).toBe(200);
    expect(events[0]).toMatchObject({
      eventType: 'rejected',
      rejectCategory: 'blocked',
      permanent: true,
      description: 'hard bounce',
    });
  });

  test('activity.deferred is deferred; activity.spam_complaints (the compact name) is complained', async () => {
    const { handle, events } = setup();
    for (const type of ['activity.deferred', 'activity.spam_complaints']) {
      expect((await handle(await mailersendRequest(event(type)))).status).toBe(200);
    }
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['deferred', null, null],
      ['complained', 'spam', null],
    ]);
  });

  test('without data.id the event id is the digest of the body', async () => {
    const { handle, events } = setup();
    const body = event('activity.sent', { id: undefined });
    await handle(await mailersendRequest(body));
    const digest = createHash('sha256').update(body).digest('hex').slice(0, 32);
    expect(events[0]?.eventId).toBe(`mailersend:${digest}`);
  });

  test('inbound mail (inbound.*): 200, no events, one warning', async () => {
    const { handle, events, lines } = setup();
    const body = JSON.stringify({ type: 'inbound.message', data: {} });
    expect(await answer(await handle(await mailersendRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1);
  });

  test('an inbound type of 100,000 characters: the warning quotes its first 64', async () => {
    const { handle, events, lines } = setup();
    const type = `inbound.${'x'.repeat(100_000)}`;
    const body = JSON.stringify({ type, data: {} });
    expect((await handle(await mailersendRequest(body))).status).toBe(200);
    expect(events).toEqual([]);
    const warnings = lines.filter((l) => l.level === 'warn');
    expect(warnings.map((l) => l.fields.note)).toEqual([`${type.slice(0, 64)} is inbound mail`]);
  });

  // reference/esps.md 3.9 (anymail): survey_*, sender_identity.verified, maintenance_* → unknown.
  test('account notices (sender_identity.verified, maintenance.*) are unknown events, whatever their data', async () => {
    const { handle, events } = setup();
    const bodies = [
      {
        type: 'sender_identity.verified',
        created_at: '2026-01-01T12:00:00Z',
        data: { id: 'si-1', email: 'from@example.com' },
      },
      { type: 'maintenance.start', created_at: '2026-01-02T12:00:00Z' },
    ];
    for (const body of bodies) {
      expect(await answer(await handle(await mailersendRequest(JSON.stringify(body))))).toEqual({
        status: 200,
        body: { ok: true, events: 1 },
      });
    }
    const digest = createHash('sha256').update(JSON.stringify(bodies[1])).digest('hex');
    expect(events.map((e) => ({ ...e, timestamp: e.timestamp.toISOString() }))).toEqual([
      {
        ...EMPTY_FIELDS,
        eventType: 'unknown',
        recipient: '',
        messageId: '',
        eventId: 'si-1',
        timestamp: '2026-01-01T12:00:00.000Z',
        espName: 'mailersend',
        rawEvent: bodies[0],
      },
      {
        ...EMPTY_FIELDS,
        eventType: 'unknown',
        recipient: '',
        messageId: '',
        eventId: `mailersend:${digest.slice(0, 32)}`,
        timestamp: '2026-01-02T12:00:00.000Z',
        espName: 'mailersend',
        rawEvent: bodies[1],
      },
    ]);
  });

  test('only activity.* types map: a notice named like one (campaign.delivered) is unknown', async () => {
    const { handle, events } = setup();
    const body = JSON.stringify({ type: 'campaign.delivered', created_at: '2026-01-03T12:00:00Z' });
    expect(await answer(await handle(await mailersendRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['unknown', null, null],
    ]);
  });

  test('a body breaking the schema is 400 naming the dotted field', async () => {
    const { handle } = setup();
    const cases: [string, string][] = [
      [event('activity.sent', { recipient: 5 }), 'data.recipient'],
      [event('activity.sent', { message_id: 5 }), 'data.message_id'],
      [JSON.stringify({ type: 'activity.sent', created_at: 7, data: {} }), 'created_at'],
      [
        JSON.stringify({ type: 'activity.sent', data: { email: { message: {} } } }),
        'data.email.message.id',
      ],
      // A `type` that is not text (no `type` at all is no MailerSend event: anymail.test.ts).
      [JSON.stringify({ type: 5, data: {} }), 'type'],
    ];
    for (const [body, field] of cases) {
      const { status, body: json } = await answer(await handle(await mailersendRequest(body)));
      expect(status).toBe(400);
      expect((json as { message: string }).message).toContain(`"${field}"`);
    }
  });

  test('an impossible timestamp is 400 naming created_at', async () => {
    const { handle } = setup();
    const body = event('activity.sent').replace('2026-01-01T12:00:00Z', '2026-02-30T12:00:00Z');
    const { status, body: json } = await answer(await handle(await mailersendRequest(body)));
    expect([status, (json as { message: string }).message]).toEqual([
      400,
      'MailerSend event field "created_at" is not a timestamp',
    ]);
  });

  test('bodies that are not JSON objects never throw', async () => {
    const { handle } = setup();
    for (const body of ['', 'null', '[]', '"x"', '{', '\xff']) {
      const response = await handle(await mailersendRequest(body));
      expect(response.status).toBe(400);
    }
  });
});

describe('MailerSend options', () => {
  test('no secret stops start-up, naming mailersend.secret', () => {
    expect(() => mailersend()).toThrow(ConfigError);
    expect(() => mailersend()).toThrow(/^mailersend\.secret:/);
    expect(() => mailersend({ secret: '' })).toThrow(/^mailersend\.secret:/);
  });

  test('verifySignature: false needs no secret and warns once', async () => {
    const { handle, lines } = setup({ verifySignature: false });
    expect((await handle(await mailersendRequest(DELIVERED, null))).status).toBe(200);
    expect(lines.filter((l) => l.level === 'warn' && l.msg.includes('OFF'))).toHaveLength(1);
  });

  test('path mounts it elsewhere', () => {
    expect(mailersend({ secret: SECRET, path: 'ms-eu' }).path).toBe('ms-eu');
    expect(mailersend({ secret: SECRET }).path).toBe('mailersend');
  });
});
