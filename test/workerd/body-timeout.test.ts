/** The Worker answers a stalled body 408 within MAIL_WEBHOOK_BODY_TIMEOUT_MS (closing is Cloudflare's). */
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import worker from '../../src/adapters/cloudflare.js';

beforeAll(() => {
  for (const level of ['log', 'debug', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation(() => {});
  }
});
afterAll(() => vi.restoreAllMocks());

/** A body that sends `first` and then nothing, ever. */
function stalled(first: string): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return new Promise<void>(() => {});
      sent = true;
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
}

test.each([
  ['with a Content-Length', { 'content-length': '1000' }],
  ['chunked, no length', {}],
])('a body that stalls %s: 408 body-timeout', async (_what, headers) => {
  const response = await worker.fetch(
    new Request('http://example.com/webhooks/mail/ses', {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'x-amz-sns-message-type': 'Notification',
        ...headers,
      },
      body: stalled('{"Type":'),
    }),
    { ...env, MAIL_WEBHOOK_BODY_TIMEOUT_MS: '300' },
  );
  expect(response.status).toBe(408);
  expect(((await response.json()) as { error: string }).error).toBe('body-timeout');
});
