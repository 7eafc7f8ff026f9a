/** DLQ replay inside workerd: the Worker's queue() fed a batch from the dead-letter queue. */
import { env } from 'cloudflare:workers';
import { describe, expect, test, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare';
import { verifyTrackingWebhook } from '../../src/receiver';
import { encodeTrackingEvent } from '../../src/wire';
import { sampleContext } from '../sinks/samples';
import { captureLogLines, consumeBatch } from './queue-batch';

const SECRET = `whsec_${btoa('workerd-dlq-replay-secret-32-by!')}`;
const HOOK = 'https://hooks.example.com/mail';
const DLQ = 'mailhooks-events-dlq';

const dlqEnv = (replay?: string, extra: Record<string, string> = {}) => ({
  ...env,
  MAIL_WEBHOOK_SINKS: 'queue,fanout',
  MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
  MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
  MAIL_WEBHOOK_FANOUT_RETRIES: '0',
  HOOK_SECRET: SECRET,
  ...(replay === undefined ? {} : { MAIL_WEBHOOK_DLQ_REPLAY: replay }),
  ...extra,
});

const logged = captureLogLines();

/** Stubs the fan-out's fetch: each POST verified as a receiver would, answered with `status`. */
function stubFetch(status: (recipient: string) => number) {
  const received: string[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const context = await verifyTrackingWebhook(new Request(input, init), SECRET);
    received.push(context.recipient);
    return new Response(null, { status: status(context.recipient) });
  });
  return received;
}

const consume = (queue: string, workerEnv: Record<string, unknown>, recipients: string[]) =>
  consumeBatch(
    queue,
    workerEnv,
    recipients.map((recipient, i) => ({
      id: `d${i}`,
      attempts: 1,
      body: encodeTrackingEvent(sampleContext({ recipient, eventId: `evt-${i}` })),
    })),
  );

describe('dead-letter queue replay', () => {
  test('with MAIL_WEBHOOK_DLQ_REPLAY=true, each dead letter goes back through the fan-out and is acked', async () => {
    const received = stubFetch(() => 200);
    const result = await consume(DLQ, dlqEnv('true'), ['a@example.com', 'b@example.com']);
    expect(received).toEqual(['a@example.com', 'b@example.com']);
    expect(result.explicitAcks.sort()).toEqual(['d0', 'd1']);
    expect(result.retryMessages).toEqual([]);
    expect(logged).toContainEqual(expect.objectContaining({ queue: DLQ, messages: 2 }));
  });

  test('a dead letter whose endpoint still fails stays in the dead-letter queue (retried)', async () => {
    stubFetch((recipient) => (recipient === 'b@example.com' ? 500 : 200));
    const result = await consume(DLQ, dlqEnv('true'), ['a@example.com', 'b@example.com']);
    expect(result.explicitAcks).toEqual(['d0']);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(['d1']);
  });

  test('without the variable, dead letters are held, not sent, and the log names the variable', async () => {
    const received = stubFetch(() => 200);
    const result = await consume(DLQ, dlqEnv(), ['a@example.com']);
    expect(received).toEqual([]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.delays.d0).toBe(43_200);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: expect.stringContaining('MAIL_WEBHOOK_DLQ_REPLAY=true'),
      }),
    );
  });

  test('with the fan-out back on the request path (no queue listed), dead letters are still replayed through it', async () => {
    const received = stubFetch(() => 200);
    const workerEnv = { ...dlqEnv('true'), MAIL_WEBHOOK_SINKS: 'memory,fanout' };
    const result = await consume(DLQ, workerEnv, ['a@example.com']);
    expect(received).toEqual(['a@example.com']);
    expect(result.explicitAcks).toEqual(['d0']);
    expect(result.retryMessages).toEqual([]);
    expect(logged.filter((line) => line.level === 'error')).toEqual([]);
  });

  test('the main queue is consumed as before, whatever the variable', async () => {
    const received = stubFetch(() => 200);
    const result = await consume('mailhooks-events', dlqEnv('false'), ['a@example.com']);
    expect(received).toEqual(['a@example.com']);
    expect(result.explicitAcks).toEqual(['d0']);
  });

  test('MAIL_WEBHOOK_DLQ_NAME names a dead-letter queue the pattern misses, which is replayed', async () => {
    const received = stubFetch(() => 200);
    const staging = 'mailhooks-events-dlq-staging';
    const result = await consume(staging, dlqEnv('true', { MAIL_WEBHOOK_DLQ_NAME: staging }), [
      'a@example.com',
    ]);
    expect(received).toEqual(['a@example.com']);
    expect(result.explicitAcks).toEqual(['d0']);
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: expect.stringContaining('replaying'), queue: staging }),
    );
  });

  test('with MAIL_WEBHOOK_DLQ_NAME set, a queue named like a dead-letter queue is consumed as usual', async () => {
    const received = stubFetch(() => 200);
    const result = await consume(DLQ, dlqEnv(undefined, { MAIL_WEBHOOK_DLQ_NAME: 'other-dlq' }), [
      'a@example.com',
    ]);
    expect(received).toEqual(['a@example.com']);
    expect(result.explicitAcks).toEqual(['d0']);
    expect(result.delays).toEqual({});
  });

  test('a bad MAIL_WEBHOOK_DLQ_REPLAY value: 503 misconfigured, logged once naming it, and no batch consumed', async () => {
    const received = stubFetch(() => 200);
    const broken = dlqEnv('maybe');
    const response = await worker.fetch(
      new Request('https://mailhooks.test/webhooks/mail/ses', { method: 'POST', body: '{}' }),
      broken,
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toBe('misconfigured');
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', setting: 'MAIL_WEBHOOK_DLQ_REPLAY' }),
    );
    // The main queue's messages wait their backoff (not retried at once, spending max_retries),
    // so they are delivered once the value is fixed.
    const result = await consume('mailhooks-events', broken, ['a@example.com']);
    expect(result.explicitAcks).toEqual([]);
    expect(result.delays).toEqual({ d0: 10 });
    expect(received).toEqual([]);
  });
});

describe('dead-letter replay without the fan-out in MAIL_WEBHOOK_SINKS', () => {
  const unlistedLines = () => logged.filter((line) => line.sink !== undefined);

  test('is warned about once, naming both variables; the dead letters are kept (retried), not acked', async () => {
    const workerEnv = {
      ...env,
      MAIL_WEBHOOK_SINKS: 'memory,queue',
      MAIL_WEBHOOK_DLQ_REPLAY: 'true',
    };
    const first = await consume(DLQ, workerEnv, ['a@example.com']);
    const second = await consume(DLQ, workerEnv, ['b@example.com']);
    for (const result of [first, second]) {
      expect(result.explicitAcks).toEqual([]);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(['d0']);
    }
    expect(unlistedLines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'variable MAIL_WEBHOOK_DLQ_REPLAY is set, but MAIL_WEBHOOK_SINKS does not list fanout',
        variable: 'MAIL_WEBHOOK_DLQ_REPLAY',
        sink: 'fanout',
      }),
    ]);
  });

  test('replay with the fan-out listed logs no such line', async () => {
    stubFetch(() => 200);
    const result = await consume(DLQ, dlqEnv('true'), ['a@example.com']);
    expect(result.explicitAcks).toEqual(['d0']);
    expect(unlistedLines()).toEqual([]);
  });
});
