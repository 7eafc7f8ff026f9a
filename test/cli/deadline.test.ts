/** A server that takes the request and never answers: `send` and `trigger` give up after 30 s. */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { cli } from './harness';

const SECRET = `whsec_${btoa('cli-deadline-secret-of-32-bytes!')}`;

/** A fetch that answers only when its request is aborted, and says when it was called. */
function silentServer() {
  let called: () => void = () => {};
  const asked = new Promise<void>((resolve) => {
    called = resolve;
  });
  const fetch = (request: Request) =>
    new Promise<Response>((_, reject) => {
      called();
      request.signal.addEventListener('abort', () => reject(request.signal.reason));
    });
  return { fetch, asked };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('a server that never answers', () => {
  test.each([
    [
      ['send', 'ses', 'bounced', '--to', 'http://127.0.0.1:9/x'],
      'could not reach http://127.0.0.1:9/x: timed out after 30000 ms',
    ],
    [
      ['trigger', 'bounced', '--to', 'http://127.0.0.1:9/x', '--secret', SECRET],
      'could not reach http://127.0.0.1:9/x: timed out after 30000 ms after 1 attempt',
    ],
  ])(
    '%j: still waiting at 29.9 s, then exit 1 with one line saying how long it waited',
    async (argv, line) => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const server = silentServer();
      let settled = false;
      const run = cli(argv, server.fetch).finally(() => {
        settled = true;
      });
      await server.asked;
      await vi.advanceTimersByTimeAsync(29_900);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(100);
      const result = await run;
      expect(result.code).toBe(1);
      expect(result.err.split('\n')).toContain(line);
      expect(result.out).toBe('');
    },
  );
});
