import { expect, test } from 'vitest';
import { EmailTrackingEvent } from '../../src/events.js';
import { createMailWebhookHandler } from '../../src/handler.js';
import type { LogFields, Logger } from '../../src/log.js';
import { ses } from '../../src/providers/ses/index.js';
import { EventBus } from '../../src/sinks/memory.js';
import type { Sink } from '../../src/sinks/types.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { unreadable } from '../helpers/unreadable.js';
import { snsRequest } from './samples.js';

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
  return { logger, lines };
}

test('a sink that throws makes the request 503 and reports no event as delivered, even one an earlier sink took', async () => {
  const { logger, lines } = recordingLogger();
  const bus = new EventBus('before');
  let taken = 0;
  bus.subscribe(EmailTrackingEvent, (context, next) => {
    taken++;
    return next(context);
  });
  const broken: Sink = {
    name: 'broken',
    send: async () => {
      throw new Error('disk full');
    },
  };
  const handle = createMailWebhookHandler({
    sinks: [bus, broken],
    providers: [ses({ verifySignature: false })],
    logger,
  });

  const response = await handle(snsRequest(bounce, 'sns-broken-1'));

  expect(response.status).toBe(503);
  expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
  expect(taken).toBe(1);
  expect(lines.filter((l) => l.level === 'info' && l.message === 'event')).toEqual([]);
  expect(lines).toContainEqual(
    expect.objectContaining({
      level: 'error',
      fields: expect.objectContaining({ sink: 'broken', error: 'Error: disk full' }),
    }),
  );
});

// What a sink may reject with: none of it has a readable name, message or reason.
const unreadableRejections = unreadable(
  'an Error whose message getter throws',
  'an object whose reason getter throws',
  'a proxy that throws on every read',
);

test.each(unreadableRejections)(
  'a sink that rejects with %s answers 503 sink-failed, not 500',
  async (_, thrown) => {
    const { logger, lines } = recordingLogger();
    const broken: Sink = { name: 'broken', send: () => Promise.reject(thrown()) };
    const handle = createMailWebhookHandler({
      sinks: [broken],
      providers: [ses({ verifySignature: false })],
      logger,
    });

    const response = await handle(snsRequest(bounce, 'sns-unreadable-1'));

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ sink: 'broken', error: expect.any(String) }),
      }),
    );
  },
);
