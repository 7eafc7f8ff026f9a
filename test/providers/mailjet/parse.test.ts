import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { isHttpError } from '../../../src/errors.js';
import { mailjet } from '../../../src/index.js';
import { parseJsonExactIntegers } from '../../../src/providers/exact-json.js';
import { captureHandler } from '../../helpers/capture-handler.js';
import { basic, digestOf, harness } from '../../helpers/provider-harness.js';

const AUTH = { authorization: basic('mailjet', 'pw') };
const SENT_TEXT = readFileSync(
  new URL('../../fixtures/esps/mailjet/symfony_sent.json', import.meta.url),
  'utf8',
);
const SENT = JSON.parse(SENT_TEXT) as Record<string, unknown>;
const setup = () => harness(mailjet({ password: 'pw' }));
const encode = (text: string) => new TextEncoder().encode(text);

describe('exact integers', () => {
  const parse = (text: string) => parseJsonExactIntegers(encode(text));

  test('integers past 2^53 become their digits in `exact`; safe ones stay numbers', () => {
    const text = '{"a":104427216766056450,"b":9007199254740991,"c":-9007199254740993}';
    expect(parse(text)).toEqual({
      json: JSON.parse(text),
      exact: { a: '104427216766056450', b: 9007199254740991, c: '-9007199254740993' },
    });
  });

  test('digits inside strings, fractions and exponents are left alone', () => {
    const text =
      '{"s":"id 104427216766056450 \\" 123456789012345678","f":1.12345678901234567,"e":12345678901234567e2}';
    expect(parse(text)).toEqual({ json: JSON.parse(text), exact: JSON.parse(text) });
  });

  test('what is not JSON stays refused, even where quoting a number would make it JSON', () => {
    for (const text of ['{12345678901234567890:1}', '[01234567890123456789]', '{"a":']) {
      const result = parse(text);
      expect(isHttpError(result) && result.reason).toBe('invalid-json');
    }
  });

  test('a string of 10 million characters, plain or escapes, is read with the MessageID exact (not a 500)', async () => {
    // The string pattern kept a regexp backtrack entry per character: V8 overflowed past some
    // 9 million, so with maxBodyBytes raised such a body was a 500 (found by fuzzing).
    const { handle, events } = captureHandler(mailjet({ password: 'pw' }), {
      maxBodyBytes: 32 * 1024 * 1024,
    });
    for (const filler of ['a'.repeat(10_000_000), '\\n'.repeat(5_000_000)]) {
      const body = SENT_TEXT.replace('"event"', `"x":"${filler}","event"`);
      const response = await handle(
        new Request('https://hooks.example/webhooks/mail/mailjet', {
          method: 'POST',
          body,
          headers: AUTH,
        }),
      );
      expect(response.status).toBe(200);
    }
    expect(events.map((e) => e.messageId)).toEqual(['92042317804662640', '92042317804662640']);
  });

  test('the MessageID of a grouped array keeps every digit, element by element', async () => {
    const { post, events } = setup();
    const body = `[${SENT_TEXT},${SENT_TEXT.replace('92042317804662640', '92042317804662641')}]`;
    await post(body, AUTH);
    expect(events.map((e) => e.messageId)).toEqual(['92042317804662640', '92042317804662641']);
  });

  test('in a grouped array, rawEvent and the digest eventId are over each element as JSON.parse reads it', async () => {
    const { post, events } = setup();
    const body = `[${SENT_TEXT},${SENT_TEXT.replace('92042317804662640', '92042317804662641')}]`;
    await post(body, AUTH);
    const parsed = JSON.parse(body) as object[];
    expect(events.map((e) => e.rawEvent)).toEqual(parsed);
    expect(events.map((e) => e.eventId)).toEqual([
      await digestOf('mailjet', JSON.stringify(parsed[0])),
      await digestOf('mailjet', JSON.stringify(parsed[1])),
    ]);
    expect(events.map((e) => e.messageId)).toEqual(['92042317804662640', '92042317804662641']);
  });

  test('mj_message_id, when sent, is preferred to MessageID', async () => {
    const { post, events } = setup();
    await post(JSON.stringify({ ...SENT, mj_message_id: '555' }), AUTH);
    expect(events[0]?.messageId).toBe('555');
  });

  test('a MessageID small enough for a JavaScript number is its digits too', async () => {
    const { post, events } = setup();
    await post(SENT_TEXT.replace('92042317804662640', '1234567890'), AUTH);
    expect(events.map((e) => e.messageId)).toEqual(['1234567890']);
  });
});

