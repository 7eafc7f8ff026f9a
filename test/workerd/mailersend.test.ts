/** MailerSend verification and parsing inside workerd (the Cloudflare Workers runtime). */
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../src/index.js';
import v2 from '../fixtures/esps/mailersend/symfony_v2_hard_bounced.json' with { type: 'json' };
import {
  answer,
  mailersendRequest,
  OTHER_SECRET,
  setup,
  sign,
  TEST_PING_SECRET,
} from '../providers/mailersend/helpers.js';

const BODY = JSON.stringify(v2);
const PING = '{"type":"webhook.test","message":"This is a ping test message"}';

describe('mailersend inside workerd', () => {
  test('a signed v2 hard bounce verifies and parses', async () => {
    const { handle, events } = setup();
    const result = await answer(await handle(await mailersendRequest(BODY)));
    expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    const [event] = events as [EmailTrackingContext];
    expect(event).toMatchObject({
      eventType: 'bounced',
      recipient: 'test@example.com',
      messageId: '67f91abd69f79df391e9d78d',
      eventId: '62f114f8165fe0d8db0288e5',
      rejectCategory: 'bounced',
      permanent: true,
      mtaResponse: '550',
    });
    expect(event.timestamp.toISOString()).toBe('2026-01-01T12:00:00.000Z');
  });

  test('missing, wrong-secret and tampered signatures are 403', async () => {
    const { handle, events } = setup();
    const missing = await answer(await handle(await mailersendRequest(BODY, null)));
    expect([missing.status, (missing.body as { error: string }).error]).toEqual([
      403,
      'signature-missing',
    ]);
    const wrong = await handle(await mailersendRequest(BODY, await sign(BODY, OTHER_SECRET)));
    expect(wrong.status).toBe(403);
    const tampered = await handle(await mailersendRequest(`${BODY} `, await sign(BODY)));
    expect(tampered.status).toBe(403);
    expect(events).toEqual([]);
  });

  test('the webhook.test ping signed with the public test secret is 200 with no events', async () => {
    const { handle, events } = setup();
    const ping = await answer(
      await handle(await mailersendRequest(PING, await sign(PING, TEST_PING_SECRET))),
    );
    expect(ping).toEqual({ status: 200, body: { ok: true, events: 0 } });
    const forged = await handle(await mailersendRequest(BODY, await sign(BODY, TEST_PING_SECRET)));
    expect(forged.status).toBe(403);
    expect(events).toEqual([]);
  });
});
