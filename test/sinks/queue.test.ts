import { describe, expect, test } from 'vitest';
import { ConfigError, decodeTrackingEvent, encodeTrackingEvent } from '../../src/index.js';
import {
  createQueueSink,
  QUEUE_MAX_BATCH_BYTES,
  QUEUE_MAX_MESSAGE_BYTES,
  type QueueMessageRequest,
} from '../../src/sinks/queue.js';
import { sampleContext } from './samples.js';

function fakeQueue(fail?: Error) {
  const batches: QueueMessageRequest[][] = [];
  return {
    batches,
    async sendBatch(messages: Iterable<QueueMessageRequest>) {
      if (fail) throw fail;
      batches.push([...messages]);
    },
  };
}

/** An SES-like rawEvent that counts how often it is serialized. */
function countingRawEvent(extra: Record<string, unknown> = {}) {
  const counter = { serialized: 0 };
  const plain = { eventType: 'Bounce', mail: { messageId: 'ses-message-1' }, ...extra };
  const rawEvent = {
    ...plain,
    toJSON() {
      counter.serialized++;
      return plain;
    },
  };
  return { counter, rawEvent, plain };
}

const utf8 = (text: unknown) => new TextEncoder().encode(String(text)).byteLength;
const manyContexts = (count: number, rawEvent: Record<string, unknown> = {}) =>
  Array.from({ length: count }, (_, i) =>
    sampleContext({ recipient: `r${i}@example.com`, rawEvent }),
  );

