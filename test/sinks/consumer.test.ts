import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../src/events.js';
import { silentLogger } from '../../src/log.js';
import { consumeQueueBatch, retryDelaySeconds } from '../../src/sinks/consumer.js';
import type { Sink } from '../../src/sinks/types.js';
import { encodeTrackingEvent } from '../../src/wire.js';
import { sampleContext } from './samples.js';

function message(id: string, body: unknown, attempts = 1) {
  const outcome: { acked: boolean; retried?: { delaySeconds?: number } } = { acked: false };
  return {
    outcome,
    id,
    attempts,
    body,
    ack: () => {
      outcome.acked = true;
    },
    retry: (options?: { delaySeconds?: number }) => {
      outcome.retried = options ?? {};
    },
  };
}

function recordingSink(fail: (context: EmailTrackingContext) => boolean = () => false): Sink & {
  taken: EmailTrackingContext[];
} {
  const taken: EmailTrackingContext[] = [];
  return {
    name: 'recording',
    taken,
    async send(events) {
      for (const event of events) {
        if (fail(event)) throw new Error(`refused ${event.recipient}`);
        taken.push(event);
      }
    },
  };
}

describe('consumeQueueBatch', () => {
  test('decodes each message, hands it to the sinks and acks it', async () => {
    const contexts = [sampleContext(), sampleContext({ recipient: 'b@example.com' })];
    const messages = contexts.map((c, i) => message(`m${i}`, encodeTrackingEvent(c)));
    const sink = recordingSink();
    await consumeQueueBatch({ queue: 'q', messages }, [sink], silentLogger);
    expect(sink.taken).toEqual(contexts);
    expect(messages.map((m) => m.outcome)).toEqual([{ acked: true }, { acked: true }]);
  });

  test('accepts JSON-object bodies as well as text', async () => {
    const sink = recordingSink();
    const m = message('m', JSON.parse(encodeTrackingEvent(sampleContext())));
    await consumeQueueBatch({ queue: 'q', messages: [m] }, [sink], silentLogger);
    expect(m.outcome.acked).toBe(true);
  });

  test('retries only the messages a sink failed on, with a delay growing per attempt', async () => {
    const sink = recordingSink((c) => c.recipient === 'bad@example.com');
    const ok = message('ok', encodeTrackingEvent(sampleContext()));
    const bad = message(
      'bad',
      encodeTrackingEvent(sampleContext({ recipient: 'bad@example.com' })),
      3,
    );
    await consumeQueueBatch({ queue: 'q', messages: [bad, ok] }, [sink], silentLogger);
    expect(ok.outcome).toEqual({ acked: true });
    expect(bad.outcome).toEqual({ acked: false, retried: { delaySeconds: 40 } });
  });

  test('retries a malformed message so it ends in the dead-letter queue', async () => {
    const sink = recordingSink();
    const errors: unknown[] = [];
    const logger = {
      ...silentLogger,
      error: (msg: string, fields?: unknown) => errors.push({ msg, fields }),
    };
    const malformed = message('junk', '{"eventType":"sent"}');
    await consumeQueueBatch({ queue: 'q', messages: [malformed] }, [sink], logger);
    expect(sink.taken).toEqual([]);
    expect(malformed.outcome).toEqual({ acked: false, retried: { delaySeconds: 10 } });
    expect(errors).toEqual([
      expect.objectContaining({
        fields: expect.objectContaining({
          queueMessageId: 'junk',
          error: expect.stringMatching(/is missing/),
        }),
      }),
    ]);
  });

  test('retries rather than drops when no consumer sink is configured', async () => {
    const m = message('m', encodeTrackingEvent(sampleContext()));
    await consumeQueueBatch({ queue: 'q', messages: [m] }, [], silentLogger);
    expect(m.outcome.acked).toBe(false);
    expect(m.outcome.retried).toBeDefined();
  });

  test('retry delays double from 10 s and stop at an hour', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map(retryDelaySeconds)).toEqual([
      10, 20, 40, 80, 2560, 3600, 3600,
    ]);
  });
});
