/**
 * A logger of the user's that throws (its transport down) is theirs to fix, but must not cost a
 * request its answer: a 500 after delivery is a redelivery, and one before it a retry loop.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  type Logger,
  ses,
} from '../../src/index.js';
import { consumeQueueBatch } from '../../src/sinks/consumer.js';
import { encodeTrackingEvent } from '../../src/wire.js';
import { sampleContext, snsRequest } from '../sinks/samples.js';

const delivery = JSON.parse(
  readFileSync(new URL('../fixtures/ses/event-publishing-delivery.json', import.meta.url), 'utf8'),
) as unknown;

/** A logger whose every call throws, counting the calls. */
function brokenLogger() {
  const calls: string[] = [];
  const at = (level: string) => (message: string) => {
    calls.push(`${level} ${message}`);
    throw new Error('log transport down');
  };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, calls };
}

function handlerWith(send: (events: EmailTrackingContext[]) => Promise<void>) {
  const { logger, calls } = brokenLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    sinks: [{ name: 'capture', send }],
    logger,
  });
  calls.length = 0; // start-up's own lines (verification off) are not the request's
  return { handle, calls };
}

test('an event delivered: 200 with its count, though its event line could not be logged', async () => {
  const received: EmailTrackingContext[] = [];
  const { handle, calls } = handlerWith(async (events) => void received.push(...events));
  const response = await handle(snsRequest(delivery, 'logger-1'));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ ok: true, events: 1 });
  expect(received.map((e) => [e.eventType, e.recipient])).toEqual([
    ['delivered', 'recipient@example.com'],
  ]);
  expect(calls).toEqual(['info event']);
});

test('a sink that fails: still 503 sink-failed, though the refusal could not be logged', async () => {
  const { handle, calls } = handlerWith(async () => {
    throw new Error('database down');
  });
  const response = await handle(snsRequest(delivery, 'logger-2'));
  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
  expect(calls).toEqual(['error request refused']);
});

test('a refusal: still its 4xx', async () => {
  const { handle } = handlerWith(async () => {});
  const response = await handle(
    new Request('https://hooks.example/webhooks/mail/ses', { method: 'GET' }),
  );
  expect(response.status).toBe(405);
});

test('the queue consumer: a message that does not decode is still acked, one that fails retried', async () => {
  const { logger } = brokenLogger();
  const outcomes: string[] = [];
  const message = (id: string, body: unknown) => ({
    id,
    attempts: 1,
    body,
    ack: () => void outcomes.push(`${id} acked`),
    retry: () => void outcomes.push(`${id} retried`),
  });
  const failing = { name: 'down', send: async () => Promise.reject(new Error('down')) };
  await consumeQueueBatch(
    { queue: 'q', messages: [message('a', { not: 'an event' })] },
    [failing],
    logger,
  );
  await consumeQueueBatch(
    { queue: 'q', messages: [message('b', encodeTrackingEvent(sampleContext()))] },
    [failing],
    logger,
  );
  expect(outcomes).toEqual(['a acked', 'b retried']);
});