describe('createQueueSink', () => {
  test('sends one text message of wire JSON per context, decodable back to the context', async () => {
    const queue = fakeQueue();
    const contexts = [sampleContext(), sampleContext({ recipient: 'b@example.com' })];
    await createQueueSink(queue).send(contexts);
    expect(queue.batches).toHaveLength(1);
    const messages = queue.batches[0] ?? [];
    expect(messages.map((m) => m.contentType)).toEqual(['text', 'text']);
    expect(messages.map((m) => decodeTrackingEvent(m.body as string))).toEqual(contexts);
  });

  test('sends nothing for no events', async () => {
    const queue = fakeQueue();
    await createQueueSink(queue).send([]);
    expect(queue.batches).toEqual([]);
  });

  test('splits 250 small messages into batches of at most 100', async () => {
    const queue = fakeQueue();
    await createQueueSink(queue).send(manyContexts(250));
    expect(queue.batches.map((b) => b.length)).toEqual([100, 100, 50]);
  });

  test('exactly 100 messages go in one sendBatch call; the 101st starts a second', async () => {
    for (const [count, sizes] of [
      [100, [100]],
      [101, [100, 1]],
      [200, [100, 100]],
    ] as const) {
      const queue = fakeQueue();
      await createQueueSink(queue).send(manyContexts(count));
      expect(queue.batches.map((b) => b.length)).toEqual(sizes);
    }
  });

  test('a batch of exactly 256,000 bytes (bodies plus 128 bytes each) is one call; one byte more splits it', async () => {
    // Four messages of 63,872 bytes: 4 × (63,872 + 128) = 256,000, the limit itself.
    const sized = (recipient: string, bytes: number) => {
      const base = utf8(encodeTrackingEvent(sampleContext({ recipient, rawEvent: { pad: '' } })));
      return sampleContext({ recipient, rawEvent: { pad: 'x'.repeat(bytes - base) } });
    };
    const four = ['a', 'b', 'c', 'd'].map((r) => sized(`${r}@example.com`, 63_872));
    const exact = fakeQueue();
    await createQueueSink(exact).send(four);
    expect(exact.batches.map((b) => b.map((m) => utf8(m.body)))).toEqual([
      [63_872, 63_872, 63_872, 63_872],
    ]);
    const over = fakeQueue();
    await createQueueSink(over).send([...four.slice(0, 3), sized('d@example.com', 63_873)]);
    expect(over.batches.map((b) => b.length)).toEqual([3, 1]);
    expect(
      over.batches.flat().map((m) => decodeTrackingEvent(m.body as string).rawEventTrimmed),
    ).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('splits batches before 256 KB, counting UTF-8 bytes and per-message metadata', async () => {
    const queue = fakeQueue();
    // 'é' is 2 bytes in UTF-8 but one UTF-16 unit: counting string length would fit twice as many.
    const contexts = manyContexts(12, { text: 'é'.repeat(25_000) });
    await createQueueSink(queue).send(contexts);
    for (const batch of queue.batches) {
      const bytes = batch.reduce((sum, m) => sum + utf8(m.body) + 128, 0);
      expect(bytes).toBeLessThanOrEqual(QUEUE_MAX_BATCH_BYTES);
    }
    expect(queue.batches.map((b) => b.length)).toEqual([5, 5, 2]);
    expect(queue.batches.flat().map((m) => decodeTrackingEvent(m.body as string))).toEqual(
      contexts,
    );
  });

  test('trims an oversized rawEvent to {} and flags it, keeping every other field', async () => {
    const queue = fakeQueue();
    const big = sampleContext({ rawEvent: { headers: 'x'.repeat(200_000) } });
    const small = sampleContext({ recipient: 'small@example.com' });
    await createQueueSink(queue).send([big, small]);
    const [trimmed, untouched] = (queue.batches.flat() ?? []).map((m) => m.body as string);
    expect(utf8(trimmed)).toBeLessThan(QUEUE_MAX_MESSAGE_BYTES);
    const decoded = decodeTrackingEvent(trimmed as string);
    expect(decoded).toEqual({ ...big, rawEvent: {}, rawEventTrimmed: true });
    expect(decodeTrackingEvent(untouched as string)).toEqual(small);
  });

  test('an event still too large without its rawEvent loses its tags and metadata too, and the request’s other events go', async () => {
    const queue = fakeQueue();
    const huge = 'x'.repeat(150_000);
    const big = sampleContext({
      rawEvent: { headers: huge },
      tags: ['campaign:spring'],
      metadata: { 'x-custom': huge },
    });
    const small = sampleContext({ recipient: 'small@example.com' });
    await createQueueSink(queue).send([big, small]);
    const [trimmed, untouched] = queue.batches.flat().map((m) => m.body as string);
    expect(utf8(trimmed)).toBeLessThan(QUEUE_MAX_MESSAGE_BYTES);
    expect(decodeTrackingEvent(trimmed as string)).toEqual({
      ...big,
      rawEvent: {},
      rawEventTrimmed: true,
      tags: [],
      metadata: {},
    });
    expect(decodeTrackingEvent(untouched as string)).toEqual(small);
  });

  test('an event too large even without rawEvent, tags and metadata has its free text cut to 1,000 characters; a text of exactly 1,000 stays whole', async () => {
    const queue = fakeQueue();
    const long = (c: string) => c.repeat(100_000);
    const big = sampleContext({
      rawEvent: { headers: long('h') },
      metadata: { k: long('m') },
      description: long('d'),
      mtaResponse: long('r'),
      rejectReason: long('j'),
      clickUrl: `https://example.com/${long('u')}`,
      userAgent: 'a'.repeat(1_000),
    });
    const small = sampleContext({ recipient: 'small@example.com', description: 'kept whole' });
    await createQueueSink(queue).send([big, small]);
    const [cut, untouched] = queue.batches.flat().map((m) => m.body as string);
    expect(utf8(cut)).toBeLessThan(10_000);
    expect(decodeTrackingEvent(cut as string)).toEqual({
      ...big,
      rawEvent: {},
      rawEventTrimmed: true,
      tags: [],
      metadata: {},
      description: `${'d'.repeat(999)}…`,
      mtaResponse: `${'r'.repeat(999)}…`,
      rejectReason: `${'j'.repeat(999)}…`,
      clickUrl: `https://example.com/${'u'.repeat(979)}…`,
      userAgent: 'a'.repeat(1_000),
    });
    expect(decodeTrackingEvent(untouched as string)).toEqual(small);
  });

  test('a cut never splits a character: an emoji at the cut goes whole, no lone surrogate is sent', async () => {
    const queue = fakeQueue();
    const big = sampleContext({
      rawEvent: {},
      description: `${'d'.repeat(998)}😀${'d'.repeat(200_000)}`,
    });
    await createQueueSink(queue).send([big]);
    const body = queue.batches[0]?.[0]?.body as string;
    expect(body).not.toMatch(/\\ud83d/i);
    expect(decodeTrackingEvent(body).description).toBe(`${'d'.repeat(998)}…`);
  });

  test('an event whose ids alone are over the limit fails the send, naming it', async () => {
    const queue = fakeQueue();
    const big = sampleContext({ messageId: 'x'.repeat(200_000) });
    await expect(createQueueSink(queue).send([big])).rejects.toThrow(
      /with only its ids, recipient and cut text, over the \d+-byte message limit/,
    );
  });

  test('an event that fits only with every trim, to the byte, is sent; one byte less allowed fails the send', async () => {
    const big = sampleContext({
      messageId: 'x'.repeat(2_000),
      rawEvent: { pad: 'y'.repeat(5_000) },
      description: 'd'.repeat(5_000),
    });
    const fullyTrimmed = encodeTrackingEvent({
      ...big,
      rawEvent: {},
      rawEventTrimmed: true,
      tags: [],
      metadata: {},
      description: `${'d'.repeat(999)}…`,
    });
    const limit = utf8(fullyTrimmed);
    const queue = fakeQueue();
    await createQueueSink(queue, { maxMessageBytes: limit }).send([big]);
    expect(queue.batches.flat().map((m) => m.body)).toEqual([fullyTrimmed]);
    await expect(
      createQueueSink(fakeQueue(), { maxMessageBytes: limit - 1 }).send([big]),
    ).rejects.toThrow(`is ${limit} bytes with only its ids`);
  });

  test('by default a message of 127,872 bytes (128 KB less its 128 bytes of metadata) goes whole; one byte more is trimmed', async () => {
    const sized = (bytes: number) => {
      const base = utf8(encodeTrackingEvent(sampleContext({ rawEvent: { pad: '' } })));
      return sampleContext({ rawEvent: { pad: 'x'.repeat(bytes - base) } });
    };
    const queue = fakeQueue();
    await createQueueSink(queue).send([sized(127_872), sized(127_873)]);
    const bodies = queue.batches.flat().map((m) => m.body as string);
    expect(bodies.map((body) => decodeTrackingEvent(body).rawEventTrimmed)).toEqual([
      undefined,
      true,
    ]);
    expect(utf8(bodies[0])).toBe(127_872);
  });

  test('keeps a rawEvent that just fits the message limit', async () => {
    const queue = fakeQueue();
    const base = utf8(JSON.stringify({ ...sampleContext(), rawEvent: { x: '' } }));
    const context = sampleContext({ rawEvent: { x: 'y'.repeat(1_000 - base) } });
    await createQueueSink(queue, { maxMessageBytes: 1_000 }).send([context]);
    const body = queue.batches[0]?.[0]?.body as string;
    expect(utf8(body)).toBe(1_000);
    expect(decodeTrackingEvent(body).rawEventTrimmed).toBeUndefined();
  });

  test('20,000 recipients of one message: rawEvent serialized once, every message decodes to its recipient', async () => {
    const queue = fakeQueue();
    const { counter, rawEvent, plain } = countingRawEvent();
    await createQueueSink(queue).send(manyContexts(20_000, rawEvent));
    expect(counter.serialized).toBe(1);
    const messages = queue.batches.flat();
    expect(messages).toHaveLength(20_000);
    expect(Math.max(...queue.batches.map((b) => b.length))).toBeLessThanOrEqual(100);
    const last = decodeTrackingEvent(messages[19_999]?.body as string);
    expect(last).toMatchObject({ recipient: 'r19999@example.com', rawEvent: plain });
    expect(last.rawEventTrimmed).toBeUndefined();
  });

  test('an oversized rawEvent shared by many recipients is serialized once and trimmed for each', async () => {
    const queue = fakeQueue();
    const { counter, rawEvent } = countingRawEvent({ headers: 'x'.repeat(200_000) });
    await createQueueSink(queue).send(manyContexts(2_000, rawEvent));
    expect(counter.serialized).toBe(1);
    const decoded = queue.batches.flat().map((m) => decodeTrackingEvent(m.body as string));
    expect(decoded).toHaveLength(2_000);
    expect(
      decoded.every((c) => c.rawEventTrimmed === true && Object.keys(c.rawEvent).length === 0),
    ).toBe(true);
  });

  test('rejectCategory and permanent travel with each message', async () => {
    const queue = fakeQueue();
    const contexts = [
      sampleContext({ rejectCategory: 'spam', permanent: null, eventType: 'complained' }),
      sampleContext({ rejectCategory: 'bounced', permanent: false }),
      sampleContext({ rejectCategory: null, permanent: null, eventType: 'delivered' }),
    ];
    await createQueueSink(queue).send(contexts);
    expect(queue.batches.flat().map((m) => decodeTrackingEvent(m.body as string))).toEqual(
      contexts,
    );
  });

  test('sends no further batch once the delivery deadline has passed', async () => {
    const queue = fakeQueue();
    const controller = new AbortController();
    controller.abort();
    const sink = createQueueSink(queue);
    await expect(sink.send(manyContexts(3), { signal: controller.signal })).rejects.toThrow();
    expect(queue.batches).toEqual([]);
  });

  // 101: the deadline passes while the last event's full batch goes; 250: with events still to add.
  test.each([101, 250])(
    'a deadline passing during the first sendBatch of %i events: that batch only, and the send rejects with its reason',
    async (count) => {
      const controller = new AbortController();
      const batches: number[] = [];
      const queue = {
        async sendBatch(messages: Iterable<QueueMessageRequest>) {
          batches.push([...messages].length);
          controller.abort(new Error('deadline passed'));
        },
      };
      await expect(
        createQueueSink(queue).send(manyContexts(count), { signal: controller.signal }),
      ).rejects.toThrow('deadline passed');
      expect(batches).toEqual([100]);
    },
  );

  test('rejects when the queue refuses, so the request answers 503', async () => {
    const sink = createQueueSink(fakeQueue(new Error('queue unavailable')));
    await expect(sink.send([sampleContext()])).rejects.toThrow('queue unavailable');
  });

  test("is named 'queue' in logs unless given a name", () => {
    expect(createQueueSink(fakeQueue()).name).toBe('queue');
    expect(createQueueSink(fakeQueue(), { name: 'events-eu' }).name).toBe('events-eu');
  });

  test('refuses something that is not a queue with a ConfigError, as every factory does', () => {
    expect(() => createQueueSink({} as never)).toThrow(/sendBatch/);
    // An unset binding (env.EVENTS misspelt) is the usual mistake.
    expect(() => createQueueSink(undefined as never)).toThrow(ConfigError);
    expect(() => createQueueSink(undefined as never)).toThrow(/^queue: /);
  });
});
