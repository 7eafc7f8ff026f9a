/** Reads a request body once, as bytes, stopping at the size limit and at the time limit. */
import { badRequest, HttpError } from './errors.js';
import type { BodyReader } from './runtime-hooks.js';
import { soonOrRace } from './soon-or-race.js';

// Public messages name the rule, not the configured limit: that goes to the refusal's log line.
export const bodyTooLarge = (limit: number): HttpError =>
  new HttpError(
    413,
    'body-too-large',
    'request body is larger than maxBodyBytes allows',
    {},
    { maxBodyBytes: limit },
  );

/** The 408 of a body past `bodyTimeoutMs`, with `headers` (who closes the connection varies). */
const _tooSlow =
  (headers: Readonly<Record<string, string>>) =>
  (timeoutMs: number): HttpError =>
    new HttpError(
      408,
      'body-timeout',
      'request body did not arrive within bodyTimeoutMs',
      headers,
      { bodyTimeoutMs: timeoutMs },
    );

export const bodyTooSlow = _tooSlow({ connection: 'close' });

const _TIMEOUT = Symbol();

const _unreadable = (): HttpError =>
  badRequest('body-unreadable', 'request body could not be read');

/**
 * A deadline `timeoutMs` from now: `[next, clear]`. `next()` gives a promise of `_TIMEOUT` that
 * settles then, a fresh one per call, so racing one per read piles nothing on a promise that
 * outlives the read; `clear()` stops the timer.
 */
function _deadline(timeoutMs: number): [() => Promise<typeof _TIMEOUT>, () => void] {
  let passed = false;
  let wake: ((value: typeof _TIMEOUT) => void) | undefined;
  const timer = setTimeout(() => {
    passed = true;
    wake?.(_TIMEOUT);
  }, timeoutMs);
  const next = () =>
    new Promise<typeof _TIMEOUT>((resolve) => {
      wake = resolve;
      if (passed) resolve(_TIMEOUT);
    });
  return [next, () => clearTimeout(timer)];
}

/**
 * A body gathered chunk by chunk into one buffer of at most `limit` bytes: a chunk is copied,
 * never kept, so a body sent in 1-byte chunks costs its bytes, not an object per chunk (kept,
 * 16,384 of Deno's held +400 MB; a million of Node's, +389 MB). A body that comes in one chunk
 * is that chunk, uncopied. `add` is false (and adds nothing) once the body would pass `limit`.
 */
export function gatherBody(limit: number): {
  add(chunk: Uint8Array): boolean;
  bytes(): Uint8Array;
} {
  let first: Uint8Array | undefined;
  let buffer: Uint8Array | undefined;
  let size = 0;
  return {
    add(chunk) {
      const end = size + chunk.byteLength;
      if (end > limit) return false;
      if (!size) first = chunk;
      else {
        if (!buffer || end > buffer.byteLength) {
          const grown = new Uint8Array(Math.min(limit, Math.max(end, size * 2, 16_384)));
          grown.set(buffer ? buffer.subarray(0, size) : (first as Uint8Array));
          buffer = grown;
          first = undefined;
        }
        buffer.set(chunk, size);
      }
      size = end;
      return true;
    },
    bytes: () => (buffer ? buffer.subarray(0, size) : (first ?? new Uint8Array(0))),
  };
}

/**
 * Returns the body's bytes, or a 413 once more than `limit` bytes arrived (the rest is never
 * buffered), or a 408 when it is not whole within `timeoutMs`: a slow client holds neither the
 * request nor its buffer for ever. `read`, a runtime's own reader, is tried first. A body is
 * never inflated: one with a `Content-Encoding` other than `identity` is refused 415 unread.
 * Not async: a runtime's read is handed back as it is, not wrapped in one more promise, and a
 * refusal made before the read is the value itself (the handler awaits either).
 */
export function readBodyLimited(
  request: Request,
  limit: number,
  timeoutMs = 30_000,
  read?: BodyReader,
): Uint8Array | HttpError | Promise<Uint8Array | HttpError> {
  // Its compressed bytes would fail as a signature or as text, naming neither; inflating them
  // would let a small request become a large body (a compression bomb).
  const coding = request.headers.get('content-encoding');
  if (coding && !/^identity$/i.test(coding)) {
    return new HttpError(
      415,
      'unsupported-encoding',
      `Content-Encoding ${coding} is not supported`,
    );
  }
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) return bodyTooLarge(limit);
  const native = read?.(request, limit, timeoutMs);
  if (native) return native;
  if (!request.body) return new Uint8Array(0);
  return _readStream(request.body, limit, timeoutMs);
}

