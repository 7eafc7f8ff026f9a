import { env } from 'cloudflare:workers';
import { Webhook } from 'standardwebhooks';
import { describe, expect, test, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare';
import { decodeTrackingEvent, encodeTrackingEvent } from '../../src/wire';
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import { sampleContext, snsRequest } from '../sinks/samples';
import { captureLogLines, consumeBatch } from './queue-batch';

const SECRET = `whsec_${btoa('workerd-queue-test-secret-32-by!')}`;
const HOOK = 'https://hooks.example.com/mail';

type Sent = { body: unknown; contentType?: string };

/** The real MAIL_WEBHOOK_QUEUE binding, with every sendBatch recorded. */
function recordingQueue() {
  const sent: Sent[] = [];
  const binding = env.MAIL_WEBHOOK_QUEUE;
  return {
    sent,
    sendBatch(messages: Iterable<MessageSendRequest>) {
      const list = [...messages];
      sent.push(...list);
      return binding.sendBatch(list);
    },
  };
}

/** A fresh env object (so the Worker builds a fresh runtime) routing SES -> queue -> fan-out. */
function queueEnv(queue = recordingQueue()) {
  return {
    queue,
    env: {
      ...env,
      MAIL_WEBHOOK_SINKS: 'queue,fanout',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_QUEUE: queue,
      MAIL_WEBHOOK_FANOUT_ENDPOINTS: JSON.stringify([{ url: HOOK, secret: 'env:HOOK_SECRET' }]),
      MAIL_WEBHOOK_FANOUT_RETRIES: '0',
      HOOK_SECRET: SECRET,
    },
  };
}

/** Stubs the fan-out's fetch: records each POST and answers with `status(body)`. */
function stubFetch(status: (body: string) => number) {
  const posts: { headers: Record<string, string>; body: string }[] = [];
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const body = await request.text();
    posts.push({ headers: Object.fromEntries(request.headers), body });
    return new Response(null, { status: status(body) });
  });
  return posts;
}

/** The Worker's JSON log lines, captured rather than printed. */
const logged = captureLogLines();

/** Runs the Worker's queue() on a test batch; the plugin's result plus each retry's delay. */
const consume = (
  workerEnv: Record<string, unknown>,
  bodies: { body: unknown; attempts?: number }[],
) =>
  consumeBatch(
    'mailhooks-events-test',
    workerEnv,
    bodies.map((m, i) => ({ id: `m${i}`, attempts: m.attempts ?? 1, body: m.body })),
  );

