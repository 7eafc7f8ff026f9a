/** MailPace: Ed25519 signatures (vectors and fresh keys), the event map, settings and variables. */
import { beforeAll, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { mailpace } from '../../../src/index.js';
import delivered from '../../fixtures/esps/mailpace/anymail_delivered_event_no_tags.json' with {
  type: 'json',
};
import queued from '../../fixtures/esps/mailpace/anymail_queued_event.json' with { type: 'json' };
import spam from '../../fixtures/esps/mailpace/anymail_rejected_event_reason.json' with {
  type: 'json',
};
import toNull from '../../fixtures/esps/mailpace/docs_delivered_to_null.json' with { type: 'json' };
import { memoryLogger } from '../../helpers/envelope.js';
import { EMPTY_FIELDS } from '../../helpers/expected-context.js';
import {
  answer,
  mailpaceHandler,
  makeKey,
  signedRequest,
  type TestKey,
  URL_MAILPACE,
} from './helpers.js';
import { vectorCases } from './vector-cases.js';

let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  [key, other] = await Promise.all([makeKey(), makeKey()]);
});

const refusal = async (response: Response) => [response.status, (await answer(response)).error];
const withEvent = (event: string, payload: Record<string, unknown> = {}) => ({
  ...queued,
  event,
  payload: { ...queued.payload, ...payload },
});

describe('MailPace vectors', () => {
  for (const { name, run } of vectorCases) test(name, run);
});

describe('MailPace events', () => {
  test('the anymail queued event: one queued context with its tags and a body-digest eventId', async () => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    const body = JSON.stringify(queued);
    expect(await answer(await handle(await signedRequest(key, body)))).toEqual({
      ok: true,
      events: 1,
    });
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)),
    );
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    expect(received).toEqual([
      {
        eventType: 'queued',
        messageId: 'string',
        recipient: 'queued@example.com',
        timestamp: new Date('2021-11-16T14:50:15.445Z'),
        espName: 'mailpace',
        eventId: `mailpace:${hex.slice(0, 32)}`,
        ...EMPTY_FIELDS,
        tags: ['string'],
        rawEvent: queued,
      },
    ]);
  });

  test('delivered without tags, and spam as rejected with category spam (anymail)', async () => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    await handle(await signedRequest(key, delivered));
    await handle(await signedRequest(key, spam));
    expect(received.map((c) => [c.eventType, c.tags, c.rejectCategory, c.permanent])).toEqual([
      ['delivered', [], null, null],
      ['rejected', [], 'spam', false],
    ]);
  });

  test.each([
    ['email.deferred', 'deferred', null, null],
    ['email.bounced', 'bounced', 'bounced', true],
    ['email.opened', 'unknown', null, null],
  ])('%s is %s', async (event, type, category, permanent) => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    await handle(await signedRequest(key, withEvent(event)));
    expect(received.map((c) => [c.eventType, c.rejectCategory, c.permanent])).toEqual([
      [type, category, permanent],
    ]);
  });

  test('a "to" list gives one context per address; a single tag string is one tag', async () => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    const event = withEvent('email.delivered', {
      to: 'Ann <ann@example.com>, bob@example.com, ann@example.com',
      tags: 'welcome',
    });
    await handle(await signedRequest(key, event));
    expect(received.map((c) => [c.recipient, c.tags])).toEqual([
      ['ann@example.com', ['welcome']],
      ['bob@example.com', ['welcome']],
    ]);
    expect(received[0]?.eventId).toBe(received[1]?.eventId);
  });

  // MailPace's docs mark `to` nullable. Before, such an event was 400, and MailPace disables a
  // webhook that answers errors: it and every event after it were lost.
  test('the documented payload with "to" null is delivered with an empty recipient', async () => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    const response = await handle(await signedRequest(key, toNull));
    expect(await answer(response)).toEqual({ ok: true, events: 1 });
    expect(received.map(({ rawEvent: _, eventId: __, timestamp, ...rest }) => rest)).toEqual([
      {
        ...EMPTY_FIELDS,
        eventType: 'delivered',
        espName: 'mailpace',
        recipient: '',
        messageId: '<0b8d4a7c-3c1e-4b52-9d5c-2f4d1c7e9a11@mailpace.com>',
        tags: ['welcome'],
      },
    ]);
    expect(received[0]?.timestamp.toISOString()).toBe('2021-11-16T14:50:15.445Z');
  });

  test.each([
    ['no payload.to', { to: undefined }],
    ['a payload.to that names no address', { to: ' , ' }],
  ])('%s: one event with an empty recipient', async (_what, change) => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    await handle(await signedRequest(key, withEvent('email.bounced', change)));
    expect(received.map((c) => [c.eventType, c.recipient, c.permanent])).toEqual([
      ['bounced', '', true],
    ]);
  });

  test.each([
    ['a numeric payload.to', { to: 5 }, 'payload.to'],
    ['a created_at that is not a date', { created_at: '2021-13-45' }, 'created_at'],
  ])('%s is 400 naming the field', async (_what, change, field) => {
    const { handle } = mailpaceHandler({ publicKey: key.publicKey });
    const response = await handle(await signedRequest(key, withEvent('email.delivered', change)));
    const body = await answer(response);
    expect([response.status, body.error]).toEqual([400, 'invalid-mailpace-event']);
    expect(body.message).toContain(field);
  });

  test('a signed object without "event" is 200 with no events and a warning', async () => {
    const { handle, lines } = mailpaceHandler({ publicKey: key.publicKey });
    expect(await answer(await handle(await signedRequest(key, { hello: 1 })))).toEqual({
      ok: true,
      events: 0,
    });
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('no "event"'))).toBe(true);
  });
});

