/** Mailjet inside workerd: MessageIDs past 2^53 read exactly, grouped arrays, credentials. */
import { describe, expect, test } from 'vitest';
import { mailjet } from '../../src/index.js';
import { basic, harness } from '../helpers/provider-harness.js';

const AUTH = { authorization: basic('mailjet', 'pw') };
// Raw text: a JSON number would turn 12345678901234567 into 12345678901234568.
const EVENT = (id: string, event = 'bounce') =>
  `{"event":"${event}","time":1498093527,"MessageID":${id},"email":"x@example.com","hard_bounce":true,"error":"user unknown"}`;

describe('Mailjet inside workerd', () => {
  test('a bare object: messageId kept digit for digit', async () => {
    const { post, events } = harness(mailjet({ password: 'pw' }));
    expect(await post(EVENT('12345678901234567'), AUTH)).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(events.map((e) => [e.eventType, e.messageId, e.rejectCategory, e.permanent])).toEqual([
      ['bounced', '12345678901234567', 'bounced', true],
    ]);
    // rawEvent is the event as JSON.parse reads it: messageId is where the exact digits are.
    expect(events[0]?.rawEvent).toEqual(JSON.parse(EVENT('12345678901234567')));
  });

  test('a grouped array: one context per element', async () => {
    const { post, events } = harness(mailjet({ password: 'pw' }));
    const body = `[${EVENT('104427216766056451', 'sent')},${EVENT('104427216766056453', 'spam')}]`;
    expect((await post(body, AUTH)).status).toBe(200);
    expect(events.map((e) => [e.eventType, e.messageId])).toEqual([
      ['delivered', '104427216766056451'],
      ['complained', '104427216766056453'],
    ]);
  });

  test('401 without credentials, 403 with wrong ones', async () => {
    const { post } = harness(mailjet({ password: 'pw' }));
    expect((await post(EVENT('1'))).status).toBe(401);
    expect((await post(EVENT('1'), { authorization: basic('m', 'x') })).status).toBe(403);
  });
});
