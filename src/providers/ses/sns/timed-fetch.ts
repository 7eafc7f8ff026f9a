/** A GET through the injected fetch that gives up after a deadline, body included. */
import { describeThrown } from '../../../errors.js';

export type FetchResult =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly problem: string };

const TIMED_OUT = Symbol('timed out');

/**
 * GETs `url` and reads the body as text; never throws.
 * A network error or passing `timeoutMs` gives `{ ok: false }` naming what happened.
 */
export async function timedGet(
  fetchFn: typeof fetch,
  url: string,
  timeoutMs: number,
): Promise<FetchResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Racing as well as aborting: an injected fetch may ignore the signal. Redirects are not
  // followed: SNS serves certificates and confirmations itself, never from another host.
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(TIMED_OUT);
    }, timeoutMs);
  });
  try {
    const response = await Promise.race([
      fetchFn(url, { signal: controller.signal, redirect: 'manual' }),
      deadline,
    ]);
    if (response === TIMED_OUT) return { ok: false, problem: `no answer within ${timeoutMs} ms` };
    const body = await Promise.race([response.text(), deadline]);
    if (body === TIMED_OUT) return { ok: false, problem: `body not read within ${timeoutMs} ms` };
    return { ok: true, status: response.status, body };
  } catch (thrown) {
    return { ok: false, problem: describeThrown(thrown) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
