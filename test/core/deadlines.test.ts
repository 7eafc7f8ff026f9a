/** Every wait is bounded, and a failure is an answer: 503 sink-timeout, 408 body-timeout, 500 last. */
import { describe, expect, test, vi } from 'vitest';
import {
  createMailWebhookHandler,
  defineProvider,
  type MailWebhookOptions,
  type Sink,
  ses,
} from '../../src/index.js';
import bounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { buildAllProviders } from '../fuzz/providers.js';
import { fiftyMegabytes } from '../helpers/counted-body.js';
import { envelope, memoryLogger, snsRequest, URL_SES } from '../helpers/envelope.js';

function setup(options: MailWebhookOptions = {}) {
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({
    providers: [ses({ verifySignature: false })],
    logger,
    ...options,
  });
  return { handle, lines };
}

const answer = async (response: Response) => ({
  status: response.status,
  body: (await response.json()) as Record<string, unknown>,
});

describe('delivery deadline', () => {
  test('a sink that never settles: 503 sink-timeout after deliveryTimeoutMs, logged', async () => {
    let signal: AbortSignal | undefined;
    const stuck: Sink = {
      name: 'stuck',
      send: (_events, options) => {
        signal = options?.signal;
        return new Promise<void>(() => {});
      },
    };
    const { handle, lines } = setup({ sinks: [stuck], deliveryTimeoutMs: 50 });
    const { status, body } = await answer(await handle(snsRequest(envelope(bounce))));
    expect({ status, error: body.error }).toEqual({ status: 503, error: 'sink-timeout' });
    // The answer names the rule, not the configured value (that is in the log line below).
    expect(body.message).toContain('deliveryTimeoutMs');
    expect(body.message).not.toContain('50');
    // The sink is told to give up (a fan-out stops its retries).
    expect(signal?.aborted).toBe(true);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors.some((l) => l.fields.deliveryTimeoutMs === 50)).toBe(true);
    expect(lines.filter((l) => l.msg === 'event')).toHaveLength(0);
  });

  test('sinks after a stuck one are not reached once the deadline passed', async () => {
    const reached: string[] = [];
    const stuck: Sink = { name: 'stuck', send: () => new Promise<void>(() => {}) };
    const after: Sink = { name: 'after', send: async () => void reached.push('after') };
    const { handle } = setup({ sinks: [stuck, after], deliveryTimeoutMs: 50 });
    expect((await handle(snsRequest(envelope(bounce)))).status).toBe(503);
    expect(reached).toEqual([]);
  });

  test('a sink that settles only after the deadline does not pass the events to the sinks after it', async () => {
    const reached: string[] = [];
    let settle = () => {};
    // Ignores the signal and settles later, when the 503 has already been answered.
    const late: Sink = {
      name: 'late',
      send: () =>
        new Promise<void>((resolve) => {
          settle = resolve;
        }),
    };
    const after: Sink = { name: 'after', send: async () => void reached.push('after') };
    const { handle } = setup({ sinks: [late, after], deliveryTimeoutMs: 50 });
    const { status, body } = await answer(await handle(snsRequest(envelope(bounce))));
    expect({ status, error: body.error }).toEqual({ status: 503, error: 'sink-timeout' });
    settle();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // SNS retries the whole delivery: a sink after the late one taking it now would see it twice.
    expect(reached).toEqual([]);
  });
});

describe('body deadline', () => {
  test('a body that never ends: 408 body-timeout with Connection: close, logged', async () => {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"Type":'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { handle, lines } = setup({ bodyTimeoutMs: 50 });
    const request = new Request(URL_SES, {
      method: 'POST',
      body: stalled,
      duplex: 'half',
    } as RequestInit);
    const response = await handle(request);
    expect(response.headers.get('connection')).toBe('close');
    const { status, body } = await answer(response);
    expect({ status, error: body.error }).toEqual({ status: 408, error: 'body-timeout' });
    expect(cancelled).toBe(true);
    expect(
      lines.some(
        (l) => l.level === 'warn' && l.fields.reason === 'body-timeout' && l.fields.status === 408,
      ),
    ).toBe(true);
  });
});