/**
 * A `BodyReader` for servers whose HTTP parser holds a body to its Content-Length (Bun, workerd):
 * with a length declared and no chunked framing beside it, the runtime's own whole-body read,
 * several times cheaper than a web stream there. Deno takes `readDeclaredLengthDeno`, the packaged
 * Bun server `readDeclaredLengthShared`.
 */
export const readDeclaredLength: BodyReader = (request, limit, timeoutMs) =>
  _isDeclared(request) ? _readDeclared(request, limit, timeoutMs, bodyTooSlow) : undefined;

/**
 * `readDeclaredLength` whose reads share one timer per `timeoutMs` (`_Deadlines`) instead of
 * setting and clearing one each: for a server process, never for workerd, where a timer and the
 * promises it settles belong to the request that made them. Bun's `arrayBuffer()` settles in a
 * later task even for a body it already holds, so every read there would otherwise set a timer
 * (1.5 of Bun's 13.6 µs a request in process).
 */
export const readDeclaredLengthShared: BodyReader = (request, limit, timeoutMs) =>
  _isDeclared(request) ? _readDeclaredShared(request, limit, timeoutMs) : undefined;

/**
 * `readDeclaredLength` for Deno, whose server itself adds `connection: close` to an answer sent
 * while the body is still being read: its 408 leaves that header to Deno, so it is sent once.
 * Only for a small declared length: Deno's `arrayBuffer()` sets aside the whole declared length
 * at once (a client declaring 1 MB and sending 1 byte held 2 MB), so a larger body is streamed.
 */
export const readDeclaredLengthDeno: BodyReader = (request, limit, timeoutMs) =>
  _isDeclared(request, _DENO_WHOLE_BYTES)
    ? _readDeclared(request, limit, timeoutMs, _slowClosedByServer, _DENO_TICKS)
    : undefined;

const _DENO_WHOLE_BYTES = 65_536;

// Pure: only the Deno reader uses it, so other bundles leave it out.
const _slowClosedByServer = /* @__PURE__ */ _tooSlow({});

// Deno takes a body already whole in one op: its arrayBuffer() settles within 2 to 4 microtasks
// (measured under autocannon), so a complete body is read without a timer. Bun's settles in a
// later task, so Bun starts its timer at once.
const _DENO_TICKS = 6;

/** A Content-Length (of at most `max` bytes) and no chunked framing beside it. */
function _isDeclared(request: Request, max = Infinity): boolean {
  const length = request.headers.get('content-length');
  return (
    length !== null &&
    /^\d+$/.test(length) &&
    Number(length) <= max &&
    !request.headers.has('transfer-encoding')
  );
}

async function _readDeclared(
  request: Request,
  limit: number,
  timeoutMs: number,
  tooSlow: (timeoutMs: number) => HttpError,
  ticks = 0,
): Promise<Uint8Array | HttpError> {
  let deadline: ReturnType<typeof _deadline> | undefined;
  let buffer: ArrayBuffer | typeof _TIMEOUT;
  try {
    // The body timer only for a body still arriving after `ticks` microtasks. Past it, the read
    // goes on, unawaited; the 408 closes the connection under it.
    buffer = await soonOrRace(
      request.arrayBuffer(),
      () => {
        deadline = _deadline(timeoutMs);
        return deadline[0]();
      },
      ticks,
    );
  } catch {
    return _unreadable();
  } finally {
    deadline?.[1]();
  }
  return _readOutcome(buffer, limit, timeoutMs, tooSlow);
}

function _readOutcome(
  buffer: ArrayBuffer | typeof _TIMEOUT,
  limit: number,
  timeoutMs: number,
  tooSlow: (timeoutMs: number) => HttpError,
): Uint8Array | HttpError {
  if (buffer === _TIMEOUT) return tooSlow(timeoutMs);
  return buffer.byteLength > limit ? bodyTooLarge(limit) : new Uint8Array(buffer);
}

