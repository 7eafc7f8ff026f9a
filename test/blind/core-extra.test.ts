// More blind tests from DESIGN's letter: bounds, deadlines, certificate names, leaks, logs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  ses,
} from '../../src/index.js';
import {
  basic,
  bounce,
  CERT_URL,
  captureLogger,
  certFetch,
  collector,
  envelope,
  ses as fixture,
  make,
  NOW,
  post,
  TOPIC,
} from './core-helpers.js';

const pem = (n: string) => readFileSync(new URL(`./core-fixtures/${n}`, import.meta.url), 'utf8');

/** An SNS Notification POST whose body is `body`, streamed with no length. */
const streamed = (body: ReadableStream) =>
  new Request('http://localhost/webhooks/mail/ses', {
    method: 'POST',
    body,
    headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'x' },
    duplex: 'half',
  } as RequestInit);

describe('certificate names', () => {
  for (const [label, name, ok] of [
    ['the regional name sns.<region>.amazonaws.com', 'regional', true],
    ['sns-signing.<region>.amazonaws.com', 'signing', true],
    ['CN only sns.amazonaws.com (no SAN)', 'cnonly', true],
    ["another region's name", 'westcert', false],
    ['a 1024-bit key', 'small', false],
  ] as const) {
    it(`a certificate naming ${label} is ${ok ? 'accepted' : 'refused'}`, async () => {
      const f = certFetch({ [CERT_URL]: pem(`${name}.pem`) });
      const { h, events } = make({ topicArns: [TOPIC] }, { fetch: f.fetch });
      const res = await h(post(envelope(bounce(), {}, { key: pem(`${name}.key`) })));
      expect(res.status, await res.clone().text()).toBe(ok ? 200 : 403);
      expect(events).toHaveLength(ok ? 1 : 0);
    });
  }

  it('a SignatureVersion that is absent is refused', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const env = envelope(bounce());
    delete env.SignatureVersion;
    expect((await h(post(env))).status).toBe(403);
  });

  it('a Timestamp more than 5 minutes in the future is refused', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const t = new Date(NOW.getTime() + 10 * 60_000).toISOString();
    expect((await h(post(envelope(bounce(), { Timestamp: t })))).status).toBe(403);
  });
});

describe('headers', () => {
  it('a Notification without the x-amz-sns-message-type header is not accepted', async () => {
    const { h, events } = make({ topicArns: [TOPIC] });
    const env = envelope(bounce());
    const req = new Request('http://localhost/webhooks/mail/ses', {
      method: 'POST',
      body: JSON.stringify(env),
      headers: { 'x-amz-sns-message-id': env.MessageId as string },
    });
    const res = await h(req);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(events).toHaveLength(0);
  });
});

describe('topics, secrets and raw delivery', () => {
  it('topicArns is enforced even when the secret matched', async () => {
    const { h } = make({
      topicArns: ['arn:aws:sns:us-east-1:123456789012:only-this'],
      secret: 'pw',
    });
    const res = await h(post(envelope(bounce()), { authorization: basic('sns', 'pw') }));
    expect(res.status).toBe(403);
  });

  it('the refusal never names the configured topics or secret', async () => {
    const { h } = make({
      topicArns: ['arn:aws:sns:us-east-1:123456789012:very-private-topic'],
      secret: 'hunter2-pw',
    });
    const res = await h(post(envelope(bounce()), { authorization: basic('sns', 'hunter2-pw') }));
    const text = await res.text();
    expect(text).not.toContain('very-private-topic');
    expect(text).not.toContain('hunter2-pw');
    const wrong = await h(post(envelope(bounce()), { authorization: basic('sns', 'bad') }));
    expect(await wrong.text()).not.toContain('hunter2-pw');
  });

  it('allowRawDelivery without a secret is a configuration error', () => {
    expect(() =>
      createMailWebhookHandler({
        providers: [ses({ allowRawDelivery: true, topicArns: [TOPIC] })],
      }),
    ).toThrow(ConfigError);
  });

  it('raw delivery with a secret but without allowRawDelivery is refused', async () => {
    const { h, events } = make({ secret: 'pw' });
    const res = await h(
      post(JSON.stringify(bounce()), {
        'x-amz-sns-rawdelivery': 'true',
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': 'raw-2',
        authorization: basic('sns', 'pw'),
      }),
    );
    expect(res.status).toBe(403);
    expect(events).toHaveLength(0);
  });

  it('raw delivery: eventId is the x-amz-sns-message-id header', async () => {
    const { h, events } = make({ secret: 'pw', allowRawDelivery: true });
    const res = await h(
      post(JSON.stringify(bounce()), {
        'x-amz-sns-rawdelivery': 'true',
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': 'raw-3',
        authorization: basic('sns', 'pw'),
      }),
    );
    expect(res.status).toBe(200);
    expect(events[0]?.eventId).toBe('raw-3');
  });
});

