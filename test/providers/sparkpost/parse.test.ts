import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { sparkpost } from '../../../src/index.js';
import { basic, harness } from '../../helpers/provider-harness.js';

const AUTH = { authorization: basic('sparkpost', 'pw') };
const setup = () => harness(sparkpost({ password: 'pw' }));

const BOUNCE = {
  type: 'bounce',
  bounce_class: '10',
  event_id: '84345317653491230',
  raw_rcpt_to: 'bounce@example.com',
  timestamp: '1464824548',
  transmission_id: '84345317650824116',
};
const wrap = (cls: string, event: unknown) => ({ msys: { [cls]: event } });
const bounce = (fields: Record<string, unknown>) => wrap('message_event', { ...BOUNCE, ...fields });

describe('SparkPost batches', () => {
  test('[{ "msys": {} }] is the set-up ping: 200, no events, nothing refused', async () => {
    const { post, events, lines } = setup();
    expect(await post('[{"msys":{}}]', AUTH)).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
    expect(lines.some((l) => l.level === 'info' && /ping/.test(l.msg))).toBe(true);
  });

  test('a body that is not an array is 400 body-not-array', async () => {
    const answer = await setup().post(JSON.stringify(bounce({})), AUTH);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('body-not-array');
  });

  test('broken elements are logged and skipped; the rest delivered', async () => {
    const { post, events, warnings } = setup();
    const body = [
      { msys: { message_event: BOUNCE, track_event: BOUNCE } },
      { nothing: true },
      wrap('message_event', { ...BOUNCE, timestamp: 'noon' }),
      wrap('message_event', { ...BOUNCE, type: undefined }),
      wrap('track_event', 'open'),
      bounce({ raw_rcpt_to: undefined, rcpt_to: 'lower@example.com' }),
    ];
    expect(await post(JSON.stringify(body), AUTH)).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(events.map((e) => e.recipient)).toEqual(['lower@example.com']);
    expect(warnings().map((l) => [l.fields.index, l.fields.problem])).toEqual([
      [0, 'field "msys" holds 2 event classes'],
      [1, 'field "msys" is missing'],
      [2, 'field "msys.message_event.timestamp" is not a timestamp'],
      [3, 'field "msys.message_event.type" is missing'],
      [4, 'field "msys.track_event" is not an object'],
    ]);
  });

  test('relay_message (inbound mail) gives no event and a warning', async () => {
    const { post, events, warnings } = setup();
    const relay = wrap('relay_message', { rcpt_to: 'in@example.com', msg_from: 'a@b.c' });
    await post(JSON.stringify([relay]), AUTH);
    expect(events).toEqual([]);
    expect(warnings().some((l) => /inbound/.test(l.msg))).toBe(true);
  });
});

describe('SparkPost bounce classes', () => {
  test('hard classes are permanent; soft, block and admin classes are not', async () => {
    const { post, events } = setup();
    const classes = ['10', '30', '21', '24', '25', '51', '1', '999'];
    await post(JSON.stringify(classes.map((c) => bounce({ bounce_class: c }))), AUTH);
    expect(events.map((e) => [e.rejectReason, e.rejectCategory, e.permanent])).toEqual([
      ['10', 'invalid', true],
      ['30', 'bounced', true],
      ['21', 'bounced', false],
      ['24', 'timed_out', false],
      ['25', 'blocked', false],
      ['51', 'spam', false],
      ['1', 'other', false],
      ['999', 'other', false],
    ]);
  });

  test('classes that are no failure change the type: 90 unsubscribed, 60/80/100 unknown', async () => {
    const { post, events } = setup();
    const classes = ['90', '60', '80', '100'];
    await post(JSON.stringify(classes.map((c) => bounce({ bounce_class: c }))), AUTH);
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['unsubscribed', 'unsubscribed', null],
      ['unknown', null, null],
      ['unknown', null, null],
      ['unknown', null, null],
    ]);
  });

  test('an out-of-band bounce is a bounce; a policy rejection of a suppressed address is permanent', async () => {
    const { post, events } = setup();
    const body = [
      bounce({ type: 'out_of_band', bounce_class: '10' }),
      bounce({
        type: 'policy_rejection',
        bounce_class: undefined,
        raw_reason: '550 5.7.1 Recipient address was suppressed due to customer policy',
      }),
      bounce({ type: 'policy_rejection', bounce_class: undefined, raw_reason: '554 limit' }),
    ];
    await post(JSON.stringify(body), AUTH);
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['bounced', 'invalid', true],
      ['rejected', 'blocked', true],
      ['rejected', 'other', false],
    ]);
  });

  test("AMP events that name no recipient are still reported (anymail's test_amp_events)", async () => {
    const { post, events, warnings } = setup();
    const body = readFileSync(
      new URL('../../fixtures/esps/sparkpost/anymail_amp_events.json', import.meta.url),
      'utf8',
    );
    expect(await post(body, AUTH)).toEqual({ status: 200, body: { ok: true, events: 3 } });
    expect(events.map((e) => [e.eventType, e.recipient])).toEqual([
      ['opened', ''],
      ['unknown', ''],
      ['clicked', ''],
    ]);
    expect(warnings()).toEqual([]);
  });

  test('spam complaints, AMP opens and clicks, link unsubscribes', async () => {
    const { post, events } = setup();
    const body = ['spam_complaint', 'amp_open', 'amp_click', 'link_unsubscribe', 'sms_status'].map(
      (type) => wrap('track_event', { ...BOUNCE, type, bounce_class: undefined }),
    );
    await post(JSON.stringify(body), AUTH);
    expect(events.map((e) => [e.eventType, e.rejectCategory])).toEqual([
      ['complained', 'spam'],
      ['opened', null],
      ['clicked', null],
      ['unsubscribed', 'unsubscribed'],
      ['unknown', null],
    ]);
  });

  test('rcpt_meta values become strings; campaign_id is the tag, rcpt_tags stay in rawEvent', async () => {
    const { post, events } = setup();
    const body = `[{"msys":{"message_event":{"type":"delivery","raw_rcpt_to":"a@example.com",
      "timestamp":"1464824548","campaign_id":"welcome","rcpt_tags":["vip",3,"vip"],
      "rcpt_meta":{"__proto__":"x","user":7,"flags":["a"]}}}}]`;
    await post(body, AUTH);
    expect(events[0]?.tags).toEqual(['welcome']);
    expect(events[0]?.rawEvent.rcpt_tags).toEqual(['vip', 3, 'vip']);
    const metadata = events[0]?.metadata ?? {};
    expect(Object.entries(metadata)).toEqual([
      ['__proto__', 'x'],
      ['user', '7'],
      ['flags', '["a"]'],
    ]);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
  });
});
