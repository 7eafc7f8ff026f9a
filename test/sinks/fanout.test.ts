import { createHmac } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { Readable } from 'node:stream';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import type { EmailTrackingContext } from '../../src/events.js';
import { decodeTrackingEvent, encodeTrackingEvent } from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver.js';
import { createFanoutSink, FanoutError, type FanoutOptions } from '../../src/sinks/fanout.js';
import { webhookMessageId } from '../../src/sinks/webhook-signing.js';
import { type CaptureServer, startCaptureServer } from '../helpers/capture-server.js';
import { memoryLogger } from '../helpers/envelope.js';
import { sampleContext } from './samples.js';

const SECRET_A = `whsec_${btoa('endpoint-a-secret-key-32-bytes!!')}`;
const SECRET_B = `whsec_${btoa('endpoint-b-secret-key-32-bytes!!')}`;

const servers: CaptureServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(answer?: CaptureServer['answer']) {
  const started = await startCaptureServer(answer);
  servers.push(started);
  return started;
}

function fanout(options: Partial<FanoutOptions> & Pick<FanoutOptions, 'endpoints'>) {
  const sleeps: number[] = [];
  const sink = createFanoutSink({
    logger: silentLogger,
    timeoutMs: 2_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { sink, sleeps };
}

describe('createFanoutSink delivery', () => {
  test('POSTs each event signed per Standard Webhooks, verified by the standardwebhooks package', async () => {
    const receiver = await server();
    const context = sampleContext();
    const { sink } = fanout({ endpoints: [{ url: `${receiver.origin}/hook`, secret: SECRET_A }] });
    await sink.send([context]);

    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0];
    if (!request) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hook');
    expect(request.headers['content-type']).toBe('application/json');
    const payload = new Webhook(SECRET_A).verify(request.body, request.headers) as Record<
      string,
      unknown
    >;
    expect(payload.type).toBe('email.bounced');
    expect(payload.timestamp).toBe('2026-03-04T05:06:07.089Z');
    expect(decodeTrackingEvent(payload.data as object)).toEqual(context);
    expect(request.headers['webhook-id']).toMatch(/^msg_[\w-]{24}$/);
    expect(() => new Webhook(SECRET_B).verify(request.body, request.headers)).toThrow();
  });

  test('sends webhook-timestamp as the unix seconds of the attempt', async () => {
    const receiver = await server();
    const { sink } = fanout({
      endpoints: [{ url: receiver.origin, secret: SECRET_A }],
      now: () => new Date('2030-01-01T00:00:09.999Z'),
    });
    await sink.send([sampleContext()]);
    expect(receiver.requests[0]?.headers['webhook-timestamp']).toBe('1893456009');
  });

  test('keeps webhook-id per (eventId, recipient, eventType) and tells others apart', async () => {
    const receiver = await server();
    const { sink } = fanout({ endpoints: [{ url: receiver.origin, secret: SECRET_A }] });
    await sink.send([sampleContext()]);
    await sink.send([sampleContext({ description: 'changed, same event' })]);
    await sink.send([sampleContext({ recipient: 'other@example.com' })]);
    await sink.send([sampleContext({ eventType: 'delivered' })]);
    await sink.send([sampleContext({ eventId: 'sns-message-2' })]);
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids[1]).toBe(ids[0]);
    expect(new Set(ids).size).toBe(4);
  });

  test('a newline inside eventId or recipient cannot make two events share a webhook-id', async () => {
    const receiver = await server();
    const { sink } = fanout({ endpoints: [{ url: receiver.origin, secret: SECRET_A }] });
    await sink.send([sampleContext({ eventId: 'a\nb', recipient: 'c@example.com' })]);
    await sink.send([sampleContext({ eventId: 'a', recipient: 'b\nc@example.com' })]);
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  test('webhook-id of an event without newlines is what earlier versions sent', async () => {
    // Receivers drop duplicates by id across an upgrade: the id of an ordinary event must not move.
    expect(
      await webhookMessageId({
        eventId: '5b1a3a02-7d1c-5e4b-9a57-0c7c5d7f1e01',
        recipient: 'jane@example.com',
        eventType: 'bounced',
      }),
    ).toBe('msg_ti5kQRM9uflJ4MEjZWYQOaCz');
  });

  test('sends each endpoint only the event types it asked for', async () => {
    const all = await server();
    const bounces = await server();
    const { sink } = fanout({
      endpoints: [
        { url: all.origin, secret: SECRET_A },
        { url: bounces.origin, secret: SECRET_B, events: ['bounced', 'complained'] },
      ],
    });
    await sink.send([
      sampleContext({ eventType: 'delivered' }),
      sampleContext({ eventType: 'bounced' }),
      sampleContext({ eventType: 'opened' }),
    ]);
    const types = (s: CaptureServer) => s.requests.map((r) => JSON.parse(r.body).type).sort();
    expect(types(all)).toEqual(['email.bounced', 'email.delivered', 'email.opened']);
    expect(types(bounces)).toEqual(['email.bounced']);
    for (const request of bounces.requests)
      new Webhook(SECRET_B).verify(request.body, request.headers);
  });

  test('retries a 500 with backoff, then succeeds; every attempt is signed afresh', async () => {
    const receiver = await server((_, index) => (index < 2 ? 500 : 200));
    const { sink, sleeps } = fanout({ endpoints: [{ url: receiver.origin, secret: SECRET_A }] });
    await sink.send([sampleContext()]);
    expect(receiver.requests).toHaveLength(3);
    expect(sleeps).toEqual([100, 200]);
    for (const request of receiver.requests)
      new Webhook(SECRET_A).verify(request.body, request.headers);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  test('retries a 429', async () => {
    const receiver = await server((_, index) => (index === 0 ? 429 : 204));
    const { sink } = fanout({ endpoints: [{ url: receiver.origin, secret: SECRET_A }] });
    await sink.send([sampleContext()]);
    expect(receiver.requests).toHaveLength(2);
  });

  test('a 429 or 503 with Retry-After (seconds or an HTTP date) is retried after the wait it asks for', async () => {
    const now = new Date('2026-03-04T05:06:07.000Z');
    const after = new Date(now.getTime() + 3_000).toUTCString();
    const answers = [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503, headers: { 'retry-after': after } },
      // Unreadable, though it ends in a digit.
      { status: 408, headers: { 'retry-after': 'x1' } },
      204,
    ];
    const receiver = await server((_, index) => answers[index] ?? 204);
    const { sink, sleeps } = fanout({
      now: () => now,
      // The HTTP date's wait is exactly timeoutMs: not longer, so it is waited for.
      timeoutMs: 3_000,
      endpoints: [{ url: receiver.origin, secret: SECRET_A }],
    });
    await sink.send([sampleContext()]);
    expect(receiver.requests).toHaveLength(4);
    // An unreadable Retry-After leaves the usual backoff.
    expect(sleeps).toEqual([2_000, 3_000, 400]);
  });

  test('a Retry-After longer than timeoutMs is not waited for: the send fails at once, naming it, so the ESP or the queue retries later', async () => {
    const receiver = await server(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const { sink, sleeps } = fanout({ endpoints: [{ url: receiver.origin, secret: SECRET_A }] });
    const error = (await sink.send([sampleContext()]).catch((e: unknown) => e)) as FanoutError;
    expect(receiver.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error).toBeInstanceOf(FanoutError);
    expect(error.failures[0]?.reason).toBe('HTTP 429, Retry-After 120 s after 1 attempt');
  });

  test('does not retry a 400, and rejects naming the endpoint and event', async () => {
    const receiver = await server(() => 400);
    const { sink, sleeps } = fanout({
      endpoints: [{ url: `${receiver.origin}/in`, secret: SECRET_A }],
    });
    const error = await sink.send([sampleContext()]).catch((e: unknown) => e);
    expect(receiver.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error).toBeInstanceOf(FanoutError);
    expect((error as Error).message).toContain(
      `email.bounced (event sns-message-1, zoë@example.com) to ${receiver.origin}/in: HTTP 400 after 1 attempt`,
    );
  });

  test.each([
    [5, '5 webhook deliveries failed: ', ''],
    [6, '6 webhook deliveries failed: ', '; and 1 more'],
  ])(
    '%i failed deliveries: the error names the first five, then how many more',
    async (count, start, end) => {
      const stub = stubFetch(() => new Response(null, { status: 400 }));
      const { sink } = fanout({
        endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
        fetch: stub.fetch,
      });
      const contexts = Array.from({ length: count }, (_, i) =>
        sampleContext({ recipient: `r${i}@example.com` }),
      );
      const { message } = (await sink.send(contexts).catch((e: unknown) => e)) as FanoutError;
      expect(message.startsWith(start)).toBe(true);
      // Five named, whichever failed first.
      expect(contexts.filter((c) => message.includes(`, ${c.recipient}) to `))).toHaveLength(5);
      expect(message.endsWith(`HTTP 400 after 1 attempt${end}`)).toBe(true);
    },
  );

  test('does not follow a redirect: a 302 is a failed delivery, and the URL it names gets nothing', async () => {
    const elsewhere = await server();
    const redirecting = await server(() => ({
      status: 302,
      headers: { location: `${elsewhere.origin}/moved` },
    }));
    const { sink, sleeps } = fanout({
      endpoints: [{ url: `${redirecting.origin}/in`, secret: SECRET_A }],
    });
    const error = (await sink.send([sampleContext()]).catch((e: unknown) => e)) as FanoutError;
    expect(error).toBeInstanceOf(FanoutError);
    expect(error.failures.map((f) => f.reason)).toEqual(['HTTP 302 after 1 attempt']);
    expect(redirecting.requests).toHaveLength(1);
    expect(elsewhere.requests).toEqual([]);
    expect(sleeps).toEqual([]);
  });

  test('gives up on an endpoint that stays down after 1 + retries attempts, still serving the others', async () => {
    const down = await server(() => 503);
    const up = await server();
    const { sink, sleeps } = fanout({
      retries: 2,
      endpoints: [
        { url: down.origin, secret: SECRET_A },
        { url: up.origin, secret: SECRET_B },
      ],
    });
    const error = (await sink.send([sampleContext()]).catch((e: unknown) => e)) as FanoutError;
    expect(down.requests).toHaveLength(3);
    expect(up.requests).toHaveLength(1);
    expect(sleeps).toEqual([100, 200]);
    expect(error.failures).toEqual([
      {
        endpoint: `${down.origin}/`,
        type: 'email.bounced',
        eventId: 'sns-message-1',
        webhookId: expect.stringMatching(/^msg_/),
        recipient: 'zoë@example.com',
        reason: 'HTTP 503 after 3 attempts',
      },
    ]);
  });

  test('times out an endpoint that never answers, and retries it', async () => {
    const receiver = await server(() => 'hang');
    const { sink } = fanout({
      timeoutMs: 200,
      retries: 1,
      endpoints: [{ url: receiver.origin, secret: SECRET_A }],
    });
    await expect(sink.send([sampleContext()])).rejects.toThrow(
      /timed out after 200 ms after 2 attempts/,
    );
    expect(receiver.requests).toHaveLength(2);
  });

  test('retries a network error (nothing listening)', async () => {
    const receiver = await server();
    const url = receiver.origin;
    await receiver.close();
    const { sink, sleeps } = fanout({ retries: 1, endpoints: [{ url, secret: SECRET_A }] });
    const error = (await sink.send([sampleContext()]).catch((e: unknown) => e)) as FanoutError;
    expect(error).toBeInstanceOf(FanoutError);
    expect(sleeps).toEqual([100]);
    // Node's fetch says only "fetch failed": the reason keeps its cause, so on-call sees why.
    expect(error.failures[0]?.reason).toMatch(
      /^TypeError: fetch failed \(.*ECONNREFUSED.*\) after 2 attempts$/,
    );
  });

  test('a host refusing on every address it resolves to (Node: an AggregateError with no message) names each refusal', async () => {
    // What Node's fetch throws for `localhost` (::1 and 127.0.0.1) with nothing listening.
    const refused = Object.assign(
      new AggregateError(
        [new Error('connect ECONNREFUSED ::1:9'), new Error('connect ECONNREFUSED 127.0.0.1:9')],
        '',
      ),
      { code: 'ECONNREFUSED' },
    );
    const fetch = (async () => {
      throw new TypeError('fetch failed', { cause: refused });
    }) as typeof globalThis.fetch;
    const { sink } = fanout({
      retries: 0,
      fetch,
      endpoints: [{ url: 'http://localhost:9/in', secret: SECRET_A }],
    });
    const error = (await sink.send([sampleContext()]).catch((e: unknown) => e)) as FanoutError;
    expect(error.failures[0]?.reason).toBe(
      'TypeError: fetch failed (Error: connect ECONNREFUSED ::1:9; Error: connect ECONNREFUSED 127.0.0.1:9) after 1 attempt',
    );
  });

  test('keeps at most 6 POSTs in flight', async () => {
    const receiver = await server();
    const { sink } = fanout({ endpoints: [{ url: receiver.origin, secret: SECRET_A }] });
    const contexts = Array.from({ length: 20 }, (_, i) =>
      sampleContext({ recipient: `r${i}@example.com` }),
    );
    await sink.send(contexts);
    expect(receiver.requests).toHaveLength(20);
    expect(receiver.maxInFlight).toBeLessThanOrEqual(6);
    expect(receiver.maxInFlight).toBeGreaterThan(1);
  });

  test('by default 6 POSTs are in flight at once (a Worker may open six connections)', async () => {
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const stub = stubFetch(async () => {
      await gate;
      return new Response(null, { status: 204 });
    });
    // No attempt times out or is retried while the test holds the answers.
    const { sink } = fanout({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      fetch: stub.fetch,
      timeoutMs: 60_000,
      retries: 0,
    });
    const contexts = Array.from({ length: 20 }, (_, i) =>
      sampleContext({ recipient: `r${i}@example.com` }),
    );
    const sent = sink.send(contexts);
    await vi.waitFor(() => expect(stub.calls.length).toBeGreaterThanOrEqual(6), {
      timeout: 30_000,
    });
    // Every worker is waiting on its answer: none starts a seventh.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stub.calls).toHaveLength(6);
    open();
    await sent;
    expect(stub.calls).toHaveLength(20);
    expect(stub.maxInFlight()).toBe(6);
  });
});

/** A fetch double: answers at once with `status`, recording only what the test needs. */
function stubFetch(answer: (url: string, init: RequestInit) => Promise<Response> | Response) {
  const calls: { url: string; id: string; signal: AbortSignal | undefined }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const headers = init.headers as Record<string, string>;
    calls.push({
      url: String(input),
      id: headers['webhook-id'] ?? '',
      signal: init.signal ?? undefined,
    });
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      return await answer(String(input), init);
    } finally {
      inFlight--;
    }
  }) as typeof globalThis.fetch;
  return { fetch, calls, maxInFlight: () => maxInFlight };
}

/** Resolves when `signal` aborts (an endpoint that never answers). */
const untilAborted = (signal: AbortSignal | null | undefined) =>
  new Promise<Response>((_, reject) => {
    signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });

describe('createFanoutSink as a receiver checks it', () => {
  /** Every POST the sink made: its headers and body, answered 204. */
  function recorded() {
    const posts: { headers: Record<string, string>; body: string; url: string }[] = [];
    const fetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
      posts.push({
        url: String(input),
        headers: init.headers as Record<string, string>,
        body: String(init.body),
      });
      return new Response(null, { status: 204 });
    }) as typeof globalThis.fetch;
    return { posts, fetch };
  }

  test('the signature is base64 HMAC-SHA256 over "id.timestamp.body" under the whsec_ key, checked with node:crypto', async () => {
    const { posts, fetch } = recorded();
    const context = sampleContext();
    const { sink } = fanout({
      endpoints: [{ url: 'https://crm.example/in', secret: SECRET_A }],
      fetch,
      now: () => new Date('2026-03-04T05:10:00.500Z'),
    });
    await sink.send([context]);
    const [post] = posts;
    if (!post) throw new Error('nothing posted');
    const id = post.headers['webhook-id'] ?? '';
    expect(post.headers['webhook-timestamp']).toBe('1772601000');
    const key = Buffer.from(SECRET_A.slice('whsec_'.length), 'base64');
    const mac = createHmac('sha256', key).update(`${id}.1772601000.${post.body}`).digest('base64');
    expect(post.headers['webhook-signature']).toBe(`v1,${mac}`);
    // The body: type, the event's timestamp, and the wire object, in that order.
    expect(post.body).toBe(
      `{"type":"email.bounced","timestamp":"2026-03-04T05:06:07.089Z","data":${encodeTrackingEvent(context)}}`,
    );
  });

  test('webhook-id is the same from another sink instance with another key (a retry handled elsewhere)', async () => {
    const first = recorded();
    const second = recorded();
    const context = sampleContext();
    await fanout({
      endpoints: [{ url: 'https://a.example/in', secret: SECRET_A }],
      fetch: first.fetch,
    }).sink.send([context]);
    await fanout({
      endpoints: [{ url: 'https://b.example/in', secret: SECRET_B }],
      fetch: second.fetch,
    }).sink.send([{ ...context, tags: [] }]);
    // One post each, so the ids compared are two real ones, not two undefineds.
    expect([first.posts.length, second.posts.length]).toEqual([1, 1]);
    expect(first.posts[0]?.headers['webhook-id']).toMatch(/^msg_/);
    expect(second.posts[0]?.headers['webhook-id']).toBe(first.posts[0]?.headers['webhook-id']);
  });

  test('verifyTrackingWebhook takes what the fan-out sent, under a rotated list of secrets, and gives the context back', async () => {
    const { posts, fetch } = recorded();
    const contexts = [
      sampleContext(),
      sampleContext({
        eventType: 'complained',
        recipient: 'b@example.com',
        rejectCategory: 'spam',
        permanent: null,
      }),
    ];
    const { sink } = fanout({
      endpoints: [{ url: 'https://crm.example/in', secret: SECRET_B }],
      fetch,
    });
    await sink.send(contexts);
    const decoded = [];
    for (const post of posts) {
      const request = new Request(post.url, {
        method: 'POST',
        headers: post.headers,
        body: post.body,
      });
      decoded.push(await verifyTrackingWebhook(request, [SECRET_A, SECRET_B]));
    }
    // The fan-out posts its events concurrently: the order they arrive in is not part of it.
    const byType = (list: typeof contexts) =>
      [...list].sort((a, b) => a.eventType.localeCompare(b.eventType));
    expect(byType(decoded)).toEqual(byType(contexts));
    const wrong = posts[0];
    if (!wrong) throw new Error('nothing posted');
    const refused = await verifyTrackingWebhook(
      new Request(wrong.url, { method: 'POST', headers: wrong.headers, body: wrong.body }),
      SECRET_A,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WebhookVerificationError);
    expect((refused as WebhookVerificationError).reason).toBe('signature-invalid');
  });
});

