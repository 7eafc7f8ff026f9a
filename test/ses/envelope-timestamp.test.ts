/** The SNS Timestamp is what events without a time of their own take: it must be a real instant. */
import { expect, test } from 'vitest';
import { createMailWebhookHandler, type EmailTrackingContext, ses } from '../../src/index.js';
import bounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { envelope, memoryLogger, snsRequest } from '../helpers/envelope.js';

function setup() {
  const events: EmailTrackingContext[] = [];
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger: memoryLogger().logger,
  });
  return { handle, events };
}

test('with verification off, an envelope Timestamp that is no instant is 400 naming it, never now()', async () => {
  for (const timestamp of ['2026-02-30T00:10:00.000Z', '2026-11-27T24:00:00.000Z', 'yesterday']) {
    const { handle, events } = setup();
    const response = await handle(snsRequest(envelope(bounce, { timestamp })));
    const body = (await response.json()) as { error: string; message: string };
    expect([response.status, body.error]).toEqual([400, 'invalid-envelope']);
    expect(body.message).toContain('"Timestamp"');
    expect(events).toEqual([]);
  }
});

test('a real one is accepted', async () => {
  const { handle, events } = setup();
  const response = await handle(
    snsRequest(envelope(bounce, { timestamp: '2026-02-28T00:10:00Z' })),
  );
  expect(response.status).toBe(200);
  expect(events.length).toBeGreaterThan(0);
});