describe('Mailjet events', () => {
  test('a grouped array: each element its own context and digest; a broken one is skipped', async () => {
    const { post, events, warnings } = setup();
    const other = { ...SENT, email: 'second@example.com', MessageID: 1 };
    const body = JSON.stringify([SENT, { ...SENT, time: 'soon' }, other, 'x']);
    expect(await post(body, AUTH)).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => e.recipient)).toEqual(['event-sent@gmail.com', 'second@example.com']);
    expect(events[1]?.eventId).toBe(await digestOf('mailjet', JSON.stringify(other)));
    expect(warnings().map((l) => l.fields.problem)).toEqual([
      'field "time" is not Unix seconds between 1970 and 9999',
      'is not a JSON object',
    ]);
  });

  test('a bare object is one event whose eventId is the digest of the raw body', async () => {
    const { post, events } = setup();
    await post(SENT_TEXT, AUTH);
    expect(events[0]?.eventId).toBe(await digestOf('mailjet', SENT_TEXT));
  });

  test('a broken bare object is a 400 naming the field', async () => {
    const { post } = setup();
    const answer = await post(JSON.stringify({ ...SENT, email: 5 }), AUTH);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: 'invalid-mailjet-event',
      message: 'Mailjet event field "email" is missing',
    });
  });

  test('Parse API (inbound) payloads are 200 with no events and a warning', async () => {
    const { post, events, warnings } = setup();
    const inbound = { Sender: 'a@example.com', Recipient: 'b@example.com', Parts: [] };
    expect(await post(JSON.stringify(inbound), AUTH)).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
    expect(warnings().some((l) => /inbound/.test(l.msg))).toBe(true);
  });

  test('a hard greylisting bounce is a bounce; a soft one a deferral', async () => {
    const { post, events } = setup();
    const bounce = { ...SENT, event: 'bounce', error: 'greylisted', error_related_to: 'domain' };
    await post(JSON.stringify({ ...bounce, hard_bounce: true }), AUTH);
    await post(JSON.stringify({ ...bounce, hard_bounce: false }), AUTH);
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['bounced', 'other', true],
      ['deferred', null, null],
    ]);
  });

  test('blocked: permanent only when the error is about the address', async () => {
    const { post, events } = setup();
    for (const error of [
      'user unknown',
      'spam reporter',
      'content blocked',
      'duplicate in campaign',
    ]) {
      await post(JSON.stringify({ ...SENT, event: 'blocked', error }), AUTH);
    }
    expect(events.map((e) => [e.rejectReason, e.rejectCategory, e.permanent])).toEqual([
      ['user unknown', 'bounced', true],
      ['spam reporter', 'spam', true],
      ['content blocked', 'blocked', false],
      ['duplicate in campaign', 'other', false],
    ]);
  });

  test('Payload: a JSON object is metadata; other text is kept under Payload', async () => {
    const { post, events } = setup();
    await post(JSON.stringify({ ...SENT, Payload: '{"order":42}' }), AUTH);
    await post(JSON.stringify({ ...SENT, Payload: 'order-42' }), AUTH);
    expect(events.map((e) => e.metadata)).toEqual([{ order: '42' }, { Payload: 'order-42' }]);
  });

  test('Payload: empty, absent or null is no metadata at all (not a key without a value)', async () => {
    const { post, events } = setup();
    const { Payload: _, ...withoutPayload } = SENT;
    for (const event of [SENT, withoutPayload, { ...SENT, Payload: null }]) {
      await post(JSON.stringify(event), AUTH);
    }
    expect(events.map((e) => e.metadata)).toStrictEqual([{}, {}, {}]);
  });

  test('unknown and prototype event names are unknown events', async () => {
    const { post, events } = setup();
    for (const event of ['mystery', 'constructor', 'hasOwnProperty']) {
      await post(JSON.stringify({ ...SENT, event }), AUTH);
    }
    expect(events.map((e) => e.eventType)).toEqual(['unknown', 'unknown', 'unknown']);
  });
});
