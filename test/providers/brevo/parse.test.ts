import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { brevo } from '../../../src/index.js';
import { basic, digestOf, harness } from '../../helpers/provider-harness.js';

const fixture = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/esps/brevo/${name}`, import.meta.url), 'utf8'),
  ) as Record<string, unknown>;

const AUTH = { authorization: basic('brevo', 'pw') };
const DELIVERED = fixture('symfony_delivered.json');
const BOUNCE = fixture('symfony_hard_bounce.json');

const setup = () => harness(brevo({ password: 'pw' }));
const single = (fields: Record<string, unknown>) => JSON.stringify({ ...DELIVERED, ...fields });

describe('Brevo batched webhooks (a JSON array)', () => {
  test('one context per element, each with the digest of its own JSON as eventId', async () => {
    const { post, events } = setup();
    const batch = [DELIVERED, BOUNCE];
    expect(await post(JSON.stringify(batch), AUTH)).toEqual({
      status: 200,
      body: { ok: true, events: 2 },
    });
    expect(events.map((e) => [e.eventType, e.recipient, e.permanent])).toEqual([
      ['delivered', 'example@gmail.com', null],
      ['bounced', 'example@gmail.com', true],
    ]);
    expect(events.map((e) => e.eventId)).toEqual([
      await digestOf('brevo', JSON.stringify(DELIVERED)),
      await digestOf('brevo', JSON.stringify(BOUNCE)),
    ]);
    expect(events[1]?.rawEvent).toEqual(BOUNCE);
  });

  test('the same event batched differently keeps its eventId (a retry may regroup)', async () => {
    const first = setup();
    await first.post(JSON.stringify([DELIVERED, BOUNCE]), AUTH);
    const second = setup();
    await second.post(JSON.stringify([BOUNCE]), AUTH);
    expect(second.events[0]?.eventId).toBe(first.events[1]?.eventId);
  });

  test('a broken element is logged and skipped; the rest are delivered', async () => {
    const { post, events, warnings } = setup();
    const broken = { ...DELIVERED, email: undefined };
    const badTime = { ...DELIVERED, ts_epoch: 'yesterday' };
    const answer = await post(JSON.stringify([broken, 42, badTime, BOUNCE]), AUTH);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(events.map((e) => e.eventType)).toEqual(['bounced']);
    expect(warnings().map((l) => [l.fields.index, l.fields.problem])).toEqual([
      [0, 'field "email" is missing'],
      [1, 'is not a JSON object'],
      [2, 'field "ts_epoch" is not Unix time in milliseconds between 1970 and 9999'],
    ]);
  });

  test('an empty batch is 200 with no events', async () => {
    expect(await setup().post('[]', AUTH)).toEqual({ status: 200, body: { ok: true, events: 0 } });
  });
});

describe('Brevo single events', () => {
  test('a broken single event is a 400 naming the field', async () => {
    const { post } = setup();
    const cases: [string, string][] = [
      [single({ email: '' }), 'Brevo event field "email" is missing'],
      [single({ event: 7 }), 'Brevo event field "event" is missing'],
      [single({ ts_epoch: -1 }), 'Brevo event field "ts_epoch" is not Unix time'],
      [single({ ts_epoch: 1e15 * 1000 }), 'Brevo event field "ts_epoch" is not Unix time'],
      ['"delivered"', 'Brevo event is not a JSON object'],
    ];
    for (const [body, message] of cases) {
      const answer = await post(body, AUTH);
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe('invalid-brevo-event');
      expect(answer.body.message).toContain(message);
    }
  });

  test('not JSON is 400 invalid-json; not UTF-8 is 400 body-not-utf8', async () => {
    const { post } = setup();
    expect((await post('{"event":', AUTH)).body.error).toBe('invalid-json');
    expect((await post(new Uint8Array([0x7b, 0xff, 0x7d]), AUTH)).body.error).toBe('body-not-utf8');
  });

  test('ts_epoch is milliseconds; a value below 10^11 is read as seconds', async () => {
    const { post, events } = setup();
    await post(single({ ts_epoch: 1685539713018 }), AUTH);
    await post(single({ ts_epoch: 1685539713 }), AUTH);
    expect(events.map((e) => e.timestamp.toISOString())).toEqual([
      '2023-05-31T13:28:33.018Z',
      '2023-05-31T13:28:33.000Z',
    ]);
  });

  test('ts and ts_event (account time zone) never set the timestamp', async () => {
    const { post, events } = setup();
    await post(single({ ts_epoch: 1685539713018, ts: 1, ts_event: 2, date: '1999-01-01' }), AUTH);
    expect(events[0]?.timestamp.toISOString()).toBe('2023-05-31T13:28:33.018Z');
  });

  test('an unknown event name is an unknown event, never an error', async () => {
    const { post, events } = setup();
    for (const name of ['list_addition', 'constructor', '__proto__']) {
      expect((await post(single({ event: name }), AUTH)).status).toBe(200);
    }
    expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
      ['unknown', null, null],
      ['unknown', null, null],
      ['unknown', null, null],
    ]);
  });

  test('inbound parsing payloads ({ items }) are 200 with no events and a warning', async () => {
    const { post, events, warnings } = setup();
    const answer = await post(JSON.stringify({ items: [{ Uuid: ['x'] }] }), AUTH);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(events).toEqual([]);
    expect(warnings().some((l) => /inbound/.test(l.msg))).toBe(true);
  });
});

describe('Brevo tags and metadata', () => {
  test('`tags` wins over `tag`; a `tag` that is a JSON array text is read as its items', async () => {
    const { post, events } = setup();
    await post(single({ tags: ['a', 'b', 'a'], tag: 'ignored' }), AUTH);
    await post(single({ tags: undefined, tag: '["x","y"]' }), AUTH);
    await post(single({ tags: undefined, tag: 'plain' }), AUTH);
    await post(single({ tags: undefined, tag: '[not json' }), AUTH);
    expect(events.map((e) => e.tags)).toEqual([['a', 'b'], ['x', 'y'], ['plain'], ['[not json']]);
  });

  test('X-Mailin-custom: a JSON object gives string values; a __proto__ key stays a plain key', async () => {
    const { post, events } = setup();
    const custom = '{"user":12,"flag":true,"__proto__":"p","nested":{"a":1}}';
    await post(single({ 'X-Mailin-custom': custom }), AUTH);
    const metadata = events[0]?.metadata ?? {};
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata)).toEqual(['user', 'flag', '__proto__', 'nested']);
    expect(metadata.user).toBe('12');
    expect(metadata.flag).toBe('true');
    expect(metadata.nested).toBe('{"a":1}');
  });

  test('a JSON value that is not an object is kept as text under X-Mailin-custom', async () => {
    const { post, events } = setup();
    await post(single({ 'X-Mailin-custom': '[1,2]' }), AUTH);
    expect(events[0]?.metadata).toEqual({ 'X-Mailin-custom': '[1,2]' });
  });
});
