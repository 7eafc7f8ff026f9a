/** Loops inside workerd: the Standard Webhooks verifier and the event map through the core. */
import { describe, expect, test } from 'vitest';
import vectorFile from '../fixtures/esps/loops/vectors/vectors.json' with { type: 'json' };
import {
  answer,
  loopsEvent,
  loopsHandler,
  OTHER_SECRET,
  signedRequest,
  URL_LOOPS,
} from '../providers/loops/helpers.js';

describe('Loops inside workerd', () => {
  test('a signed email.hardBounced gives one permanent bounce for contactIdentity.email', async () => {
    const { handle, received } = loopsHandler();
    const response = await handle(signedRequest(loopsEvent('email.hardBounced'), { id: 'msg_w' }));
    expect(await answer(response)).toEqual({ ok: true, events: 1 });
    expect(received.map((c) => [c.eventType, c.recipient, c.eventId, c.permanent])).toEqual([
      ['bounced', 'reader@example.com', 'msg_w', true],
    ]);
  });

  test('the Standard Webhooks reference vector verifies; another secret is 403', async () => {
    const vector = vectorFile.vectors[0] as (typeof vectorFile.vectors)[number];
    const clock = new Date(Number(vector.headers['webhook-timestamp']) * 1000);
    const { handle } = loopsHandler({ secret: vector.secret }, clock);
    const request = () =>
      new Request(URL_LOOPS, { method: 'POST', body: vector.body, headers: vector.headers });
    expect((await handle(request())).status).toBe(200);
    const { handle: wrong } = loopsHandler({ secret: OTHER_SECRET }, clock);
    expect((await wrong(request())).status).toBe(403);
  });
});
