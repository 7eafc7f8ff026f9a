/**
 * State that outlives a request: the certificate cache (bounded, per handler, never poisoned by a
 * failure), the route memo (per handler), the bus's listener lists. What one request does must
 * not change the answer another gets, except where DESIGN shares it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  EmailTrackingEvent,
  EventBus,
  type MailWebhookOptions,
  ses,
} from '../../src/index.js';
import { silentLogger } from '../../src/log.js';
import send from '../fixtures/ses/event-publishing-send.json' with { type: 'json' };
import { snsRequest } from '../helpers/envelope.js';
import { createSigner, generateSigningKeys, randomHex, type Signer } from '../helpers/signing.js';

const DAY_MS = 24 * 60 * 60 * 1000;

// A full collection on demand, for a bound on what stays reachable after many requests.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const certUrl = (hex: string) =>
  `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${hex.padStart(32, '0')}.pem`;

/** A fetch that serves `pem` at every URL (or what `answer` says) and counts its calls. */
function certFetch(pem: string, answer?: (url: string) => Promise<Response>) {
  const calls: string[] = [];
  const fetch = (async (input: RequestInfo | URL) => {
    const url = String(input);
    calls.push(url);
    return answer ? answer(url) : new Response(pem, { status: 200 });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

function handlerFor(signer: Signer, options: Partial<MailWebhookOptions> = {}) {
  const events: EmailTrackingContext[] = [];
  const handle = createMailWebhookHandler({
    providers: [ses({ topicArns: [signer.topicArn] })],
    sinks: [{ name: 'capture', send: async (batch) => void events.push(...batch) }],
    logger: silentLogger,
    ...options,
  });
  return { handle, events };
}

/** A signed Notification carrying an SES Send; SigningCertURL is not signed, so it may be swapped. */
async function signedNotification(signer: Signer) {
  const event = { ...send, mail: { ...send.mail, destination: ['to@example.com'] } };
  return signer.sign(signer.notification({ Message: JSON.stringify(event) }));
}

// The cases that loop make thousands of requests, most verifying an RSA signature on WebCrypto's
// thread pool: 3 to 12 s each on a quiet machine, minutes at load 20, where the 10,000 URLs ran
// past 120 s and the loop of a case past its limit, still running, starved the cases after it
// past theirs. The limit catches a hang, not a slow machine.
const MANY_REQUESTS_MS = 600_000;

const errorOf = async (response: Response) =>
  [response.status, ((await response.json()) as { error?: string }).error ?? 'ok'] as const;

describe('the certificate cache across requests', () => {
  test('10,000 distinct certificate URLs: the cache stays bounded, and a URL in use stays in it', {
    timeout: MANY_REQUESTS_MS,
  }, async () => {
    const signer = await createSigner();
    const { calls, fetch } = certFetch(signer.certPem);
    const { handle } = handlerFor(signer, { fetch });
    const message = await signedNotification(signer);
    for (let i = 0; i < 10_000; i++) {
      const response = await handle(snsRequest({ ...message, SigningCertURL: certUrl(`${i}`) }));
      expect(response.status).toBe(200);
      if (i % 20 === 0) {
        expect((await handle(snsRequest(message))).status).toBe(200);
      }
    }
    // Every distinct URL downloaded once; the one in steady use once in all.
    expect(calls).toHaveLength(10_001);
    expect(calls.filter((url) => url === signer.certUrl)).toHaveLength(1);
    // The first ones were let go: asked again, they are downloaded again.
    await handle(snsRequest({ ...message, SigningCertURL: certUrl('0') }));
    expect(calls).toHaveLength(10_002);
  });

  test('two handlers sharing one provider value keep their own certificates, fetch and clock', async () => {
    const signer = await createSigner();
    const provider = ses({ topicArns: [signer.topicArn] });
    const served = certFetch(signer.certPem);
    const down = certFetch('', async () => new Response('busy', { status: 503 }));
    const options = { providers: [provider], logger: silentLogger, sinks: [] };
    const a = createMailWebhookHandler({ ...options, fetch: served.fetch });
    const b = createMailWebhookHandler({ ...options, fetch: down.fetch });
    const late = createMailWebhookHandler({
      ...options,
      fetch: served.fetch,
      now: () => new Date(Date.now() + 400 * DAY_MS),
    });
    const message = await signedNotification(signer);
    expect(await errorOf(await a(snsRequest(message)))).toEqual([200, 'ok']);
    // A's download is not B's: B asks its own fetch, which is down.
    expect(await errorOf(await b(snsRequest(message)))).toEqual([503, 'cert-unavailable']);
    expect(down.calls).toHaveLength(1);
    // By the third handler's clock the certificate has expired (and the message is too old).
    const refused = await errorOf(await late(snsRequest(message)));
    expect(refused[0]).toBe(403);
    // A is unchanged by what B and the third handler saw.
    expect(await errorOf(await a(snsRequest(message)))).toEqual([200, 'ok']);
    expect(served.calls).toHaveLength(1);
  });

  test('concurrent requests share one download; a forged one among them changes nothing for the rest', async () => {
    const signer = await createSigner();
    const gates: ((response: Response) => void)[] = [];
    const { calls, fetch } = certFetch(
      signer.certPem,
      () => new Promise<Response>((resolve) => gates.push(resolve)),
    );
    const { handle, events } = handlerFor(signer, { fetch });
    const message = await signedNotification(signer);
    const forged = { ...message, Message: message.Message?.replace('to@example.com', 'x@evil') };
    const answers = [
      handle(snsRequest(forged as never)),
      handle(snsRequest(message)),
      handle(snsRequest(forged as never)),
    ];
    while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(gates).toHaveLength(1);
    gates[0]?.(new Response(signer.certPem, { status: 200 }));
    const results = await Promise.all(answers.map(async (a) => errorOf(await a)));
    expect(results).toEqual([
      [403, 'signature-invalid'],
      [200, 'ok'],
      [403, 'signature-invalid'],
    ]);
    expect(calls).toHaveLength(1);
    expect(events.map((e) => e.recipient)).toEqual(['to@example.com']);
  });

  test('a failed download shared by concurrent requests is not kept: the next request downloads again', async () => {
    const signer = await createSigner();
    let fail = true;
    const gates: (() => void)[] = [];
    const { calls, fetch } = certFetch(signer.certPem, (url) =>
      fail
        ? new Promise<Response>((_, reject) => gates.push(() => reject(new TypeError(url))))
        : Promise.resolve(new Response(signer.certPem, { status: 200 })),
    );
    const { handle } = handlerFor(signer, { fetch });
    const message = await signedNotification(signer);
    const answers = [handle(snsRequest(message)), handle(snsRequest(message))];
    while (gates.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    gates[0]?.();
    const results = await Promise.all(answers.map(async (a) => errorOf(await a)));
    expect(results).toEqual([
      [503, 'cert-unavailable'],
      [503, 'cert-unavailable'],
    ]);
    fail = false;
    expect(await errorOf(await handle(snsRequest(message)))).toEqual([200, 'ok']);
    expect(calls).toHaveLength(2);
  });

  test('a URL that served no certificate is not remembered as refused once it serves one', async () => {
    const signer = await createSigner();
    let serving = false;
    const { calls, fetch } = certFetch(signer.certPem, async () =>
      serving
        ? new Response(signer.certPem, { status: 200 })
        : new Response('not a certificate', { status: 200 }),
    );
    const { handle } = handlerFor(signer, { fetch });
    const message = await signedNotification(signer);
    expect(await errorOf(await handle(snsRequest(message)))).toEqual([403, 'cert-invalid']);
    serving = true;
    expect(await errorOf(await handle(snsRequest(message)))).toEqual([200, 'ok']);
    expect(calls).toHaveLength(2);
  });

  test("a certificate downloaded for a message signed by another key is the URL's, not the forger's", async () => {
    const signer = await createSigner();
    const forger = await createSigner({
      keys: await generateSigningKeys(),
      certUrl: signer.certUrl,
    });
    const { calls, fetch } = certFetch(signer.certPem);
    const { handle } = handlerFor(signer, { fetch });
    const forged = await forger.sign(forger.notification({ Message: '{}' }));
    expect(await errorOf(await handle(snsRequest(forged)))).toEqual([403, 'signature-invalid']);
    expect(await errorOf(await handle(snsRequest(await signedNotification(signer))))).toEqual([
      200,
      'ok',
    ]);
    expect(calls).toHaveLength(1);
  });

  test('64 messages whose SigningCertURL names a region of 500,000 letters: refused before any download, and none is kept', {
    timeout: MANY_REQUESTS_MS,
  }, async () => {
    const signer = await createSigner();
    const { calls, fetch } = certFetch(signer.certPem);
    const { handle } = handlerFor(signer, { fetch });
    const message = await signedNotification(signer);
    const heapAfterGc = () => {
      collectGarbage();
      return process.memoryUsage().heapUsed;
    };
    const before = heapAfterGc();
    for (let i = 0; i < 64; i++) {
      // Each its own text, as each forged message would be: a URL remembered is kept whole.
      const region = `us-${'a'.repeat(500_000)}${'bcdefghijk'[i % 10]}-${i}`;
      const SigningCertURL = `https://sns.${region}.amazonaws.com/SimpleNotificationService-${'0'.repeat(32)}.pem`;
      const response = await handle(snsRequest({ ...message, SigningCertURL }));
      expect(await errorOf(response)).toEqual([403, 'cert-url-host']);
    }
    expect(calls).toHaveLength(0);
    // Kept, they were 64 URLs (and their parsed copies) at once: over 100 MB on Node.
    expect(heapAfterGc() - before).toBeLessThan(20_000_000);
  });
});

describe('the route memo across requests and handlers', () => {
  test('100,000 distinct paths, then the provider path: still routed, and another basePath still 404', {
    timeout: MANY_REQUESTS_MS,
  }, async () => {
    const signer = await createSigner();
    const { fetch } = certFetch(signer.certPem);
    const a = handlerFor(signer, { fetch, basePath: '/a' }).handle;
    const b = handlerFor(signer, { fetch, basePath: '/b' }).handle;
    const message = await signedNotification(signer);
    for (let i = 0; i < 100_000; i++) {
      const path = `/a/${randomHex(4)}/${i}`;
      const response = await a(new Request(`http://localhost${path}`, { method: 'POST' }));
      if (response.status !== 404) throw new Error(`${path} answered ${response.status}`);
    }
    expect((await a(snsRequest(message, {}, 'http://localhost/a/ses'))).status).toBe(200);
    // The same path on a handler with another basePath is no route, however recently A routed it.
    expect((await b(snsRequest(message, {}, 'http://localhost/a/ses'))).status).toBe(404);
    expect((await a(snsRequest(message, {}, 'http://localhost/b/ses'))).status).toBe(404);
    expect((await b(snsRequest(message, {}, 'http://localhost/b/ses'))).status).toBe(200);
  });
});

describe('the bus across requests', () => {
  test('a listener added and removed around each of 2,000 sends leaves none behind', {
    timeout: MANY_REQUESTS_MS,
  }, async () => {
    const bus = new EventBus();
    const signer = await createSigner();
    const { fetch } = certFetch(signer.certPem);
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [signer.topicArn] })],
      sinks: [bus],
      logger: silentLogger,
      fetch,
    });
    const message = await signedNotification(signer);
    let seen = 0;
    for (let i = 0; i < 2_000; i++) {
      const unsubscribe = bus.subscribe(EmailTrackingEvent, (context, next) => {
        seen++;
        return next(context);
      });
      expect((await handle(snsRequest(message))).status).toBe(200);
      unsubscribe();
      unsubscribe();
    }
    // Each send reached only the listener of its own request.
    expect(seen).toBe(2_000);
    expect(bus.listenerCount(EmailTrackingEvent)).toBe(0);
  });
});

describe('the bus across many keys', () => {
  test('a key whose last listener unsubscribed is not kept by the bus', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const bus = new EventBus();
    // One key per order, say: subscribed while the order is open, unsubscribed when it closes.
    const order = async (i: number) => {
      const key = { name: `order-${i}` };
      const unsubscribe = bus.subscribe(key, (context, next) => next(context));
      await bus.emit(key, {});
      unsubscribe();
      return new WeakRef(key);
    };
    const refs: WeakRef<object>[] = [];
    for (let i = 0; i < 1_000; i++) refs.push(await order(i));
    // A full collection after each turn of the event loop until no key is left, 10 s at most: V8
    // optimizing `order` on its background thread holds the scope of the call it started from
    // (one key) until the code is installed, 3 to 7 turns later on a quiet machine (three turns
    // were too few: 5 failures in 6 runs of this case alone). A bus that kept keys keeps all 1,000.
    const kept = () => refs.filter((ref) => ref.deref() !== undefined);
    for (const end = Date.now() + 10_000; kept().length > 0 && Date.now() < end; ) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      gc();
    }
    expect(kept()).toHaveLength(0);
  });
});