describe('confirmation failures', () => {
  const url = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=tok`;
  const conf = (topic = TOPIC) =>
    envelope('confirm', {
      Type: 'SubscriptionConfirmation',
      Token: 'tok',
      TopicArn: topic,
      SubscribeURL: url.replace(encodeURIComponent(TOPIC), encodeURIComponent(topic)),
    });

  it('SNS failing the confirmation is a 503 so SNS sends it again', async () => {
    const fetcher = (async (input: RequestInfo | URL) => {
      const u = String(input instanceof Request ? input.url : input);
      if (u.endsWith('.pem')) return new Response(pem('sns-test.pem'));
      return new Response('nope', { status: 500 });
    }) as typeof fetch;
    const { h } = make({ topicArns: [TOPIC], autoConfirm: true }, { fetch: fetcher });
    expect((await h(post(conf()))).status).toBe(503);
  });

  it('a confirmation from a topic not allow-listed is never fetched', async () => {
    const other = 'arn:aws:sns:us-east-1:123456789012:other';
    const { h, calls } = make({ topicArns: [TOPIC], autoConfirm: true });
    const res = await h(post(conf(other)));
    expect(res.status).toBe(403);
    expect(calls.some((c) => c.includes('ConfirmSubscription'))).toBe(false);
  });
});

describe('bodies and deadlines', () => {
  it('an endless body with no length is cut off with 413', async () => {
    const chunk = new Uint8Array(1024).fill(0x20);
    const body = new ReadableStream({
      pull(c) {
        c.enqueue(chunk);
      },
    });
    const { h } = make({ verifySignature: false }, { maxBodyBytes: 4096 });
    const res = await h(streamed(body));
    expect(res.status).toBe(413);
  });

  it('a declared Content-Length over the limit is 413', async () => {
    const { h } = make({ verifySignature: false }, { maxBodyBytes: 10 });
    const res = await h(
      new Request('http://localhost/webhooks/mail/ses', {
        method: 'POST',
        body: 'x'.repeat(11),
        headers: {
          'content-length': '11',
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': 'x',
        },
      }),
    );
    expect(res.status).toBe(413);
  });

  it('a body that never finishes gets 408 body-timeout', async () => {
    const body = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode('{"Type":'));
      },
      pull() {
        return new Promise(() => {});
      },
    });
    const { h } = make({ verifySignature: false }, { bodyTimeoutMs: 30 });
    const res = await h(streamed(body));
    expect(res.status).toBe(408);
    expect((await res.json()).error).toBe('body-timeout');
  });

  it('a sink that never settles is 503 sink-timeout', async () => {
    const sink = { name: 'stuck', send: () => new Promise<void>(() => {}) };
    const { h } = make({ verifySignature: false }, { sinks: [sink], deliveryTimeoutMs: 30 });
    const res = await h(post(envelope(bounce(), {}, { sign: false })));
    expect(res.status).toBe(503);
    expect((await res.json()).error).toBe('sink-timeout');
  });

  it('a listener that never returns is 503 listener-timeout naming it', async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, {
      name: 'stuckListener',
      handle: () => new Promise(() => {}),
    });
    const { h } = make({ verifySignature: false }, { sinks: [bus], listenerTimeoutMs: 30 });
    const res = await h(post(envelope(bounce(), {}, { sign: false })));
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error).toBe('listener-timeout');
    expect(body.message).toContain('stuckListener');
  });

  it("a listener calling next() without returning it does not lose a later listener's error", async () => {
    const bus = new EventBus();
    bus.subscribe(EmailTrackingEvent, (ctx, next) => {
      next(ctx);
    });
    bus.subscribe(EmailTrackingEvent, async () => {
      await new Promise((r) => setTimeout(r, 5));
      throw new Error('later failure');
    });
    const { h } = make({ verifySignature: false }, { sinks: [bus] });
    const res = await h(post(envelope(bounce(), {}, { sign: false })));
    expect(res.status).toBe(503);
  });

  it('bad numeric options are ConfigErrors naming the option', () => {
    for (const [k, v] of [
      ['maxBodyBytes', -1],
      ['bodyTimeoutMs', 0],
      ['deliveryTimeoutMs', 'fast'],
      ['listenerTimeoutMs', Number.NaN],
    ] as const) {
      expect(() => createMailWebhookHandler({ [k]: v } as never), k).toThrow(ConfigError);
      expect(() => createMailWebhookHandler({ [k]: v } as never), k).toThrow(new RegExp(k));
    }
  });
});

describe('more of the SES mapping', () => {
  async function run(message: unknown) {
    const { h, events, lines } = make({ verifySignature: false });
    const res = await h(post(envelope(message, {}, { sign: false })));
    return { res, body: await res.json(), events, lines };
  }

  it('DeliveryDelay expands delayedRecipients, not mail.destination', async () => {
    const m = fixture('event-publishing-delayed-delivery') as { mail: { destination: string[] } };
    m.mail.destination = ['recipient@example.com', 'other@example.com'];
    const { events } = await run(m);
    expect(events.map((e) => e.recipient)).toEqual(['recipient@example.com']);
  });

  it('a Bounce without a timestamp falls back to mail.timestamp', async () => {
    const m = bounce() as { bounce: Record<string, unknown> };
    delete m.bounce.timestamp;
    const { events } = await run(m);
    expect(events[0]?.timestamp.toISOString()).toBe('2017-08-05T00:40:02.012Z');
  });

  it('X-Metadata JSON values that are not strings become strings', async () => {
    const m = fixture('event-publishing-send') as {
      mail: { headers: { name: string; value: string }[] };
    };
    m.mail.headers.push({ name: 'X-Metadata', value: '{"n":5,"b":true,"s":"x"}' });
    const { events } = await run(m);
    expect(events[0]?.metadata).toEqual({ n: '5', b: 'true', s: 'x' });
    for (const v of Object.values(events[0]?.metadata ?? {})) expect(typeof v).toBe('string');
  });

  it('an event per recipient is logged as an info line', async () => {
    const { events, lines } = await run(fixture('notification-bounce-no-dsn'));
    expect(events).toHaveLength(2);
    const eventLines = lines.filter(
      (l) => l.level === 'info' && JSON.stringify(l).includes('richard@example.com'),
    );
    expect(eventLines.length).toBeGreaterThanOrEqual(1);
  });

  it('a body that is not UTF-8 is a 400, never a 500', async () => {
    const { h } = make({ verifySignature: false });
    const res = await h(
      new Request('http://localhost/webhooks/mail/ses', {
        method: 'POST',
        body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
        headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'x' },
      }),
    );
    expect(res.status).toBe(400);
  });

  it('a mail.destination that is not an array of strings is a 400 naming it', async () => {
    const m = fixture('event-publishing-send') as { mail: Record<string, unknown> };
    m.mail.destination = 'recipient@example.com';
    const { res, body } = await run(m);
    expect(res.status).toBe(400);
    expect(body.message).toContain('destination');
  });
});

describe('405 and 404 details', () => {
  it('405 carries Allow', async () => {
    const { h } = make({ verifySignature: false });
    const res = await h(new Request('http://localhost/webhooks/mail/ses', { method: 'GET' }));
    expect(res.status).toBe(405);
    expect(res.headers.get('allow') ?? '').toContain('POST');
  });

  it('the 404 is JSON naming basePath and every provider path', async () => {
    const { bus } = collector();
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false }), ses({ verifySignature: false, path: 'ses-eu' })],
      logger: captureLogger().logger,
    });
    const res = await h(new Request('http://localhost/elsewhere', { method: 'POST', body: '{}' }));
    expect(res.status).toBe(404);
    const body = await res.json();
    expect(body.ok).toBe(false);
    const text = JSON.stringify(body);
    expect(text).toContain('/webhooks/mail');
    expect(text).toContain('ses-eu');
  });
});
