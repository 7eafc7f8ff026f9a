import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, test, vi } from 'vitest';
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
  vi.useRealTimers();
  await receiver?.close();
  receiver = undefined;
});

/** Turns of the event loop (setImmediate stays real under a fake clock) until `done()`, 10 s at most. */
async function until(done: () => boolean): Promise<void> {
  for (const end = Date.now() + 10_000; !done() && Date.now() < end; ) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

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
    const handle = await handlerTo(() => 'hang', {
      retries: 3,
      timeoutMs: 2000,
      deliveryTimeoutMs: 100,
      logger,
    });
    // The deadline and the attempt timeout on a fake clock, the POST on the real network: the
    // deadline fires once the POST is in flight. On the real clock a loaded machine was still
    // signing or sending it at 100 ms, and the receiver saw nothing.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let response: Response | undefined;
    void handle(snsRequest(bounce, 'sns-bounce-3')).then((answer) => {
      response = answer;
    });
    await until(() => receiver?.requests.length === 1);
    expect(receiver?.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(response).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    await until(() => response !== undefined);
    expect(response?.status).toBe(503);
    expect(await response?.json()).toMatchObject({ ok: false, error: 'sink-timeout' });
    // Past the 2 s attempt timeout: the old fan-out would have retried by now.
    await vi.advanceTimersByTimeAsync(2500);
    const gaveUp = () => lines.filter((line) => line.msg === 'webhook delivery failed');
    await until(() => gaveUp().length > 0);
    expect(gaveUp()).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({
          reason: 'stopped: the delivery deadline passed after 1 attempt',
        }),
      }),
    ]);
    expect(receiver?.requests).toHaveLength(1);
  });
});
