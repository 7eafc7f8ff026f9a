/** Loops: Standard Webhooks signatures, the event map, probes and non-email events, settings and variables. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { loops } from '../../../src/index.js';
import vectorFile from '../../fixtures/esps/loops/vectors/vectors.json' with { type: 'json' };
import { memoryLogger } from '../../helpers/envelope.js';
import { EMPTY_FIELDS } from '../../helpers/expected-context.js';
import {
  answer,
  loopsEvent,
  loopsHandler,
  NOW_SECONDS,
  OTHER_SECRET,
  SECRET,
  signedRequest,
  URL_LOOPS,
} from './helpers.js';

const refusal = async (response: Response) => [response.status, (await answer(response)).error];

describe('Loops events', () => {
  test('email.delivered becomes one delivered context for contactIdentity.email, keyed by webhook-id', async () => {
    const { handle, received } = loopsHandler();
    const event = loopsEvent('email.delivered');
    const response = await handle(signedRequest(event, { id: 'msg_delivered' }));
    expect(await answer(response)).toEqual({ ok: true, events: 1 });
    expect(received).toEqual([
      {
        eventType: 'delivered',
        messageId: 'cm5x0email',
        recipient: 'reader@example.com',
        timestamp: new Date(1_777_636_800 * 1000),
        espName: 'loops',
        eventId: 'msg_delivered',
        ...EMPTY_FIELDS,
        rawEvent: event,
      },
    ]);
  });

  test('the recipient is contactIdentity.email without the spaces around it', async () => {
    const { handle, received } = loopsHandler();
    const event = loopsEvent('email.delivered', {
      contactIdentity: { id: 'cll6contact', email: ' reader@example.com\n' },
    });
    expect(await answer(await handle(signedRequest(event)))).toEqual({ ok: true, events: 1 });
    expect(received.map((c) => c.recipient)).toEqual(['reader@example.com']);
  });

  test.each([
    ['campaign.email.sent', 'sent', null, null],
    ['loop.email.sent', 'sent', null, null],
    ['transactional.email.sent', 'sent', null, null],
    ['email.softBounced', 'bounced', 'bounced', false],
    ['email.hardBounced', 'bounced', 'bounced', true],
    ['email.opened', 'opened', null, null],
    ['email.clicked', 'clicked', null, null],
    ['email.unsubscribed', 'unsubscribed', 'unsubscribed', null],
    ['email.spamReported', 'complained', 'spam', null],
    ['email.resubscribed', 'unknown', null, null],
    ['email.somethingNew', 'unknown', null, null],
  ])('%s is %s (category %s, permanent %s)', async (name, type, category, permanent) => {
    const { handle, received } = loopsHandler();
    expect((await handle(signedRequest(loopsEvent(name)))).status).toBe(200);
    expect(received.map((c) => [c.eventType, c.rejectCategory, c.permanent])).toEqual([
      [type, category, permanent],
    ]);
  });

  test('the Loops test event and contact events are 200 with no events, logged at info', async () => {
    const { handle, received, lines } = loopsHandler();
    const test = { eventName: 'testing.testEvent', eventTime: NOW_SECONDS, message: 'test' };
    const contact = { ...loopsEvent('contact.unsubscribed'), email: undefined };
    for (const body of [test, contact]) {
      expect(await answer(await handle(signedRequest(body)))).toEqual({ ok: true, events: 0 });
    }
    expect(received).toEqual([]);
    expect(lines.filter((l) => l.level === 'info').map((l) => l.fields.note)).toEqual([
      'the Loops test event',
      'contact.unsubscribed is not an email event',
    ]);
  });

  test('a signed body without eventName is 200 with a warning (the reference vector)', async () => {
    const vector = vectorFile.vectors[0] as (typeof vectorFile.vectors)[number];
    const clock = new Date(Number(vector.headers['webhook-timestamp']) * 1000);
    const { handle, lines } = loopsHandler({ secret: vector.secret }, clock);
    const request = new Request(URL_LOOPS, {
      method: 'POST',
      body: vector.body,
      headers: vector.headers,
    });
    expect(await answer(await handle(request))).toEqual({ ok: true, events: 0 });
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('not a Loops event'))).toBe(true);
  });

  test.each([
    ['no contactIdentity', { contactIdentity: undefined }, 'contactIdentity'],
    ['no email', { email: undefined }, 'email'],
    ['eventTime in milliseconds far past 9999', { eventTime: 1e15 }, 'eventTime'],
    ['eventTime as text', { eventTime: 'yesterday' }, 'eventTime'],
    ['an eventName that is not text', { eventName: 42 }, 'eventName'],
  ])('an email event with %s is 400 naming the field', async (_what, change, field) => {
    const { handle, received } = loopsHandler();
    const response = await handle(signedRequest(loopsEvent('email.opened', change)));
    const body = await answer(response);
    expect([response.status, body.error]).toEqual([400, 'invalid-loops-event']);
    expect(body.message).toContain(field);
    expect(received).toEqual([]);
  });
});

describe('Loops signatures', () => {
  const BODY = JSON.stringify(loopsEvent('email.delivered'));

  test('no signature headers: 403 signature-missing', async () => {
    const { handle } = loopsHandler();
    const response = await handle(new Request(URL_LOOPS, { method: 'POST', body: BODY }));
    expect(await refusal(response)).toEqual([403, 'signature-missing']);
  });

  test('a body changed after signing, or signed with another secret: 403 signature-invalid', async () => {
    const { handle, received } = loopsHandler();
    const signed = signedRequest(BODY);
    const tampered = new Request(URL_LOOPS, {
      method: 'POST',
      body: BODY.replace('reader@', 'attacker@'),
      headers: signed.headers,
    });
    expect(await refusal(await handle(tampered))).toEqual([403, 'signature-invalid']);
    const foreign = signedRequest(BODY, { secret: OTHER_SECRET });
    expect(await refusal(await handle(foreign))).toEqual([403, 'signature-invalid']);
    expect(received).toEqual([]);
  });

  test('older than maxAgeSeconds: 403 message-too-old; more than 5 min ahead: timestamp-in-future', async () => {
    const { handle } = loopsHandler({ secret: SECRET, maxAgeSeconds: 60 });
    const old = signedRequest(BODY, { timestampSeconds: NOW_SECONDS - 61 });
    const ahead = signedRequest(BODY, { timestampSeconds: NOW_SECONDS + 301 });
    expect(await refusal(await handle(old))).toEqual([403, 'message-too-old']);
    expect(await refusal(await handle(ahead))).toEqual([403, 'timestamp-in-future']);
  });

  test('rotation: a list of secrets, any one verifies', async () => {
    const { handle } = loopsHandler({ secret: [OTHER_SECRET, SECRET] });
    expect((await handle(signedRequest(BODY))).status).toBe(200);
    expect((await handle(signedRequest(BODY, { secret: OTHER_SECRET }))).status).toBe(200);
  });

  test('verifySignature: false takes unsigned events (id from the header, else a digest) and warns', async () => {
    const { handle, received, lines } = loopsHandler({ verifySignature: false });
    await handle(new Request(URL_LOOPS, { method: 'POST', body: BODY }));
    await handle(
      new Request(URL_LOOPS, { method: 'POST', body: BODY, headers: { 'webhook-id': 'h1' } }),
    );
    expect(received.map((c) => c.eventId)).toEqual([
      expect.stringMatching(/^loops:[0-9a-f]{32}$/),
      'h1',
    ]);
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('OFF'))).toBe(true);
  });
});

describe('Loops settings', () => {
  test('a missing secret, or one that is not whsec_ base64, is a ConfigError naming loops.secret', () => {
    expect(() => loops()).toThrow(ConfigError);
    expect(() => loops({ secret: 'not base64!' })).toThrow(/loops\.secret/);
    expect(() => loops({ secrt: SECRET } as never)).toThrow(/did you mean secret/);
  });

  test('MAIL_WEBHOOK_LOOPS_SECRET and _PREVIOUS from the environment', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'loops',
        MAIL_WEBHOOK_LOOPS_SECRET: OTHER_SECRET,
        MAIL_WEBHOOK_LOOPS_SECRET_PREVIOUS: SECRET,
        // Signed "now" below, so the default window applies.
      },
      { logger: memoryLogger().logger },
    );
    const now = Math.floor(Date.now() / 1000);
    const request = signedRequest(BODY_FOR_ENV, { timestampSeconds: now });
    expect((await handle(request)).status).toBe(200);
  });

  test('a bad MAIL_WEBHOOK_LOOPS_SECRET is a ConfigError naming the variable', () => {
    expect(() =>
      createHandlerFromEnv(
        {
          MAIL_WEBHOOK_ENABLED: 'true',
          MAIL_WEBHOOK_PROVIDERS: 'loops',
          MAIL_WEBHOOK_LOOPS_SECRET: 'whsec_###',
        },
        { logger: memoryLogger().logger },
      ),
    ).toThrow(/MAIL_WEBHOOK_LOOPS_SECRET/);
  });
});

const BODY_FOR_ENV = JSON.stringify(loopsEvent('email.opened'));
