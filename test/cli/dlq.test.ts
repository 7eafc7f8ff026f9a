import { describe, expect, test } from 'vitest';
import { unknownVariables } from '../../src/from-env';
import { consumeWithReplay, deadLetterFromEnv, isDeadLetterQueue } from '../../src/sinks/dlq';

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

  test('MAIL_WEBHOOK_DLQ_REPLAY and MAIL_WEBHOOK_DLQ_NAME are known variables', () => {
    expect(
      unknownVariables({ MAIL_WEBHOOK_DLQ_REPLAY: 'true', MAIL_WEBHOOK_DLQ_NAME: 'x' }),
    ).toEqual([]);
  });

  test('with MAIL_WEBHOOK_DLQ_NAME, that exact queue is the dead-letter queue, and only it', () => {
    const { queue } = deadLetterFromEnv({
      MAIL_WEBHOOK_DLQ_NAME: ' mailhooks-events-dlq-staging ',
    });
    expect(queue).toBe('mailhooks-events-dlq-staging');
    expect(isDeadLetterQueue('mailhooks-events-dlq-staging', queue)).toBe(true);
    expect(isDeadLetterQueue('mailhooks-events-dlq', queue)).toBe(false);
    expect(isDeadLetterQueue('mailhooks-events-dlq-staging')).toBe(false);
  });

  test.each([
    ['MAIL_WEBHOOK_DLQ_REPLAY', 'maybe'],
    ['MAIL_WEBHOOK_DLQ_NAME', 'a-dlq, b-dlq'],
  ])('a bad %s value is a ConfigError naming it', (name, value) => {
    expect(() => deadLetterFromEnv({ [name]: value })).toThrow(
      expect.objectContaining({ setting: name }),
    );
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
