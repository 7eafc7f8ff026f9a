/**
 * Queue messages a producer of your own may send (contentType `bytes`), or that can never be
 * delivered (a rawEvent nested far deeper than any ESP sends, which JSON.stringify cannot write
 * back): the first is read as the UTF-8 wire JSON it is, the second acked with an error line
 * naming the field instead of being retried to the dead-letter queue and replayed from there.
 */
import { describe, expect, test } from 'vitest';
import { consumeQueueBatch } from '../../src/adapters/cloudflare.js';
import { createFanoutSink, encodeTrackingEvent } from '../../src/index.js';
import { memoryLogger } from '../helpers/envelope.js';
import { sampleContext } from './samples.js';

const SECRET = `whsec_${btoa('consumer-poison-test-secret-32b!')}`;

function message(id: string, body: unknown) {
  const outcome: { acked: boolean; retried: boolean } = { acked: false, retried: false };
  return {
    outcome,
    message: {
      id,
      attempts: 1,
      body,
      ack: () => {
        outcome.acked = true;
      },
      retry: () => {
        outcome.retried = true;
      },
    },
  };
}

/** A real fan-out sink to one endpoint that takes everything; `posted` counts what reached it. */
function fanout() {
  const posted: string[] = [];
  const sink = createFanoutSink({
    endpoints: [{ url: 'https://hooks.example.com/mail', secret: SECRET }],
    retries: 0,
    fetch: async (_input, init) => {
      posted.push(String(init?.body));
      return new Response(null, { status: 204 });
    },
  });
  return { sink, posted };
}

describe('consumeQueueBatch with messages sent as bytes', () => {
  const wire = encodeTrackingEvent(sampleContext());
  test.each([
    ['an ArrayBuffer', new TextEncoder().encode(wire).buffer],
    ['a Uint8Array', new TextEncoder().encode(wire)],
  ])('wire JSON as %s is delivered and acked', async (_, body) => {
    const { sink, posted } = fanout();
    const { logger, lines } = memoryLogger();
    const m = message('bytes', body);
    await consumeQueueBatch({ queue: 'q', messages: [m.message] }, [sink], logger);
    expect(m.outcome).toEqual({ acked: true, retried: false });
    expect(posted).toHaveLength(1);
    expect(JSON.parse(posted[0] ?? '').data.recipient).toBe('zoë@example.com');
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('bytes that are not UTF-8 are acked with an error line, not retried', async () => {
    const { sink, posted } = fanout();
    const { logger, lines } = memoryLogger();
    const m = message('latin1', Uint8Array.of(0x7b, 0xff, 0x7d));
    await consumeQueueBatch({ queue: 'q', messages: [m.message] }, [sink], logger);
    expect(m.outcome).toEqual({ acked: true, retried: false });
    expect(posted).toEqual([]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'queue message is not a tracking event this version can read; acked and dropped',
        fields: expect.objectContaining({ queueMessageId: 'latin1' }),
      }),
    );
  });
});

describe('consumeQueueBatch with a rawEvent nested deeper than any ESP sends', () => {
  const depth = 100_000;
  const deep = JSON.stringify(sampleContext({ rawEvent: { deep: 'X' } })).replace(
    '"X"',
    `${'['.repeat(depth)}${']'.repeat(depth)}`,
  );

  test.each([
    ['text', deep],
    ['a JSON object', JSON.parse(deep)],
  ])(
    'as %s: acked with an error naming rawEvent; the next message still delivered',
    async (_, body) => {
      const { sink, posted } = fanout();
      const { logger, lines } = memoryLogger();
      const poison = message('deep', body);
      const next = message(
        'next',
        encodeTrackingEvent(sampleContext({ recipient: 'b@example.com' })),
      );
      await consumeQueueBatch(
        { queue: 'q', messages: [poison.message, next.message] },
        [sink],
        logger,
      );
      expect(poison.outcome).toEqual({ acked: true, retried: false });
      expect(next.outcome).toEqual({ acked: true, retried: false });
      expect(posted.map((p) => JSON.parse(p).data.recipient)).toEqual(['b@example.com']);
      expect(lines.filter((l) => l.level === 'error')).toEqual([
        expect.objectContaining({
          msg: 'queue message is not a tracking event this version can read; acked and dropped',
          fields: expect.objectContaining({
            queueMessageId: 'deep',
            eventId: 'sns-message-1',
            error: expect.stringMatching(/"rawEvent" nests more than 64 deep/),
          }),
        }),
      ]);
    },
  );

  test('64 levels, as deep as the handler lets a request nest, still go through', async () => {
    let raw: unknown = 'leaf';
    for (let i = 0; i < 64; i++) raw = i === 63 ? { a: raw } : [raw];
    const { sink, posted } = fanout();
    const m = message(
      'ok',
      encodeTrackingEvent(sampleContext({ rawEvent: raw as Record<string, unknown> })),
    );
    await consumeQueueBatch({ queue: 'q', messages: [m.message] }, [sink], memoryLogger().logger);
    expect(m.outcome).toEqual({ acked: true, retried: false });
    expect(posted).toHaveLength(1);
  });
});