/** The bounce notification as a request whose body gives one chunk every `everyMs`, `count` in all. */
function trickled(everyMs: number, count: number): Request {
  const message = envelope(bounce);
  const bytes = new TextEncoder().encode(JSON.stringify(message));
  const size = Math.ceil(bytes.length / count);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, everyMs));
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
  const { headers } = snsRequest(message);
  return new Request(URL_SES, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

describe('body deadline across chunks', () => {
  test('a body trickling in, each chunk quick but the whole too slow: 408 (one clock for the body, not one per chunk)', async () => {
    const { handle } = setup({ bodyTimeoutMs: 120 });
    const { status, body } = await answer(await handle(trickled(30, 10)));
    expect({ status, error: body.error }).toEqual({ status: 408, error: 'body-timeout' });
  });

  test('a body arriving in slow chunks within the limit is read whole: 200', async () => {
    // Five 20 ms waits against 10 s: a loaded machine runs each late, never seconds late.
    const { handle } = setup({ bodyTimeoutMs: 10_000 });
    const { status, body } = await answer(await handle(trickled(20, 4)));
    expect({ status, body }).toEqual({ status: 200, body: { ok: true, events: 2 } });
  });

  test('a body that came in slow chunks leaves no body timer behind once answered, on each reader', async () => {
    const { readDeclaredLength } = await import('../../src/body.js');
    // 9,999 ms: the body clock's own timer, told apart from the delivery deadline's 10,000.
    const bodyTimers = new Set<unknown>();
    const setSpy = vi.spyOn(globalThis, 'setTimeout');
    const clearSpy = vi.spyOn(globalThis, 'clearTimeout');
    try {
      const { handle } = setup({ bodyTimeoutMs: 9_999 });
      const streamed = await handle(trickled(20, 4));
      const request = trickled(20, 4);
      const declared = new Request(request, {
        headers: {
          ...Object.fromEntries(request.headers),
          'content-length': String(Buffer.byteLength(JSON.stringify(envelope(bounce)))),
        },
      });
      const read = await readDeclaredLength(declared, 1_048_576, 9_999);
      expect([streamed.status, read instanceof Uint8Array]).toEqual([200, true]);
      setSpy.mock.calls.forEach(([, ms], i) => {
        if (ms === 9_999) bodyTimers.add(setSpy.mock.results[i]?.value);
      });
      // Both reads waited on the clock: one timer each, both cleared.
      expect(bodyTimers.size).toBe(2);
      const cleared = new Set(clearSpy.mock.calls.map(([timer]) => timer));
      expect([...bodyTimers].filter((timer) => !cleared.has(timer as never))).toEqual([]);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    }
  });

  test('a body already whole sets no timer', async () => {
    const { handle } = setup({ bodyTimeoutMs: 50 });
    const request = snsRequest(envelope(bounce));
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      expect((await handle(request)).status).toBe(200);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('500 is the last resort', () => {
  const throwing = defineProvider({
    name: 'broken',
    handle: () => {
      throw new Error('db password is hunter2');
    },
  });

  test('a provider that throws: 500 internal-error, logged naming it, the error text kept private', async () => {
    const { handle, lines } = setup({ providers: [throwing] });
    const response = await handle(
      new Request('http://localhost/webhooks/mail/broken', { method: 'POST', body: '{}' }),
    );
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toMatchObject({ ok: false, error: 'internal-error' });
    expect(text).not.toContain('hunter2');
    // One line: the refusal, carrying what was thrown.
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'request refused',
        fields: expect.objectContaining({
          esp: 'broken',
          status: 500,
          reason: 'internal-error',
          error: 'Error: db password is hunter2',
        }),
      }),
    ]);
  });

  test.each([
    ['undefined', undefined],
    ['events that are not a list', { events: 'many' }],
    ['a refusal with status 200', { status: 200, reason: 'x', message: 'x' }],
  ])('a provider that returns %s: 500, logged as its bug', async (_name, value) => {
    const odd = defineProvider({ name: 'odd', handle: () => value as never });
    const { handle, lines } = setup({ providers: [odd] });
    const response = await handle(
      new Request('http://localhost/webhooks/mail/odd', { method: 'POST', body: '{}' }),
    );
    expect(response.status).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', fields: { esp: 'odd', status: 500 } });
    expect(String(lines[0]?.fields.error)).toContain('this is a bug in it');
  });

  test('an authenticate that returns something odd: 500, body never read', async () => {
    const odd = defineProvider({
      name: 'odd',
      authenticate: () => 'nope' as never,
      handle: () => ({ events: [] }),
    });
    const { handle } = setup({ providers: [odd] });
    const response = await handle(
      new Request('http://localhost/webhooks/mail/odd', { method: 'POST', body: '{}' }),
    );
    expect(response.status).toBe(500);
  });

  const { providers } = buildAllProviders();
  const garbage: [string, BodyInit | null, Record<string, string>][] = [
    ['an empty body', null, {}],
    ['not JSON', 'this is not json', { 'content-type': 'application/json' }],
    ['JSON null', 'null', { 'content-type': 'application/json' }],
    ['an array of nulls', '[null,null]', { 'content-type': 'application/json' }],
    [
      'a constructor event type',
      '{"eventType":"constructor","type":"constructor","event":"toString"}',
      {},
    ],
    ['invalid UTF-8', new Uint8Array([0xff, 0xfe, 0x00]), {}],
    ['deep nesting', '['.repeat(10_000), {}],
    ['a form body', 'a=1&b=2&signature=x', { 'content-type': 'application/x-www-form-urlencoded' }],
  ];
  test.each(providers.map((p) => [p.name, p] as const))(
    'built-in %s never answers 500 to garbage',
    async (_name, provider) => {
      const { handle, lines } = setup({ providers: [provider] });
      for (const [what, body, headers] of garbage) {
        const response = await handle(
          new Request(`http://localhost/webhooks/mail/${provider.path}`, {
            method: 'POST',
            body,
            headers: { authorization: `Basic ${btoa('u:dummy-password')}`, ...headers },
          }),
        );
        expect([what, response.status]).not.toEqual([what, 500]);
        expect(response.status).toBeLessThan(500);
      }
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    },
  );
});

describe("Deno's whole-body read", () => {
  test('is used only for a small declared length; a larger one is streamed (Deno sets aside the declared length at once)', async () => {
    const { readDeclaredLengthDeno } = await import('../../src/body.js');
    const declared = (length: number) =>
      new Request('http://localhost/x', {
        method: 'POST',
        headers: { 'content-length': String(length) },
        body: 'x'.repeat(Math.min(length, 10)),
      });
    expect(readDeclaredLengthDeno(declared(10), 1_048_576, 1000)).toBeInstanceOf(Promise);
    expect(readDeclaredLengthDeno(declared(65_536), 1_048_576, 1000)).toBeInstanceOf(Promise);
    expect(readDeclaredLengthDeno(declared(65_537), 1_048_576, 1000)).toBeUndefined();
    expect(readDeclaredLengthDeno(declared(1_048_576), 1_048_576, 1000)).toBeUndefined();
  });
});

describe("the runtimes' whole-body reads (workerd, Bun, Deno)", () => {
  test.each(['readDeclaredLength', 'readDeclaredLengthShared', 'readDeclaredLengthDeno'] as const)(
    '%s takes a body of exactly the limit; a limit one byte less is 413',
    async (name) => {
      const body = await import('../../src/body.js');
      const text = JSON.stringify(envelope(bounce));
      const request = () =>
        new Request(URL_SES, {
          method: 'POST',
          headers: { 'content-length': String(text.length) },
          body: text,
        });
      const whole = await body.readBodyLimited(request(), text.length, 2000, body[name]);
      expect(new TextDecoder().decode(whole as Uint8Array)).toBe(text);
      const over = await body.readBodyLimited(request(), text.length - 1, 2000, body[name]);
      expect(over).toMatchObject({ status: 413, reason: 'body-too-large' });
    },
  );
});

test.each(['readDeclaredLength', 'readDeclaredLengthShared'] as const)(
  '%s: a small Content-Length beside chunked framing is no promise of size: 413 at the limit, not read whole',
  async (name) => {
    const body = await import('../../src/body.js');
    const { body: stream, counter } = fiftyMegabytes();
    const request = new Request(URL_SES, {
      method: 'POST',
      headers: { 'content-length': '10', 'transfer-encoding': 'chunked' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const read = await body.readBodyLimited(request, 1_048_576, 2000, body[name]);
    expect(read).toMatchObject({ status: 413, reason: 'body-too-large' });
    // 1 MiB limit / 64 KiB chunks: reading stops right after the 17th chunk.
    expect(counter.pulls).toBeLessThan(20);
  },
);

describe('a body in many small chunks', () => {
  const bytes = new TextEncoder().encode(JSON.stringify(envelope(bounce)));
  // One byte per chunk, each chunk a view over a buffer of its own: kept, they would cost far more
  // than the body (the servers' test measures that; here, that the bytes come out right).
  const oneByteChunks = (type?: 'bytes') => {
    let at = 0;
    return new ReadableStream<Uint8Array>({
      ...(type ? { type } : {}),
      pull(controller) {
        if (at >= bytes.length) return controller.close();
        const chunk = new Uint8Array(4096).subarray(0, 1);
        chunk[0] = bytes[at++] as number;
        controller.enqueue(chunk);
      },
    } as UnderlyingDefaultSource<Uint8Array>);
  };
  test.each([
    ['a default stream', undefined],
    ['a byte stream', 'bytes' as const],
  ])('%s is read whole and exactly', async (_, type) => {
    const { readBodyLimited } = await import('../../src/body.js');
    const read = await readBodyLimited(
      new Request(URL_SES, {
        method: 'POST',
        body: oneByteChunks(type),
        duplex: 'half',
      } as RequestInit),
      bytes.length,
      2000,
    );
    expect(read).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(read as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    const over = await readBodyLimited(
      new Request(URL_SES, {
        method: 'POST',
        body: oneByteChunks(type),
        duplex: 'half',
      } as RequestInit),
      bytes.length - 1,
      2000,
    );
    expect(over).toMatchObject({ status: 413, reason: 'body-too-large' });
  });
});

describe("the Bun server's whole-body read: one timer shared by every read", () => {
  // A declared length whose body sends `first` and then stalls (or ends, when `end` is set).
  const declared = (first: string, length: number, end = false) =>
    new Request(URL_SES, {
      method: 'POST',
      headers: { 'content-length': String(length) },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(first));
          if (end) controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
  const TIMEOUT_MS = 300;

  test('each stalled read gets its 408 at its own deadline, not at the first one', async () => {
    const { readDeclaredLengthShared } = await import('../../src/body.js');
    // A timeout no other test reads with: the reads of one timeout share a timer the module
    // keeps, and one done in time leaves it set until it fires. Set on the real clock by a test
    // before (a body that fails mid-read), it would wake these reads on the real clock, late.
    const TIMEOUT_MS = 250;
    // On the fake clock: the real one, on a loaded machine, ran the test's own waits late.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const reads: Promise<{ result: unknown; afterMs: number }>[] = [];
      for (const delayMs of [0, 100, 100]) {
        await vi.advanceTimersByTimeAsync(delayMs);
        const at = performance.now();
        const read = readDeclaredLengthShared(declared('{"a"', 10), 1000, TIMEOUT_MS);
        if (!read) throw new Error('a declared length must be read whole');
        reads.push(read.then((result) => ({ result, afterMs: performance.now() - at })));
      }
      // One read done in time between them leaves the others' deadlines as they were.
      const quick = readDeclaredLengthShared(declared('{"ok":1}', 8, true), 1000, TIMEOUT_MS);
      expect(new TextDecoder().decode((await quick) as Uint8Array)).toBe('{"ok":1}');
      await vi.advanceTimersByTimeAsync(TIMEOUT_MS + 200);
      for (const { result, afterMs } of await Promise.all(reads)) {
        expect(result).toMatchObject({ status: 408, reason: 'body-timeout' });
        expect(afterMs).toBeGreaterThanOrEqual(TIMEOUT_MS);
        expect(afterMs).toBeLessThan(TIMEOUT_MS + 50);
      }
    } finally {
      vi.useRealTimers();
    }
  });

  test('a body over the limit is 413; a stalled read after thousands done in time still ends in 408', async () => {
    const { readDeclaredLengthShared } = await import('../../src/body.js');
    expect(
      await readDeclaredLengthShared(declared('0123456789', 10, true), 9, TIMEOUT_MS),
    ).toMatchObject({ status: 413, reason: 'body-too-large' });
    for (let i = 0; i < 2000; i++) {
      await readDeclaredLengthShared(declared('{}', 2, true), 1000, TIMEOUT_MS);
    }
    const at = performance.now();
    expect(await readDeclaredLengthShared(declared('{', 2), 1000, TIMEOUT_MS)).toMatchObject({
      status: 408,
      reason: 'body-timeout',
    });
    expect(performance.now() - at).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  test('a body that fails mid-read is 400 body-unreadable', async () => {
    const { readDeclaredLengthShared } = await import('../../src/body.js');
    const broken = new Request(URL_SES, {
      method: 'POST',
      headers: { 'content-length': '10' },
      body: new ReadableStream<Uint8Array>({
        start(controller) {
          controller.error(new Error('connection reset'));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(await readDeclaredLengthShared(broken, 1000, TIMEOUT_MS)).toMatchObject({
      status: 400,
      reason: 'body-unreadable',
    });
  });
});
