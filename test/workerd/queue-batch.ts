/** Queue consumer tests inside workerd: the Worker's JSON log captured, and its queue() run on a test batch. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { afterEach, beforeEach, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare';

/** The Worker's JSON log lines, captured rather than printed; emptied before each test. */
export function captureLogLines(): Record<string, unknown>[] {
  const logged: Record<string, unknown>[] = [];
  beforeEach(() => {
    logged.length = 0;
    for (const method of ['debug', 'log', 'warn', 'error'] as const) {
      vi.spyOn(console, method).mockImplementation((line: unknown) => {
        logged.push(JSON.parse(String(line)));
      });
    }
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return logged;
}

/** Runs the Worker's queue() on a test batch from `queue`; the plugin's result plus each retry's delay. */
export async function consumeBatch(
  queue: string,
  workerEnv: Record<string, unknown>,
  messages: { id: string; attempts: number; body: unknown }[],
) {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date() })),
  );
  // getQueueResult records that a message was retried, not its delay: spy for that.
  const delays: Record<string, number | undefined> = {};
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, 'retry').mockImplementation((options) => {
      delays[message.id] = options?.delaySeconds;
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await worker.queue(batch, workerEnv);
  return { ...(await getQueueResult(batch, ctx)), delays };
}
