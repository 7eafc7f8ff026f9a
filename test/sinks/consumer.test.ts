import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../src/events.js';
import { silentLogger } from '../../src/log.js';
import { consumeQueueBatch, retryDelaySeconds } from '../../src/sinks/consumer.js';
import type { Sink } from '../../src/sinks/types.js';
import { encodeTrackingEvent } from '../../src/wire.js';
import { memoryLogger } from '../helpers/envelope.js';
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

  test('a sink that reassigns fields (strips rawEvent, rewrites recipient) leaves the sinks after it, and the log line, the decoded context', async () => {
    const context = sampleContext();
    const m = message('m', encodeTrackingEvent(context));
    const stripping: Sink = {
      name: 'redacting-log',
      send: async (events) => {
        for (const event of events) Object.assign(event, { rawEvent: undefined, recipient: 'x' });
      },
    };
    const sink = recordingSink();
    const { logger, lines } = memoryLogger();
    await consumeQueueBatch({ queue: 'q', messages: [m] }, [stripping, sink], logger);
    expect(sink.taken).toEqual([context]);
    expect(m.outcome).toEqual({ acked: true });
    expect(lines.find((l) => l.msg === 'queued event delivered')?.fields).toMatchObject({
      recipient: context.recipient,
    });
  });

  test('a failing sink whose name getter throws is retried with its own error logged', async () => {
    const m = message('m', encodeTrackingEvent(sampleContext()));
    const nameless: Sink = {
      get name(): string {
        throw new Error('client closed');
      },
      send: async () => {
        throw new Error('CRM down');
      },
    };
    const { logger, lines } = memoryLogger();
    await consumeQueueBatch({ queue: 'q', messages: [m] }, [nameless], logger);
    expect(m.outcome.acked).toBe(false);
    expect(m.outcome.retried).toBeDefined();
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'sink failed on a queued event; retrying later',
        fields: expect.objectContaining({ error: 'Error: CRM down' }),
      }),
    );
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

  test('acks a message that no longer decodes, with an error line naming the field and the event', async () => {
    const sink = recordingSink();
    const { logger, lines } = memoryLogger();
    const wire = JSON.parse(encodeTrackingEvent(sampleContext()));
    const outOfRange = message(
      'far',
      JSON.stringify({ ...wire, timestamp: '+010000-01-01T00:00:00.000Z' }),
      4,
    );
    const next = message(
      'next',
      encodeTrackingEvent(sampleContext({ recipient: 'b@example.com' })),
    );
    await consumeQueueBatch({ queue: 'q', messages: [outOfRange, next] }, [sink], logger);
    expect(outOfRange.outcome).toEqual({ acked: true });
    expect(next.outcome).toEqual({ acked: true });
    expect(sink.taken.map((c) => c.recipient)).toEqual(['b@example.com']);
    expect(lines.filter((l) => l.level === 'error')).toEqual([
      {
        level: 'error',
        msg: 'queue message is not a tracking event this version can read; acked and dropped',
        fields: {
          queue: 'q',
          queueMessageId: 'far',
          attempts: 4,
          eventId: 'sns-message-1',
          eventType: 'bounced',
          messageId: 'ses-message-1',
          recipient: 'zoë@example.com',
          espName: 'ses',
          error: expect.stringMatching(
            /WireFormatError: tracking event field "timestamp" is invalid/,
          ),
        },
      },
    ]);
  });

  test.each([
    ['text that is not JSON', 'not a tracking event'],
    ['an object missing fields', '{"eventType":"sent"}'],
    ['a number', 42],
    ['null', null],
    ['the text null', 'null'],
  ])('acks %s rather than retrying it forever', async (_, body) => {
    const { logger, lines } = memoryLogger();
    const m = message('junk', body);
    await consumeQueueBatch({ queue: 'q', messages: [m] }, [recordingSink()], logger);
    expect(m.outcome).toEqual({ acked: true });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ queueMessageId: 'junk' }),
      }),
    );
  });

  test('the error line of an undecodable message keeps a recipient of up to 320 characters, the longest address', async () => {
    const { logger, lines } = memoryLogger();
    const longest = `${'a'.repeat(64)}@${'b'.repeat(251)}.com`;
    const messages = [longest, `a${longest}`].map((recipient, i) =>
      message(`m${i}`, JSON.stringify({ eventType: 'sent', recipient })),
    );
    await consumeQueueBatch({ queue: 'q', messages }, [recordingSink()], logger);
    expect(longest).toHaveLength(320);
    expect(lines.map((l) => l.fields.recipient)).toEqual([longest, undefined]);
  });

  test('retries rather than drops when no consumer sink is configured', async () => {
    const m = message('m', encodeTrackingEvent(sampleContext()));
    await consumeQueueBatch({ queue: 'q', messages: [m] }, [], silentLogger);
    expect(m.outcome.acked).toBe(false);
    expect(m.outcome.retried).toBeDefined();
  });

  test('a message of a batch of your own without an attempts count is retried after 10 s, not NaN', async () => {
    const { attempts: _, ...bare } = message('m', encodeTrackingEvent(sampleContext()));
    await consumeQueueBatch(
      { queue: 'q', messages: [bare as never] },
      [recordingSink(() => true)],
      silentLogger,
    );
    expect(bare.outcome).toEqual({ acked: false, retried: { delaySeconds: 10 } });
  });

  test('retry delays double from 10 s and stop at an hour', () => {
    expect([1, 2, 3, 4, 9, 10, 50].map(retryDelaySeconds)).toEqual([
      10, 20, 40, 80, 2560, 3600, 3600,
    ]);
  });
});
