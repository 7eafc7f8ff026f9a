/** The receiver's replay window: a toleranceSeconds or a clock that is no number must not turn it off. */
import { describe, expect, test } from 'vitest';
import { verifyTrackingWebhook } from '../../src/receiver.js';
import { importWebhookKey, signWebhook } from '../../src/sinks/webhook-signing.js';
import { encodeTrackingEvent } from '../../src/wire.js';
import { sampleContext } from '../sinks/samples.js';

const SECRET = `whsec_${btoa('receiver-test-secret-thirty-two!')}`;
const NOW = new Date('2026-03-01T12:00:00Z');
const SECONDS = Math.floor(NOW.getTime() / 1000);
const BODY = '{"type":"email.sent","data":{}}';

/** A fan-out delivery the receiver accepts when signed in its window. */
const DELIVERY = JSON.stringify({
  type: 'email.bounced',
  timestamp: '2026-03-04T05:06:07.089Z',
  data: JSON.parse(encodeTrackingEvent(sampleContext())),
});

/** A delivery signed a day ago (or at `timestamp`): a replay, whatever the body. */
async function replayed(body = BODY, timestamp = SECONDS - 86_400): Promise<Request> {
  const signature = await signWebhook(await importWebhookKey(SECRET), 'msg_1', timestamp, body);
  return new Request('http://app.test/hooks', {
    method: 'POST',
    body,
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

describe('verifyTrackingWebhook with a clock that gives no time', () => {
  test.each([
    ['signed in 1970', 1],
    ['signed a year ahead', SECONDS + 86_400 * 365],
  ])(
    'now() giving an Invalid Date (an unset variable): a delivery %s is refused message-too-old',
    async (_, timestamp) => {
      const outcome = await verifyTrackingWebhook(await replayed(DELIVERY, timestamp), SECRET, {
        now: () => new Date(Number.NaN),
      }).then(
        (context) => ({ accepted: context.recipient }),
        (e: { reason?: string; message?: string }) => ({ reason: e.reason, message: e.message }),
      );
      expect(outcome).toEqual({
        reason: 'message-too-old',
        message:
          'webhook-timestamp is NaN s old, older than toleranceSeconds allows: a replay, or a clock far off',
      });
    },
  );

  test('the same delivery under a real clock at its time is accepted (the body is a good one)', async () => {
    const context = await verifyTrackingWebhook(await replayed(DELIVERY, SECONDS), SECRET, {
      now: () => NOW,
    });
    expect(context.recipient).toBe('zoë@example.com');
  });
});

describe('verifyTrackingWebhook options', () => {
  test.each([
    ['tolerance', 'unknown option "tolerance"; did you mean toleranceSeconds?'],
    ['toleranceSecond', 'unknown option "toleranceSecond"; did you mean toleranceSeconds?'],
    ['clock', 'unknown option "clock"; use toleranceSeconds or now'],
  ])(
    'a misspelt %s is a TypeError naming it, never the default window in place of the one meant',
    async (key, message) => {
      // Meant: a one-minute window, so a delivery 200 s old is refused; the default 300 s took it.
      const error = await verifyTrackingWebhook(await replayed(DELIVERY, SECONDS - 200), SECRET, {
        now: () => NOW,
        [key]: 60,
      } as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(message);
    },
  );

  test('the same delivery 200 s old under toleranceSeconds: 60 is refused message-too-old', async () => {
    const error = await verifyTrackingWebhook(await replayed(DELIVERY, SECONDS - 200), SECRET, {
      now: () => NOW,
      toleranceSeconds: 60,
    }).catch((e: { reason?: string }) => e);
    expect((error as { reason?: string }).reason).toBe('message-too-old');
  });
});
