import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, test } from 'vitest';
import { createMailWebhookHandler } from '../../src/handler.js';
import { type Logger, silentLogger } from '../../src/log.js';
import { ses } from '../../src/providers/ses/index.js';
import { createFanoutSink } from '../../src/sinks/fanout.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import delivery from '../fixtures/ses/event-publishing-delivery.json' with { type: 'json' };
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { memoryLogger } from '../helpers/envelope.js';
import { snsRequest } from './samples.js';

const SECRET = `whsec_${btoa('a-receiver-secret-of-32-bytes!!!')}`;

let receiver: CaptureServer | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function handlerTo(
  answer: CaptureServer['answer'],
  options: {
    retries?: number;
    timeoutMs?: number;
    deliveryTimeoutMs?: number;
    logger?: Logger;
  } = {},
) {
  receiver = await startCaptureServer(answer);
  const fanout = createFanoutSink({
    endpoints: [{ url: `${receiver.origin}/hooks/mail`, secret: SECRET }],
    // An attempt timeout no loaded machine reaches on a local round trip: a timed-out attempt
    // would be retried, and the tests counting requests would count it.
    timeoutMs: options.timeoutMs ?? 5_000,
    retries: options.retries ?? 1,
    sleep: async () => {},
    logger: options.logger ?? silentLogger,
  });
  return createMailWebhookHandler({
    sinks: [fanout],
    providers: [ses({ verifySignature: false })],
    logger: options.logger ?? silentLogger,
    ...(options.deliveryTimeoutMs ? { deliveryTimeoutMs: options.deliveryTimeoutMs } : {}),
  });
}

describe('SES through the handler to a signed webhook', () => {
  test('answers 200 once the endpoint received the signed events', async () => {
    const handle = await handlerTo(() => 200);
    const response = await handle(snsRequest(bounce, 'sns-bounce-1'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 1 });

    const [request] = receiver?.requests ?? [];
    if (!request) throw new Error('no request');
    expect(request.path).toBe('/hooks/mail');
    const payload = new Webhook(SECRET).verify(request.body, request.headers) as {
      type: string;
      timestamp: string;
      data: Record<string, unknown>;
    };
    expect(payload.type).toBe('email.bounced');
    expect(payload.timestamp).toBe('2017-08-05T00:41:02.669Z');
    expect(payload.data).toMatchObject({
      eventType: 'bounced',
      eventId: 'sns-bounce-1',
      recipient: 'recipient@example.com',
      rejectReason: 'Permanent/General',
      rawEvent: bounce,
    });
  });

  test('keeps webhook-id across SNS redeliveries of the same message', async () => {
    const handle = await handlerTo(() => 200);
    await handle(snsRequest(delivery, 'sns-delivery-1'));
    await handle(snsRequest(delivery, 'sns-delivery-1'));
    await handle(snsRequest(delivery, 'sns-delivery-2'));
    const ids = receiver?.requests.map((r) => r.headers['webhook-id']) ?? [];
    expect(ids).toHaveLength(3);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  test('answers 503 sink-failed when the endpoint stays down, so SNS retries', async () => {
    const handle = await handlerTo(() => 500);
    const response = await handle(snsRequest(bounce, 'sns-bounce-2'));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(receiver?.requests).toHaveLength(2);
  });

  test('answers 503 sink-timeout at the delivery deadline and stops sending: no retry, the request in flight aborted', async () => {
    const { logger, lines } = memoryLogger();
    // An attempt timeout far past the 100 ms deadline, so a loaded machine's delays cannot blur
    // the two: the answer comes at the deadline, not when the attempt times out.
    const handle = await handlerTo(() => 'hang', {
      retries: 3,
      timeoutMs: 2000,
      deliveryTimeoutMs: 100,
      logger,
    });
    // Answered before a 2 s timer set beside the request fires: timers fire in the order they
    // are due, so the 100 ms deadline comes first however late a loaded machine runs both.
    const attemptTimedOut = new Promise<'attempt timed out'>((resolve) =>
      setTimeout(() => resolve('attempt timed out'), 2000),
    );
    const response = await Promise.race([
      handle(snsRequest(bounce, 'sns-bounce-3')),
      attemptTimedOut,
    ]);
    if (!(response instanceof Response))
      throw new Error(`not answered at the deadline: ${response}`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-timeout' });
    // Past the 2 s attempt timeout: the old fan-out would have retried by now.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(receiver?.requests).toHaveLength(1);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'webhook delivery failed',
        fields: expect.objectContaining({
          reason: 'stopped: the delivery deadline passed after 1 attempt',
        }),
      }),
    );
  });
});