describe('createFanoutSink with a fetch that ignores its signal', () => {
  test('an answer that never comes is still cut off after timeoutMs, each attempt', async () => {
    const { fetch, calls } = stubFetch(() => new Promise<Response>(() => {}));
    const { sink } = fanout({
      fetch,
      timeoutMs: 50,
      retries: 1,
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
    });
    await expect(sink.send([sampleContext()])).rejects.toThrow(
      /timed out after 50 ms after 2 attempts/,
    );
    expect(calls).toHaveLength(2);
  });

  test('an answer whose body never finishes cancelling is taken by its status', async () => {
    const { fetch } = stubFetch(
      () => new Response(new ReadableStream({ cancel: () => new Promise<void>(() => {}) })),
    );
    const { sink } = fanout({
      fetch,
      timeoutMs: 50,
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
    });
    await expect(sink.send([sampleContext()])).resolves.toBeUndefined();
  });
});

describe('createFanoutSink with a fetch whose Response body is a Node stream (node-fetch, fetch-mock)', () => {
  test('a 2xx is a delivery, sent once, not a failure retried', async () => {
    const { fetch, calls } = stubFetch(
      () =>
        ({ status: 204, headers: new Headers(), body: Readable.from([]) }) as unknown as Response,
    );
    const { sink } = fanout({
      fetch,
      retries: 2,
      endpoints: [{ url: 'https://crm.example.com/hooks', secret: SECRET_A }],
    });
    await expect(sink.send([sampleContext()])).resolves.toBeUndefined();
    expect(calls).toHaveLength(1);
  });
});

