/**
 * Linear work per message: the tags and metadata every recipient of one message shares (the SES
 * parser hands each context the same objects) are serialized once per send, as rawEvent is, not
 * once per recipient.
 */
import { describe, expect, test } from 'vitest';
import { decodeTrackingEvent } from '../../src/index.js';
import { createQueueSink, type QueueMessageRequest } from '../../src/sinks/queue.js';
import { sampleContext } from './samples.js';

/** Metadata whose every serialization is counted (JSON.stringify reads each getter once). */
function countingMetadata(size: number) {
  const counter = { serialized: 0 };
  const metadata = { user: '42' } as Record<string, string>;
  Object.defineProperty(metadata, 'note', {
    enumerable: true,
    get() {
      counter.serialized++;
      return 'n'.repeat(size);
    },
  });
  return { counter, metadata };
}

const recipients = (count: number, metadata: Record<string, string>, tags: string[]) =>
  Array.from({ length: count }, (_, i) =>
    sampleContext({ recipient: `r${i}@example.com`, metadata, tags }),
  );

describe('fields shared by the recipients of one message', () => {
  test('a queue send serializes shared metadata once, whether 10 or 2,000 recipients', async () => {
    const counts: number[] = [];
    for (const count of [10, 2_000]) {
      const batches: QueueMessageRequest[][] = [];
      const { counter, metadata } = countingMetadata(100);
      const sink = createQueueSink({ sendBatch: async (m) => void batches.push([...m]) });
      await sink.send(recipients(count, metadata, ['a', 'b:c']));
      counts.push(counter.serialized);
      const last = decodeTrackingEvent(batches.flat().at(-1)?.body as string);
      expect(last).toMatchObject({
        recipient: `r${count - 1}@example.com`,
        metadata: { user: '42', note: 'n'.repeat(100) },
        tags: ['a', 'b:c'],
      });
    }
    expect(counts).toEqual([1, 1]);
  });

  test('oversized shared metadata (300 KB) is serialized once and trimmed from each message', async () => {
    const batches: QueueMessageRequest[][] = [];
    const { counter, metadata } = countingMetadata(300_000);
    const sink = createQueueSink({ sendBatch: async (m) => void batches.push([...m]) });
    await sink.send(recipients(1_000, metadata, ['a']));
    expect(counter.serialized).toBe(1);
    const decoded = batches.flat().map((m) => decodeTrackingEvent(m.body as string));
    expect(decoded).toHaveLength(1_000);
    expect(decoded.every((c) => c.rawEventTrimmed && Object.keys(c.metadata).length === 0)).toBe(
      true,
    );
  });
});
