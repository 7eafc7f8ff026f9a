import { describe, expect, test } from 'vitest';
import { unknownVariables } from '../../src/from-env';
import { consumeWithReplay, isDeadLetterQueue } from '../../src/sinks/dlq';

describe('dead-letter queues', () => {
  test.each([
    'mailhooks-events-dlq',
    'events_dlq',
    'events.DLQ',
    'dlq',
    'mail-dead-letter',
    'mail-deadletter-queue',
  ])('%s is a dead-letter queue', (name) => expect(isDeadLetterQueue(name)).toBe(true));
  test.each(['mailhooks-events', 'dlqueue-events', 'mailhooks-events-test'])('%s is not', (name) =>
    expect(isDeadLetterQueue(name)).toBe(false),
  );

  test('MAIL_WEBHOOK_DLQ_REPLAY is a known variable', () => {
    expect(unknownVariables({ MAIL_WEBHOOK_DLQ_REPLAY: 'true' })).toEqual([]);
  });

  test('replay off: each dead letter is held with the longest delay, no sink called', async () => {
    const calls: string[] = [];
    const retried: (number | undefined)[] = [];
    const message = {
      id: 'm1',
      attempts: 1,
      body: '{}',
      ack: () => calls.push('ack'),
      retry: (o?: { delaySeconds?: number }) => void retried.push(o?.delaySeconds),
    };
    const sink = { name: 's', send: async () => void calls.push('send') };
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    await consumeWithReplay({ queue: 'x-dlq', messages: [message] }, [sink], {
      replay: false,
      logger: quiet,
    });
    expect(calls).toEqual([]);
    expect(retried).toEqual([43_200]);
  });
});
