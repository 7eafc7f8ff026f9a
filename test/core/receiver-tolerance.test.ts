/** verifyTrackingWebhook's toleranceSeconds: a value that is not a positive number must not turn the replay check off. */
import { describe, expect, test } from 'vitest';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import { importWebhookKey, signWebhook } from '../../src/sinks/webhook-signing.js';

const SECRET = `whsec_${btoa('receiver-test-secret-thirty-two!')}`;
const NOW = new Date('2026-03-01T12:00:00Z');
const SECONDS = Math.floor(NOW.getTime() / 1000);
const BODY = '{"type":"email.sent","data":{}}';

/** A delivery signed a day ago: a replay, whatever the body. */
async function replayed(): Promise<Request> {
  const timestamp = SECONDS - 86_400;
  const signature = await signWebhook(await importWebhookKey(SECRET), 'msg_1', timestamp, BODY);
  return new Request('http://app.test/hooks', {
    method: 'POST',
    body: BODY,
    headers: {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    },
  });
}

describe('verifyTrackingWebhook toleranceSeconds', () => {
  test.each([
    ['NaN (Number of an unset variable)', Number.NaN],
    ['0 (Number of an empty variable)', 0],
    ['negative', -1],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '300' as unknown as number],
  ])('%s is a TypeError, never a replay window turned off', async (_, toleranceSeconds) => {
    const error = await verifyTrackingWebhook(await replayed(), SECRET, {
      now: () => NOW,
      toleranceSeconds,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/toleranceSeconds/);
  });

  test('a positive window still refuses the replay as message-too-old', async () => {
    const error = await verifyTrackingWebhook(await replayed(), SECRET, {
      now: () => NOW,
      toleranceSeconds: 600,
    }).then(
      () => ({ reason: 'accepted', message: '' }),
      (e: { reason?: string; message?: string }) => e,
    );
    expect(error.reason).toBe('message-too-old');
    // The receiver's option is toleranceSeconds: its message names that, not the providers' maxAgeSeconds.
    expect(error.message).toBe(
      'webhook-timestamp is 86400 s old, older than toleranceSeconds allows: a replay, or a clock far off',
    );
  });
});