describe('createFanoutSink within the delivery deadline', () => {
  test('starts no retry once the deadline has fired', async () => {
    const deadline = new AbortController();
    const stub = stubFetch(() => new Response(null, { status: 503 }));
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      retries: 3,
      fetch: stub.fetch,
      logger: silentLogger,
      sleep: async () => deadline.abort(),
    });
    const error = await sink.send([sampleContext()], { signal: deadline.signal }).catch((e) => e);
    expect(stub.calls).toHaveLength(1);
    expect((error as FanoutError).failures.map((f) => f.reason)).toEqual([
      'stopped: the delivery deadline passed after 1 attempt',
    ]);
  });

  test('aborts requests in flight when the deadline fires, without waiting for their timeout', async () => {
    const deadline = new AbortController();
    const stub = stubFetch((_, init) => untilAborted(init.signal));
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      timeoutMs: 60_000,
      fetch: stub.fetch,
      logger: silentLogger,
    });
    const sent = sink.send([sampleContext(), sampleContext({ recipient: 'b@example.com' })], {
      signal: deadline.signal,
    });
    // Both requests in flight (a fixed wait is not enough on a busy machine: each is signed first).
    while (stub.calls.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    deadline.abort();
    await expect(sent).rejects.toThrow(/delivery deadline passed after 1 attempt/);
    expect(stub.calls).toHaveLength(2);
    expect(stub.calls.every((c) => c.signal?.aborted)).toBe(true);
  });

  test('a backoff wait is cut short when the deadline fires during it: the send settles, no retry starts', async () => {
    const deadline = new AbortController();
    const stub = stubFetch(() => new Response(null, { status: 503 }));
    const sink = createFanoutSink({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      retries: 10,
      fetch: stub.fetch,
      logger: silentLogger,
      // A backoff that would never end on its own.
      sleep: () => {
        deadline.abort();
        return new Promise<void>(() => {});
      },
    });
    const error = await sink.send([sampleContext()], { signal: deadline.signal }).catch((e) => e);
    expect(stub.calls).toHaveLength(1);
    expect((error as FanoutError).failures.map((f) => f.reason)).toEqual([
      'stopped: the delivery deadline passed after 1 attempt',
    ]);
  });

  test('a backoff cut short by the deadline leaves no timer behind (it held the event until it fired)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const deadline = new AbortController();
      const stub = stubFetch(
        () => new Response(null, { status: 503, headers: { 'retry-after': '60' } }),
      );
      const { logger, lines } = memoryLogger();
      const sink = createFanoutSink({
        endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
        timeoutMs: 120_000,
        fetch: stub.fetch,
        logger,
      });
      const sent = sink.send([sampleContext()], { signal: deadline.signal }).catch((e) => e);
      while (!lines.some((l) => l.msg === 'webhook attempt failed; retrying')) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The 60-second backoff is the one timer left.
      expect(vi.getTimerCount()).toBe(1);
      deadline.abort();
      const error = await sent;
      expect((error as FanoutError).failures.map((f) => f.reason)).toEqual([
        'stopped: the delivery deadline passed after 1 attempt',
      ]);
      expect(vi.getTimerCount()).toBe(0);
      expect(stub.calls).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  test('16 POSTs in flight under one deadline (concurrency 16): no MaxListenersExceededWarning, and no listener left on its signal', async () => {
    const deadline = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let release: () => void = () => {};
    const allInFlight = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stub = stubFetch(async () => {
      if (stub.calls.length === 16) release();
      await allInFlight;
      return new Response(null, { status: 204 });
    });
    const { sink } = fanout({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      concurrency: 16,
      fetch: stub.fetch,
    });
    const contexts = Array.from({ length: 40 }, (_, i) =>
      sampleContext({ recipient: `r${i}@example.com` }),
    );
    try {
      await sink.send(contexts, { signal: deadline.signal });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(stub.calls).toHaveLength(40);
    expect(stub.maxInFlight()).toBe(16);
    // Node warns past 10 listeners on one signal: one per POST in flight was 16.
    expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    expect(getEventListeners(deadline.signal, 'abort')).toEqual([]);
  });

  test('a fetch that throws at once while another POST waits, then the deadline: both failures named, no unhandled rejection', async () => {
    const deadline = new AbortController();
    let calls = 0;
    const { sink } = fanout({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      retries: 0,
      timeoutMs: 60_000,
      fetch: ((_url: string, init: RequestInit) => {
        calls++;
        if (calls === 1) throw new TypeError('no network here');
        return untilAborted(init.signal);
      }) as unknown as typeof globalThis.fetch,
    });
    const sent = sink.send([sampleContext(), sampleContext({ recipient: 'b@example.com' })], {
      signal: deadline.signal,
    });
    while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    deadline.abort();
    const error = await sent.catch((e) => e);
    expect((error as FanoutError).failures.map((f) => f.reason).sort()).toEqual([
      'TypeError: no network here after 1 attempt',
      'stopped: the delivery deadline passed after 1 attempt',
    ]);
    await new Promise((resolve) => setImmediate(resolve));
  });

  test('starts nothing when the deadline has already passed', async () => {
    const deadline = new AbortController();
    deadline.abort();
    const stub = stubFetch(() => new Response(null, { status: 204 }));
    const { sink } = fanout({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      fetch: stub.fetch,
    });
    await expect(sink.send([sampleContext()], { signal: deadline.signal })).rejects.toThrow();
    expect(stub.calls).toEqual([]);
  });

  test('a POST being signed when the deadline fires is not sent', async () => {
    const deadline = new AbortController();
    // Two deliveries are signed together; the deadline fires as the first one's POST goes out.
    const stub = stubFetch((_, init) => {
      deadline.abort();
      return untilAborted(init.signal);
    });
    const { sink } = fanout({
      endpoints: [{ url: 'https://hooks.example/in', secret: SECRET_A }],
      fetch: stub.fetch,
    });
    const error = await sink
      .send([sampleContext(), sampleContext({ recipient: 'b@example.com' })], {
        signal: deadline.signal,
      })
      .catch((e) => e);
    expect(stub.calls).toHaveLength(1);
    expect((error as FanoutError).failures.map((f) => f.reason)).toEqual([
      'stopped: the delivery deadline passed after 1 attempt',
      'stopped: the delivery deadline passed after 1 attempt',
    ]);
  });
});

