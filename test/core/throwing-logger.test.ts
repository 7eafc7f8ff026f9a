/**
 * A logger of the user's that throws (its transport down) is theirs to fix, but must not cost a
 * request its answer: a 500 after delivery is a redelivery, and one before it a retry loop.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/from-env.js';
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

/** A logger whose every call throws (or, `async`, rejects), counting the calls. */
function brokenLogger(async = false) {
  const calls: string[] = [];
  const at = (level: string) => (message: string) => {
    calls.push(`${level} ${message}`);
    const error = new Error('log transport down');
    if (async) return Promise.reject(error) as unknown as undefined;
    throw error;
  };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, calls };
}

function handlerWith(send: (events: EmailTrackingContext[]) => Promise<void>, async = false) {
  const { logger, calls } = brokenLogger(async);
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

/** Runs `work`, then returns the rejections nobody handled meanwhile (each one ends a Node process). */
async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const heard = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', heard);
  try {
    await work();
    // Node reports a rejection nobody handled once the microtasks of this turn have run.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', heard);
  }
  return unhandled;
}

test('a logger whose calls reject (an async one, its transport down): the same answers, and no unhandled rejection to end the process', async () => {
  const statuses: number[] = [];
  let calls: string[] = [];
  const unhandled = await unhandledDuring(async () => {
    let fail = false;
    const handler = handlerWith(async () => {
      if (fail) throw new Error('database down');
    }, true);
    calls = handler.calls;
    statuses.push((await handler.handle(snsRequest(delivery, 'logger-3'))).status);
    fail = true;
    statuses.push((await handler.handle(snsRequest(delivery, 'logger-4'))).status);
    const get = new Request('https://hooks.example/webhooks/mail/ses', { method: 'GET' });
    statuses.push((await handler.handle(get)).status);
  });
  expect(statuses).toEqual([200, 503, 405]);
  expect(calls).toEqual(['info event', 'error request refused', 'warn request refused']);
  expect(unhandled).toEqual([]);
});

test('the variables reader: its start-up warnings to a logger whose calls reject end nothing either', async () => {
  const { logger, calls } = brokenLogger(true);
  const unhandled = await unhandledDuring(async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
        MAIL_WEBHOOK_SES_SECRT: 'typo',
      },
      { logger },
    );
    expect((await handle(snsRequest(delivery, 'logger-5'))).status).toBe(200);
  });
  expect(calls).toContain(
    'warn unknown variable MAIL_WEBHOOK_SES_SECRT: no setting reads it; did you mean MAIL_WEBHOOK_SES_SECRET?',
  );
  expect(unhandled).toEqual([]);
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

test('the variables reader guards a logger once: each line (start-up, request, fan-out) passes one guard', async () => {
  // How many guards a call went through: their frames (src/log.ts) below the logger's own.
  const guards: Record<string, number[]> = {};
  const at = (level: string) => (message: string) => {
    const frames = (new Error().stack ?? '').split('\n').filter((f) => f.includes('src/log.ts'));
    const line = `${level} ${message.split(':')[0]}`;
    guards[line] = [...(guards[line] ?? []), frames.length];
  };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  const secret = `whsec_${btoa('fan-out-test-secret-32-bytes-long')}`;
  const handle = createHandlerFromEnv(
    {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_SES_SECRT: 'typo',
      MAIL_WEBHOOK_SINKS: 'fanout',
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([
        { url: 'https://hooks.example/in', secret: 'env:MAIL_WEBHOOK_FANOUT_SECRET_IN' },
      ]),
      MAIL_WEBHOOK_FANOUT_SECRET_IN: secret,
      MAIL_WEBHOOK_FANOUT_RETRIES: '0',
    },
    { logger, fetch: async () => new Response('down', { status: 500 }) },
  );
  expect((await handle(snsRequest(delivery, 'logger-6'))).status).toBe(503);
  const get = new Request('https://hooks.example/webhooks/mail/ses', { method: 'GET' });
  expect((await handle(get)).status).toBe(405);
  expect(guards).toEqual({
    'warn unknown variable MAIL_WEBHOOK_SES_SECRT': [1],
    'warn SNS signature verification is OFF': [1],
    'warn webhook delivery failed': [1],
    'error request refused': [1],
    'warn request refused': [1],
  });
});
