/** A GET through the injected fetch that gives up after a deadline, body included, and past a size. */
import { describeThrown, type FetchFn } from '../../../errors.js';

export type FetchResult =
  | { readonly ok: true; readonly status: number; readonly body: string }
  | { readonly ok: false; readonly problem: string; readonly tooLarge?: boolean };

const TIMED_OUT = Symbol();
const TOO_LARGE = Symbol();

/**
 * The body as text, read chunk by chunk: `TOO_LARGE` (and the stream cancelled) as soon as more
 * than `maxBytes` arrived, so what a server sends is never buffered past the limit.
 */
async function _readCapped(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  maxBytes: number,
): Promise<string | typeof TOO_LARGE> {
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > maxBytes) return TOO_LARGE;
    text += decoder.decode(value, { stream: true });
  }
}

/**
 * GETs `url` and reads the body as text; never throws.
 * A network error or passing `timeoutMs` gives `{ ok: false }` naming what happened; a body over
 * `maxBytes` (64 KiB unless given: a subscription confirmation's answer is a few hundred bytes)
 * gives `{ ok: false, tooLarge: true }`, read no further.
 */
export async function timedGet(
  fetchFn: FetchFn,
  url: string,
  timeoutMs: number,
  maxBytes = 65_536,
): Promise<FetchResult> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
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
    let reading: Promise<string | typeof TOO_LARGE>;
    if (!response.body) {
      reading = response.text();
    } else {
      reader = response.body.getReader();
      reading = _readCapped(reader, maxBytes);
    }
    const body = await Promise.race([reading, deadline]);
    if (body === TIMED_OUT) return { ok: false, problem: `body not read within ${timeoutMs} ms` };
    if (body === TOO_LARGE) {
      return { ok: false, problem: `body larger than ${maxBytes} bytes`, tooLarge: true };
    }
    return { ok: true, status: response.status, body };
  } catch (thrown) {
    return { ok: false, problem: describeThrown(thrown) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    // Stops a body still arriving (too large, or past the deadline): nothing reads it any more.
    reader?.cancel().catch(() => {});
  }
}
