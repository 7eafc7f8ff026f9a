/** Reads a request body once, as bytes, stopping at the size limit and at the time limit. */
import { badRequest, HttpError } from './errors.js';

const _tooLarge = (limit: number): HttpError =>
  new HttpError(413, 'body-too-large', `request body is larger than ${limit} bytes`);

const _tooSlow = (timeoutMs: number): HttpError =>
  new HttpError(408, 'body-timeout', `request body did not arrive within ${timeoutMs} ms`, {
    connection: 'close',
  });

const _TIMEOUT = Symbol('timeout');

/**
 * Returns the body's bytes, or a 413 once more than `limit` bytes arrived (the rest is never
 * buffered), or a 408 when it is not whole within `timeoutMs`: a slow client holds neither the
 * request nor its buffer for ever.
 */
export async function readBodyLimited(
  request: Request,
  limit: number,
  timeoutMs = 30_000,
): Promise<Uint8Array | HttpError> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return _tooLarge(limit);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof _TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(_TIMEOUT), timeoutMs);
  });
  const stop = (refusal: HttpError): HttpError => {
    // Cancelling tells the runtime to stop receiving; the client sees the answer straight away.
    reader.cancel().catch(() => {});
    return refusal;
  };
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array> | typeof _TIMEOUT;
      try {
        next = await Promise.race([reader.read(), deadline]);
      } catch {
        return badRequest('body-unreadable', 'request body could not be read');
      }
      if (next === _TIMEOUT) return stop(_tooSlow(timeoutMs));
      if (next.done) break;
      size += next.value.byteLength;
      if (size > limit) return stop(_tooLarge(limit));
      chunks.push(next.value);
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
