/** Reads a request body once, as UTF-8 text, and stops reading as soon as it passes the limit. */
import { badRequest, HttpError } from './errors.js';

const _tooLarge = (limit: number): HttpError =>
  new HttpError(413, 'body-too-large', `request body is larger than ${limit} bytes`);

/**
 * Returns the body as text, or a 413 once more than `limit` bytes arrived (the rest is never
 * buffered), or a 400 for a body that is not UTF-8.
 */
export async function readBodyLimited(
  request: Request,
  limit: number,
): Promise<string | HttpError> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return _tooLarge(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch {
      return badRequest('body-unreadable', 'request body could not be read');
    }
    if (next.done) break;
    size += next.value.byteLength;
    if (size > limit) {
      // Cancelling tells the runtime to stop receiving; the client sees the 413 straight away.
      reader.cancel().catch(() => {});
      return _tooLarge(limit);
    }
    chunks.push(next.value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return badRequest('body-not-utf8', 'request body is not valid UTF-8');
  }
}
