/** SparkPost inside workerd: batches, the ping, credentials. */
import { describe, expect, test } from 'vitest';
import { sparkpost } from '../../src/index.js';
import bounce from '../fixtures/esps/sparkpost/anymail_bounce_event.json' with { type: 'json' };
import delivery from '../fixtures/esps/sparkpost/anymail_delivery_event.json' with { type: 'json' };
import { basic, harness } from '../helpers/provider-harness.js';

const AUTH = { authorization: basic('sparkpost', 'pw') };

describe('SparkPost inside workerd', () => {
  test('a batch: one context per element, SparkPost event ids, the inner event as rawEvent', async () => {
    const { post, events } = harness(sparkpost({ password: 'pw' }));
    const answer = await post(JSON.stringify([...bounce, ...delivery]), AUTH);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 2 } });
    expect(events.map((e) => [e.eventType, e.eventId, e.rejectCategory, e.permanent])).toEqual([
      ['bounced', '84345317653491230', 'invalid', true],
      ['delivered', '92356927693813856', null, null],
    ]);
    expect(events[1]?.rawEvent).toEqual(delivery[0]?.msys.message_event);
  });

  test('the [{ msys: {} }] ping is 200 with no events', async () => {
    const { post, events } = harness(sparkpost({ password: 'pw' }));
    expect(await post('[{"msys":{}}]', AUTH)).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(events).toEqual([]);
  });

  test('a bearer token: 401 missing, 403 wrong, 200 right', async () => {
    const { post } = harness(sparkpost({ token: 'tk' }));
    const body = JSON.stringify(delivery);
    const statuses = [];
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer no' },
      { authorization: 'Bearer tk' },
    ];
    for (const headers of attempts) {
      statuses.push((await post(body, headers)).status);
    }
    expect(statuses).toEqual([401, 403, 200]);
  });
});