describe('createFanoutSink with many recipients', () => {
  // 60,000 WebCrypto operations (an id and two signatures a recipient), each a trip to the thread
  // pool and back: 6 to 14 s on a quiet machine, 43 s alone at load 20, past 60 s beside other
  // files there. The limit catches a hang, not a slow machine.
  test('20,000 recipients to two endpoints: rawEvent serialized once, webhook-id one per (eventId, recipient, eventType)', async () => {
    const counter = { serialized: 0 };
    const plain = { eventType: 'Delivery', mail: { messageId: 'ses-message-1' } };
    const rawEvent = {
      ...plain,
      toJSON() {
        counter.serialized++;
        return plain;
      },
    };
    const stub = stubFetch(() => new Response(null, { status: 204 }));
    const { sink } = fanout({
      endpoints: [
        { url: 'https://a.example/in', secret: SECRET_A },
        { url: 'https://b.example/in', secret: SECRET_B },
      ],
      fetch: stub.fetch,
    });
    const contexts: EmailTrackingContext[] = Array.from({ length: 20_000 }, (_, i) =>
      sampleContext({ eventType: 'delivered', recipient: `r${i}@example.com`, rawEvent }),
    );

    await sink.send(contexts);

    expect(counter.serialized).toBe(1);
    expect(stub.calls).toHaveLength(40_000);
    expect(stub.maxInFlight()).toBeLessThanOrEqual(6);
    const idsByUrl = (url: string) => stub.calls.filter((c) => c.url === url).map((c) => c.id);
    const a = idsByUrl('https://a.example/in');
    expect(new Set(a).size).toBe(20_000);
    expect(new Set(idsByUrl('https://b.example/in'))).toEqual(new Set(a));
    expect(a).toContain(
      await webhookMessageId({
        eventId: 'sns-message-1',
        recipient: 'r123@example.com',
        eventType: 'delivered',
      }),
    );
  }, 300_000);
});