describe('MailPace signatures', () => {
  const BODY = JSON.stringify(delivered);

  test('no X-MailPace-Signature: 403 signature-missing', async () => {
    const { handle } = mailpaceHandler({ publicKey: key.publicKey });
    const response = await handle(new Request(URL_MAILPACE, { method: 'POST', body: BODY }));
    expect(await refusal(response)).toEqual([403, 'signature-missing']);
  });

  test.each([
    ['garbage', 'garbage!'],
    ['base64 of the wrong length', btoa('invalid')],
  ])(
    'a signature that is %s: 403 signature-invalid, saying it is no Ed25519 signature',
    async (_what, header) => {
      const { handle } = mailpaceHandler({ publicKey: key.publicKey });
      const request = new Request(URL_MAILPACE, {
        method: 'POST',
        body: BODY,
        headers: { 'x-mailpace-signature': header },
      });
      const response = await handle(request);
      expect([response.status, await response.json()]).toEqual([
        403,
        {
          ok: false,
          error: 'signature-invalid',
          message: 'X-MailPace-Signature is not a base64 Ed25519 signature (64 bytes)',
        },
      ]);
    },
  );

  test('a changed body, or another key: 403 signature-invalid, nothing delivered', async () => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    const signed = await signedRequest(key, BODY);
    const tampered = new Request(URL_MAILPACE, {
      method: 'POST',
      body: BODY.replace('queued@', 'attacker@'),
      headers: signed.headers,
    });
    expect(await refusal(await handle(tampered))).toEqual([403, 'signature-invalid']);
    expect(await refusal(await handle(await signedRequest(other, BODY)))).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(received).toEqual([]);
  });

  test('rotation: either of two keys verifies', async () => {
    const { handle } = mailpaceHandler({ publicKey: [other.publicKey, key.publicKey] });
    expect((await handle(await signedRequest(key, BODY))).status).toBe(200);
    expect((await handle(await signedRequest(other, BODY))).status).toBe(200);
  });

  test('a runtime whose Ed25519 verify throws: 403 signature-invalid, never taken as valid', async () => {
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    const verify = vi
      .spyOn(crypto.subtle, 'verify')
      .mockRejectedValue(new DOMException('not supported', 'NotSupportedError'));
    try {
      expect(await refusal(await handle(await signedRequest(key, BODY)))).toEqual([
        403,
        'signature-invalid',
      ]);
      expect(verify).toHaveBeenCalled();
    } finally {
      verify.mockRestore();
    }
    expect(received).toEqual([]);
  });

  test('verifySignature: false takes unsigned events, with a warning', async () => {
    const { handle, lines } = mailpaceHandler({ verifySignature: false });
    expect((await handle(new Request(URL_MAILPACE, { method: 'POST', body: BODY }))).status).toBe(
      200,
    );
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('OFF'))).toBe(true);
  });
});

describe('MailPace settings', () => {
  test('a missing key, or one that is not 32 base64 bytes, is a ConfigError without the value', () => {
    expect(() => mailpace()).toThrow(ConfigError);
    expect(() => mailpace({ publicKey: 'not base64!' })).toThrow(
      /mailpace\.publicKey: is not base64/,
    );
    const short = btoa('sixteen bytes!!!');
    expect(() => mailpace({ publicKey: short })).toThrow(/is 16 bytes/);
    try {
      mailpace({ publicKey: short });
    } catch (error) {
      expect(String(error)).not.toContain(short);
    }
  });

  test('a key with outer spaces or a line break (echo key | wrangler secret put) is read and verifies', async () => {
    for (const publicKey of [`${key.publicKey}\n`, ` ${key.publicKey} \r\n`]) {
      const { handle } = mailpaceHandler({ publicKey });
      expect((await handle(await signedRequest(key, JSON.stringify(delivered)))).status).toBe(200);
    }
  });

  test('MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY and _PREVIOUS from the environment', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'mailpace',
        MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY: key.publicKey,
        MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY_PREVIOUS: other.publicKey,
      },
      { logger: memoryLogger().logger },
    );
    const BODY = JSON.stringify(delivered);
    expect((await handle(await signedRequest(other, BODY))).status).toBe(200);
    expect(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'mailpace' },
        { logger: memoryLogger().logger },
      ),
    ).toThrow(/MAIL_WEBHOOK_MAILPACE_PUBLIC_KEY/);
  });
});