async function _readDeclaredShared(
  request: Request,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array | HttpError> {
  const deadlines = _deadlinesOf(timeoutMs);
  let waiting: _Waiting | undefined;
  let buffer: ArrayBuffer | typeof _TIMEOUT;
  try {
    // Past the deadline the read goes on, unawaited; the 408 closes the connection under it.
    buffer = await new Promise<ArrayBuffer | typeof _TIMEOUT>((resolve, reject) => {
      waiting = deadlines.add(resolve);
      request.arrayBuffer().then(resolve, reject);
    });
  } catch {
    return _unreadable();
  } finally {
    if (waiting) deadlines.remove(waiting);
  }
  return _readOutcome(buffer, limit, timeoutMs, bodyTooSlow);
}

interface _Waiting {
  readonly due: number;
  wake: ((timedOut: typeof _TIMEOUT) => void) | undefined;
  prev: _Waiting | undefined;
  next: _Waiting | undefined;
}

/**
 * Reads waiting on one timeout, oldest (so soonest due) first, in a linked list: adding and
 * removing are O(1), and one timer is set for the oldest. When it fires it wakes every read due
 * and is set again for the oldest left; reads done in time only leave the list, so a steady flow
 * of quick reads fires it about once per `timeoutMs`. The monotonic clock (`performance.now`)
 * keeps a change of the wall clock from ending reads early. The timer is unref'd where the
 * runtime can: a pending read's connection keeps the process alive, the timer should not.
 */
class _Deadlines {
  private _oldest: _Waiting | undefined;
  private _newest: _Waiting | undefined;
  private _timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly _timeoutMs: number) {}

  add(wake: (timedOut: typeof _TIMEOUT) => void): _Waiting {
    const waiting: _Waiting = {
      due: performance.now() + this._timeoutMs,
      wake,
      prev: this._newest,
      next: undefined,
    };
    if (this._newest) this._newest.next = waiting;
    else this._oldest = waiting;
    this._newest = waiting;
    if (this._timer === undefined) this._arm(this._timeoutMs);
    return waiting;
  }

  remove(waiting: _Waiting): void {
    if (!waiting.wake) return;
    waiting.wake = undefined;
    if (waiting.prev) waiting.prev.next = waiting.next;
    else this._oldest = waiting.next;
    if (waiting.next) waiting.next.prev = waiting.prev;
    else this._newest = waiting.prev;
  }

  private _arm(ms: number): void {
    const timer = setTimeout(() => this._fire(), ms);
    (timer as { unref?: () => void }).unref?.();
    this._timer = timer;
  }

  private _fire(): void {
    this._timer = undefined;
    const now = performance.now();
    for (let first = this._oldest; first && first.due <= now; first = this._oldest) {
      const wake = first.wake;
      this.remove(first);
      wake?.(_TIMEOUT);
    }
    if (this._oldest) this._arm(this._oldest.due - now);
  }
}

// One list per timeout: a process runs one or a few handlers, so this holds a few entries.
const _deadlines = new Map<number, _Deadlines>();

function _deadlinesOf(timeoutMs: number): _Deadlines {
  let deadlines = _deadlines.get(timeoutMs);
  if (!deadlines) {
    deadlines = new _Deadlines(timeoutMs);
    _deadlines.set(timeoutMs, deadlines);
  }
  return deadlines;
}

// A body already in memory (a Request made in process, a runtime that buffered it) gives each
// chunk within a few microtasks: no timer is set for it. The 408 clock starts at the first read
// still pending after them, a few microseconds late at most.
const _STREAM_TICKS = 4;

async function _readStream(
  body: ReadableStream<Uint8Array>,
  limit: number,
  timeoutMs: number,
): Promise<Uint8Array | HttpError> {
  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    // A body already read or locked (by middleware before the handler): unreadable, not a 500.
    reader = body.getReader();
  } catch {
    return _unreadable();
  }
  const gathered = gatherBody(limit);
  let deadline: ReturnType<typeof _deadline> | undefined;
  const stop = (refusal: HttpError): HttpError => {
    // Cancelling tells the runtime to stop receiving; the client sees the answer straight away.
    reader.cancel().catch(() => {});
    return refusal;
  };
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array> | typeof _TIMEOUT;
      try {
        next = await soonOrRace(
          reader.read(),
          () => {
            deadline ??= _deadline(timeoutMs);
            return deadline[0]();
          },
          _STREAM_TICKS,
        );
      } catch {
        return _unreadable();
      }
      if (next === _TIMEOUT) return stop(bodyTooSlow(timeoutMs));
      if (next.done) break;
      if (!gathered.add(next.value)) return stop(bodyTooLarge(limit));
    }
  } finally {
    deadline?.[1]();
  }
  return gathered.bytes();
}