describe('the Worker with a queue', () => {
  test('a request only enqueues: one text message of wire JSON per event, through the binding', async () => {
    const posts = stubFetch(() => 200);
    const { env: workerEnv, queue } = queueEnv();
    const response = await worker.fetch(snsRequest(send, 'sns-send-1'), workerEnv);
    expect(response.status).toBe(200);
    expect(posts).toEqual([]);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]?.contentType).toBe('text');
    expect(decodeTrackingEvent(queue.sent[0]?.body as string)).toMatchObject({
      eventType: 'sent',
      eventId: 'sns-send-1',
      recipient: 'recipient@example.com',
      rawEvent: send,
    });
  });

  test('an oversized rawEvent is enqueued trimmed and flagged, within the real 128 KB limit', async () => {
    stubFetch(() => 200);
    const { env: workerEnv, queue } = queueEnv();
    const big = structuredClone(send) as { mail: { headers: { name: string; value: string }[] } };
    big.mail.headers.push({ name: 'X-Padding', value: 'p'.repeat(150_000) });
    const response = await worker.fetch(snsRequest(big, 'sns-send-big'), workerEnv);
    expect(response.status).toBe(200);
    const decoded = decodeTrackingEvent(queue.sent[0]?.body as string);
    expect(decoded.rawEventTrimmed).toBe(true);
    expect(decoded.rawEvent).toEqual({});
    expect(decoded.eventId).toBe('sns-send-big');
  });

  test('answers 503 when the queue refuses, so SNS retries', async () => {
    const { env: workerEnv } = queueEnv({
      sent: [],
      sendBatch: () => Promise.reject(new Error('queue unavailable')),
    });
    const response = await worker.fetch(snsRequest(send, 'sns-send-2'), workerEnv);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ ok: false, error: 'sink-failed' });
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', sink: 'queue', error: 'Error: queue unavailable' }),
    );
  });

  test('the consumer acks what the endpoint took and retries the rest with a growing delay', async () => {
    const posts = stubFetch((body) => (body.includes('down@example.com') ? 500 : 204));
    const { env: workerEnv } = queueEnv();
    const result = await consume(workerEnv, [
      { body: encodeTrackingEvent(sampleContext()) },
      { body: encodeTrackingEvent(sampleContext({ recipient: 'down@example.com' })), attempts: 3 },
    ]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect(result.retryMessages).toEqual([{ msgId: 'm1' }]);
    expect(result.delays).toEqual({ m1: 40 });
    expect(posts).toHaveLength(2);
    const payload = new Webhook(SECRET).verify(posts[0]?.body ?? '', posts[0]?.headers ?? {});
    expect(payload).toMatchObject({
      type: 'email.bounced',
      data: { recipient: 'zoë@example.com' },
    });
  });

  test('a message a producer of your own sent as bytes (contentType bytes) is read as UTF-8 wire JSON', async () => {
    const posts = stubFetch(() => 204);
    const { env: workerEnv } = queueEnv();
    const bytes = new TextEncoder().encode(encodeTrackingEvent(sampleContext()));
    const result = await consume(workerEnv, [{ body: bytes.buffer }]);
    expect(result.explicitAcks).toEqual(['m0']);
    expect(result.retryMessages).toEqual([]);
    expect(posts).toHaveLength(1);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  test('the consumer acks a message that no longer decodes instead of retrying it towards the dead-letter queue', async () => {
    const posts = stubFetch(() => 204);
    const { env: workerEnv } = queueEnv();
    const wire = JSON.parse(encodeTrackingEvent(sampleContext()));
    const result = await consume(workerEnv, [
      { body: 'not a tracking event' },
      { body: JSON.stringify({ ...wire, timestamp: '+010000-01-01T00:00:00.000Z' }), attempts: 3 },
    ]);
    expect(result.explicitAcks).toEqual(['m0', 'm1']);
    expect(result.retryMessages).toEqual([]);
    expect(posts).toEqual([]);
    expect(logged.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ queueMessageId: 'm0', error: expect.stringMatching(/not JSON/) }),
      expect.objectContaining({
        queueMessageId: 'm1',
        eventId: 'sns-message-1',
        error: expect.stringMatching(/"timestamp" is invalid/),
      }),
    ]);
  });

  test('queue listed without its binding: 503 misconfigured, so SNS retries; the log line names MAIL_WEBHOOK_SINKS', async () => {
    const { env: workerEnv } = queueEnv();
    const broken = { ...workerEnv, MAIL_WEBHOOK_QUEUE: undefined };
    const response = await worker.fetch(snsRequest(send, 'sns-send-3'), broken);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('misconfigured');
    // The public body names no setting; the log line does.
    expect(body.message).not.toContain('MAIL_WEBHOOK');
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', setting: 'MAIL_WEBHOOK_SINKS' }),
    );
  });
});

describe('a queue binding MAIL_WEBHOOK_SINKS does not list', () => {
  const unlistedLines = () => logged.filter((line) => line.sink !== undefined);

  test('is warned about once per isolate, naming both variables; events go to the sinks listed, not the queue', async () => {
    const queue = recordingQueue();
    const workerEnv = {
      ...env,
      MAIL_WEBHOOK_SINKS: 'memory',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_QUEUE: queue,
    };
    for (const id of ['sns-unlisted-1', 'sns-unlisted-2']) {
      expect((await worker.fetch(snsRequest(send, id), workerEnv)).status).toBe(200);
    }
    expect(queue.sent).toEqual([]);
    expect(logged.filter((line) => line.msg === 'event')).toHaveLength(2);
    expect(unlistedLines()).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: 'variable MAIL_WEBHOOK_QUEUE is set, but MAIL_WEBHOOK_SINKS does not list queue',
        variable: 'MAIL_WEBHOOK_QUEUE',
        sink: 'queue',
      }),
    ]);
  });

  test('a Worker whose queue is listed and bound logs no such line', async () => {
    stubFetch(() => 200);
    const { env: workerEnv } = queueEnv();
    expect((await worker.fetch(snsRequest(send, 'sns-listed-1'), workerEnv)).status).toBe(200);
    expect(unlistedLines()).toEqual([]);
  });
});