describe('createFanoutSink logs', () => {
  test('log lines name an endpoint by origin and path only', async () => {
    const { logger, lines } = memoryLogger();
    const url = 'https://hooks.example/in#v2';
    const stub = stubFetch((target) => {
      throw new TypeError(`connect ECONNREFUSED for ${target}`);
    });
    const sink = createFanoutSink({
      endpoints: [{ url, secret: SECRET_A }],
      retries: 1,
      fetch: stub.fetch,
      logger,
      sleep: async () => {},
    });
    const error = await sink.send([sampleContext()]).catch((e: unknown) => e);
    expect(lines.map((l) => l.msg)).toEqual([
      'webhook attempt failed; retrying',
      'webhook delivery failed',
    ]);
    for (const line of lines) expect(line.fields.endpoint).toBe('https://hooks.example/in');
    const printed = JSON.stringify(lines) + String(error);
    expect(printed).toContain('ECONNREFUSED for https://hooks.example/in');
    expect(printed).not.toContain('#v2');
  });
});

describe('createFanoutSink options', () => {
  const valid = { url: 'https://example.com/hook', secret: SECRET_A };
  const refusal = (options: unknown) => {
    try {
      createFanoutSink(options as FanoutOptions);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  test.each([
    ['a secret without whsec_', 'endpoints.0.secret', { endpoints: [{ ...valid, secret: 'abc' }] }],
    [
      'a secret that is not base64',
      'endpoints.0.secret',
      { endpoints: [{ ...valid, secret: 'whsec_not base64!' }] },
    ],
    ['an empty key', 'endpoints.0.secret', { endpoints: [{ ...valid, secret: 'whsec_' }] }],
    [
      'a non-http URL',
      'endpoints.0.url',
      { endpoints: [{ ...valid, url: 'ftp://example.com/x' }] },
    ],
    ['a URL that is not one', 'endpoints.0.url', { endpoints: [{ ...valid, url: 'not a url' }] }],
    [
      'an unknown event type',
      'endpoints.0.events.1',
      { endpoints: [{ ...valid, events: ['bounced', 'exploded'] }] },
    ],
    ['an empty event list', 'endpoints.0.events', { endpoints: [{ ...valid, events: [] }] }],
    ['no endpoints', 'endpoints', { endpoints: [] }],
    ['a zero timeout', 'timeoutMs', { endpoints: [valid], timeoutMs: 0 }],
    // Past 2^31 - 1 ms a timer fires at once: every attempt would time out on the spot.
    ['a timeout over 600000 ms', 'timeoutMs', { endpoints: [valid], timeoutMs: 3_000_000_000 }],
    [
      'a URL with credentials',
      'endpoints.1.url',
      { endpoints: [valid, { ...valid, url: 'https://crm:hunter2@hooks.example/in' }] },
    ],
    [
      'a URL with a user name only',
      'endpoints.0.url',
      { endpoints: [{ ...valid, url: 'https://hunter2@hooks.example/in' }] },
    ],
    [
      'a URL with a password only',
      'endpoints.0.url',
      { endpoints: [{ ...valid, url: 'https://:hunter2@hooks.example/in' }] },
    ],
    [
      'a URL with a query token',
      'endpoints.1.url',
      { endpoints: [valid, { ...valid, url: 'https://hooks.example/in?token=hunter2' }] },
    ],
    [
      'a URL with an empty query',
      'endpoints.0.url',
      { endpoints: [{ ...valid, url: 'https://hooks.example/in?' }] },
    ],
    ['negative retries', 'retries', { endpoints: [valid], retries: -1 }],
  ])('refuses %s with a ConfigError naming %s', (_, setting, options) => {
    const error = refusal(options);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe(setting);
    expect((error as Error).message).not.toContain('hunter2');
  });

  // A send starts `concurrency` workers whatever it delivers: a billion never finished one event.
  test.each([
    [1e9, 'expected at most 100'],
    [0, 'expected at least 1, got 0'],
    [2.5, 'Invalid integer: Received 2.5'],
  ])('refuses concurrency %s with a ConfigError: %s', (concurrency, message) => {
    const error = refusal({ endpoints: [valid], concurrency });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).setting).toBe('concurrency');
    expect((error as Error).message).toContain(message);
  });

  test('takes concurrency 100, the most it allows, and delivers', async () => {
    const stub = stubFetch(() => new Response(null, { status: 204 }));
    const { sink } = fanout({ endpoints: [valid], concurrency: 100, fetch: stub.fetch });
    await sink.send([sampleContext()]);
    expect(stub.calls.map((c) => c.url)).toEqual([valid.url]);
  });

  test('accepts http and https URLs and every tracking event type', () => {
    expect(
      refusal({
        endpoints: [
          { url: 'http://127.0.0.1:9000/', secret: SECRET_A, events: ['unknown', 'queued'] },
          { ...valid },
        ],
      }),
    ).toBeUndefined();
  });
});
