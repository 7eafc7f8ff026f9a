/** Mailgun verification and parsing inside workerd (the Cloudflare Workers runtime). */
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../src/index.js';
import permanent from '../fixtures/esps/mailgun/symfony_permanent_failure.json' with {
  type: 'json',
};
import {
  answer,
  mailgunRequest,
  NOW_SECONDS,
  OTHER_KEY,
  resign,
  setup,
  signatureBlock,
  TEST_KEY,
} from '../providers/mailgun/helpers.js';

// The key Symfony's Mailgun bridge tests publish next to these fixtures.
const SYMFONY_KEY = 'key-0p6mqbf74lb20gzq9f4dhpn9rg3zyk26';

describe('mailgun inside workerd', () => {
  test('a Symfony vector verifies with its published key and parses', async () => {
    const { handle, events } = setup({ signingKey: SYMFONY_KEY });
    const result = await answer(await handle(mailgunRequest(JSON.stringify(permanent))));
    expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    const [event] = events as [EmailTrackingContext];
    expect(event).toMatchObject({
      eventType: 'bounced',
      recipient: 'alice@example.com',
      messageId: '20130503192659.13651.20287@app.symfony.com',
      eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
      espName: 'mailgun',
      rejectCategory: 'bounced',
      permanent: true,
      mtaResponse: 'No Such User Here',
    });
    expect(event.timestamp.toISOString()).toBe('2018-03-16T20:46:35.375Z');
  });

  test('rotation: either key verifies; another key is 403 signature-invalid', async () => {
    const { handle } = setup({ signingKey: [TEST_KEY, SYMFONY_KEY] });
    expect((await handle(mailgunRequest(JSON.stringify(permanent)))).status).toBe(200);
    expect((await handle(mailgunRequest(await resign(permanent)))).status).toBe(200);
    const other = await answer(
      await handle(mailgunRequest(await resign(permanent, { key: OTHER_KEY }))),
    );
    expect([other.status, (other.body as { error: string }).error]).toEqual([
      403,
      'signature-invalid',
    ]);
  });

  test('no signature block is 403 signature-missing; a tampered token 403 signature-invalid', async () => {
    const { signature: _, ...unsigned } = permanent;
    const { handle, events } = setup();
    const missing = await answer(await handle(mailgunRequest(JSON.stringify(unsigned))));
    expect((missing.body as { error: string }).error).toBe('signature-missing');
    const block = await signatureBlock();
    const tampered = JSON.stringify({ ...permanent, signature: { ...block, token: 'x' } });
    const refused = await answer(await handle(mailgunRequest(tampered)));
    expect([refused.status, (refused.body as { error: string }).error]).toEqual([
      403,
      'signature-invalid',
    ]);
    expect(events).toEqual([]);
  });

  test('maxAgeSeconds refuses an old signature block', async () => {
    const { handle } = setup({ signingKey: TEST_KEY, maxAgeSeconds: 60 });
    const old = String(Number(NOW_SECONDS) - 61);
    const response = await handle(mailgunRequest(await resign(permanent, { timestamp: old })));
    expect(response.status).toBe(403);
  });

  test('a legacy form-encoded webhook is a 400, not a 500', async () => {
    const { handle } = setup();
    const body = 'event=delivered&recipient=a%40example.com&timestamp=1&token=t&signature=s';
    const response = await handle(
      mailgunRequest(body, { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(response.status).toBe(400);
  });
});
