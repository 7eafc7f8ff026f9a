// Blind tests of DESIGN's "Request life and answers" and "Verification (SNS)".
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, createMailWebhookHandler, ses } from '../../src/index.js';
import {
  basic,
  bounce,
  CERT,
  CERT_URL,
  captureLogger,
  certFetch,
  collector,
  EVIL_CERT,
  EVIL_KEY,
  envelope,
  FIXTURES,
  make,
  NOW,
  post,
  SNS_REAL_DIRS,
  TOPIC,
} from './core-helpers.js';

describe('real AWS-signed SNS messages', () => {
  const dirs = SNS_REAL_DIRS;
  const cases: { name: string; msg: Record<string, unknown>; pem: string; url: string }[] = [];
  for (const d of dirs) {
    for (const f of readdirSync(`${FIXTURES}/sns-real/${d}`).filter((x) => x.endsWith('.json'))) {
      const msg = JSON.parse(readFileSync(`${FIXTURES}/sns-real/${d}/${f}`, 'utf8'));
      const url = (msg.SigningCertURL ?? msg.SigningCertUrl) as string;
      const pem = readFileSync(`${FIXTURES}/sns-real/${d}/${url.split('/').pop()}`, 'utf8');
      cases.push({ name: `${d}/${f}`, msg, pem, url });
    }
  }
  const handlerFor = (c: (typeof cases)[number]) => {
    const { bus, events } = collector();
    const log = captureLogger();
    const f = certFetch({ [c.url]: c.pem });
    const at = new Date(new Date(c.msg.Timestamp as string).getTime() + 1000);
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ topicArns: [c.msg.TopicArn as string] })],
      fetch: f.fetch,
      now: () => at,
      logger: log.logger,
    });
    return { h, events, lines: log.lines, calls: f.calls };
  };

  for (const c of cases) {
    it(`${c.name} verifies: 200, no events (not an SES event), a warning`, async () => {
      const { h, events, lines } = handlerFor(c);
      const res = await h(post(c.msg));
      expect(res.status, await res.clone().text()).toBe(200);
      expect(events).toHaveLength(0);
      expect(lines.some((l) => l.level === 'warn')).toBe(true);
    });

    for (const key of ['Message', 'Subject', 'Timestamp', 'MessageId']) {
      if (typeof c.msg[key] !== 'string') continue;
      it(`${c.name} with one character of ${key} changed is refused 403`, async () => {
        const { h, events } = handlerFor(c);
        const v = c.msg[key] as string;
        // change the last digit/char to another of the same class (Timestamp stays a valid instant)
        const last = v.at(-2) as string;
        const repl = /[0-9]/.test(last)
          ? String((Number(last) + 1) % 10)
          : last === 'a'
            ? 'b'
            : 'a';
        const changed = { ...c.msg, [key]: v.slice(0, -2) + repl + v.slice(-1) };
        const res = await h(post(changed));
        expect(res.status).toBe(403);
        expect((await res.json()).ok).toBe(false);
        expect(events).toHaveLength(0);
      });
    }

    it(`${c.name} with the TopicArn changed is refused`, async () => {
      const { h } = handlerFor(c);
      const res = await h(post({ ...c.msg, TopicArn: `${c.msg.TopicArn}x` }));
      expect(res.status).toBe(403);
    });

    it(`${c.name} is refused once its certificate has expired by the now clock`, async () => {
      const { bus } = collector();
      const f = certFetch({ [c.url]: c.pem });
      const h = createMailWebhookHandler({
        sinks: [bus],
        providers: [ses({ topicArns: [c.msg.TopicArn as string], maxAgeSeconds: 2_000_000_000 })],
        fetch: f.fetch,
        now: () => new Date('2035-01-01T00:00:00Z'),
        logger: captureLogger().logger,
      });
      const res = await h(post(c.msg));
      expect(res.status).toBe(403);
    });
  }

  it('with neither topicArns nor secret, a real message is refused topic-not-allowed naming the variable and topic', async () => {
    const c = cases.find((x) => x.name.includes('http-notification-with-subject'));
    if (!c) throw new Error('fixture missing');
    const { bus } = collector();
    const log = captureLogger();
    const at = new Date(new Date(c.msg.Timestamp as string).getTime() + 1000);
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses()],
      fetch: certFetch({ [c.url]: c.pem }).fetch,
      now: () => at,
      logger: log.logger,
    });
    const res = await h(post(c.msg));
    expect(res.status).toBe(403);
    const body = await res.json();
    expect(body.error).toBe('topic-not-allowed');
    expect(body.message).toContain('MAIL_WEBHOOK_SES_TOPIC_ARNS');
    expect(body.message).toContain(c.msg.TopicArn);
    await h(post(c.msg));
    // start-up warns once
    const startupWarnings = log.lines.filter(
      (l) => l.level === 'warn' && /TOPIC_ARNS|topicArns|allowAnyTopic/.test(l.message),
    );
    expect(startupWarnings.length).toBeGreaterThanOrEqual(1);
  });
});

describe('test-signed SNS messages', () => {
  it('SignatureVersion 1 and 2 both verify and deliver the SES event', async () => {
    for (const version of ['1', '2']) {
      const { h, events, calls } = make({ topicArns: [TOPIC] });
      const env = envelope(bounce(), {}, { version });
      const res = await h(post(env));
      expect(res.status, version).toBe(200);
      expect(await res.json()).toEqual({ ok: true, events: 1 });
      expect(events[0]?.eventId).toBe(env.MessageId);
      expect(calls).toEqual([CERT_URL]);
    }
  });

  it('a v1 signature presented as v2 (and v2 as v1) is refused', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const env = envelope(bounce(), {}, { version: '1' });
    expect((await h(post({ ...env, SignatureVersion: '2' }))).status).toBe(403);
  });

  it('any SignatureVersion other than 1 or 2 is refused', async () => {
    for (const v of ['3', '0', '', 'SHA256']) {
      const { h, events } = make({ topicArns: [TOPIC] });
      const res = await h(
        post(envelope(bounce(), { SignatureVersion: v }, { version: '2', sign: true })),
      );
      expect(res.status, v).toBe(403);
      expect(events).toHaveLength(0);
    }
  });

  it('a missing Signature is refused 403', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const env = envelope(bounce());
    delete env.Signature;
    expect((await h(post(env))).status).toBe(403);
  });

  it('a certificate that names no SNS host is refused', async () => {
    const f = certFetch({ [CERT_URL]: EVIL_CERT });
    const { h, events } = make({ topicArns: [TOPIC] }, { fetch: f.fetch });
    const res = await h(post(envelope(bounce(), {}, { key: EVIL_KEY })));
    expect(res.status).toBe(403);
    expect(events).toHaveLength(0);
  });

  it('a signature by another key is refused', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const res = await h(post(envelope(bounce(), {}, { key: EVIL_KEY })));
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('signature-invalid');
  });

  it('a certificate not yet valid by the now clock is refused', async () => {
    const { h } = make({ topicArns: [TOPIC] }, { now: () => new Date('2020-01-01T00:01:00Z') });
    const res = await h(post(envelope(bounce(), { Timestamp: '2020-01-01T00:00:00.000Z' })));
    expect(res.status).toBe(403);
  });

  it('a certificate past notAfter by the now clock is refused', async () => {
    const { h } = make({ topicArns: [TOPIC] }, { now: () => new Date('2040-01-01T00:01:00Z') });
    const res = await h(post(envelope(bounce(), { Timestamp: '2040-01-01T00:00:00.000Z' })));
    expect(res.status).toBe(403);
  });

  for (const [label, url] of [
    [
      'http:',
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
    [
      'a port',
      'https://sns.us-east-1.amazonaws.com:443/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
    [
      'credentials',
      'https://u:p@sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
    [
      'a query',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem?x=1',
    ],
    [
      'a fragment',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem#x',
    ],
    [
      'an S3 host',
      'https://sns.s3-ap-southeast-2.amazonaws.com/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
    [
      'a suffix host',
      'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
    [
      'a non-SNS host',
      'https://evil.example/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
    ['a short path', 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123.pem'],
    [
      'an uppercase-hex path',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789ABCDEF0123456789abcdeg.pem',
    ],
    [
      'a nested path',
      'https://sns.us-east-1.amazonaws.com/x/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem',
    ],
  ] as const) {
    it(`a certificate URL with ${label} is refused before any fetch`, async () => {
      const f = certFetch({ [url]: CERT });
      const { h } = make({ topicArns: [TOPIC] }, { fetch: f.fetch });
      const res = await h(post(envelope(bounce(), { SigningCertURL: url })));
      expect(res.status).toBe(403);
      expect(f.calls).toEqual([]);
    });
  }

  it('certificate hosts on every partition are accepted (.com.cn, .eu)', async () => {
    for (const [region, suffix, partition] of [
      ['cn-north-1', 'amazonaws.com.cn', 'aws-cn'],
      ['eusc-de-east-1', 'amazonaws.eu', 'aws-eusc'],
    ] as const) {
      const url = `https://sns.${region}.${suffix}/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem`;
      const topic = `arn:${partition}:sns:${region}:123456789012:ses-events`;
      const f = certFetch({ [url]: CERT });
      const { h, events } = make({ topicArns: [topic] }, { fetch: f.fetch });
      const res = await h(post(envelope(bounce(), { SigningCertURL: url, TopicArn: topic })));
      expect(res.status, `${region}: ${await res.clone().text()}`).toBe(200);
      expect(events).toHaveLength(1);
    }
  });

  it("the TopicArn's region must match the certificate host's", async () => {
    const topic = 'arn:aws:sns:us-west-2:123456789012:ses-events';
    const { h } = make({ topicArns: [topic] });
    const res = await h(post(envelope(bounce(), { TopicArn: topic })));
    expect(res.status).toBe(403);
  });

  it('a certificate that cannot be downloaded (network error, 5xx) is 503 and not cached', async () => {
    let mode: 'throw' | '500' | 'ok' = 'throw';
    let n = 0;
    const fetcher = (async (input: RequestInfo | URL) => {
      n++;
      if (mode === 'throw') throw new TypeError('network down');
      if (mode === '500') return new Response('oops', { status: 500 });
      void input;
      return new Response(CERT, { status: 200 });
    }) as typeof fetch;
    const { h, events } = make({ topicArns: [TOPIC] }, { fetch: fetcher });
    const r1 = await h(post(envelope(bounce())));
    expect(r1.status).toBe(503);
    mode = '500';
    const r2 = await h(post(envelope(bounce())));
    expect(r2.status).toBe(503);
    mode = 'ok';
    const r3 = await h(post(envelope(bounce())));
    expect(r3.status).toBe(200);
    expect(events).toHaveLength(1);
    expect(n).toBe(3);
  });

  it('concurrent first requests share one download; later ones use the cache', async () => {
    let n = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const fetcher = (async () => {
      n++;
      await gate;
      return new Response(CERT, { status: 200 });
    }) as unknown as typeof fetch;
    const { h, events } = make({ topicArns: [TOPIC] }, { fetch: fetcher });
    const pending = [
      h(post(envelope(bounce()))),
      h(post(envelope(bounce()))),
      h(post(envelope(bounce()))),
    ];
    await new Promise((r) => setTimeout(r, 20));
    release();
    const answers = await Promise.all(pending);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await h(post(envelope(bounce())))).status).toBe(200);
    expect(n).toBe(1);
    expect(events).toHaveLength(4);
  });

  it('message age: older than maxAgeSeconds (3900 by default) is refused, newer accepted', async () => {
    const at = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
    const { h } = make({ topicArns: [TOPIC] });
    expect((await h(post(envelope(bounce(), { Timestamp: at(3800) })))).status).toBe(200);
    expect((await h(post(envelope(bounce(), { Timestamp: at(4000) })))).status).toBe(403);
    const custom = make({ topicArns: [TOPIC], maxAgeSeconds: 60 });
    expect((await custom.h(post(envelope(bounce(), { Timestamp: at(120) })))).status).toBe(403);
  });

  it('an SNS Timestamp of 02-30 is refused, never rolled over', async () => {
    const { h } = make({ topicArns: [TOPIC] }, { now: () => new Date('2027-03-02T00:00:30Z') });
    const res = await h(post(envelope(bounce(), { Timestamp: '2027-02-30T00:00:00.000Z' })));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('topics and secrets', () => {
  it('a topic outside topicArns is refused topic-not-allowed', async () => {
    const { h, events } = make({ topicArns: ['arn:aws:sns:us-east-1:123456789012:other'] });
    const res = await h(post(envelope(bounce())));
    expect(res.status).toBe(403);
    expect((await res.json()).error).toBe('topic-not-allowed');
    expect(events).toHaveLength(0);
  });

  it('allowAnyTopic: true accepts any verified topic', async () => {
    const { h, events } = make({ allowAnyTopic: true });
    expect((await h(post(envelope(bounce())))).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('with a secret: none sent is 401 with WWW-Authenticate: Basic; wrong is 403; right is 200', async () => {
    const { h, events } = make({ secret: 's3cret-value' });
    const none = await h(post(envelope(bounce())));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate') ?? '').toMatch(/^Basic/i);
    const wrong = await h(post(envelope(bounce()), { authorization: basic('sns', 'nope') }));
    expect(wrong.status).toBe(403);
    const wrongBody = await wrong.text();
    expect(wrongBody).not.toContain('s3cret-value');
    const right = await h(
      post(envelope(bounce()), { authorization: basic('sns', 's3cret-value') }),
    );
    expect(right.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('a secret list (rotation): any one matches', async () => {
    const { h } = make({ secret: ['new-secret', 'old-secret'] });
    expect(
      (await h(post(envelope(bounce()), { authorization: basic('u', 'old-secret') }))).status,
    ).toBe(200);
    expect(
      (await h(post(envelope(bounce()), { authorization: basic('u', 'new-secret') }))).status,
    ).toBe(200);
    expect((await h(post(envelope(bounce()), { authorization: basic('u', 'other') }))).status).toBe(
      403,
    );
  });

  it('credentials are checked before the body is read', async () => {
    const { h } = make({ secret: 's3cret-value' });
    let pulled = 0;
    const body = new ReadableStream({
      pull() {
        pulled++;
        return new Promise(() => {});
      },
    });
    const req = new Request('http://localhost/webhooks/mail/ses', {
      method: 'POST',
      body,
      headers: { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'x' },
      duplex: 'half',
    } as RequestInit);
    const res = await h(req);
    expect(res.status).toBe(401);
    void pulled;
  });

  it('with verification off, the topic rule does not apply (no topicArns, no secret: accepted)', async () => {
    const { h, events } = make({ verifySignature: false });
    const res = await h(post(envelope(bounce(), {}, { sign: false })));
    expect(res.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('verification off still enforces topicArns', async () => {
    const { h } = make({ verifySignature: false, topicArns: ['arn:aws:sns:us-east-1:1:other'] });
    expect((await h(post(envelope(bounce(), {}, { sign: false })))).status).toBe(403);
  });
});

describe('envelope and header checks', () => {
  it('x-amz-sns-message-type must equal Type; x-amz-sns-message-id must equal MessageId', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const env = envelope(bounce());
    expect(
      (await h(post(env, { 'x-amz-sns-message-type': 'SubscriptionConfirmation' }))).status,
    ).toBe(403);
    expect((await h(post(env, { 'x-amz-sns-message-id': 'something-else' }))).status).toBe(403);
  });

  it('not JSON is 400', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const res = await h(
      post('this is not json', {
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': 'a',
      }),
    );
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.ok).toBe(false);
    expect(typeof body.error).toBe('string');
  });

  it('not an SNS envelope is 400', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    for (const b of ['[]', '"x"', '42', 'null', '{}']) {
      const res = await h(
        post(b, { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'a' }),
      );
      expect(res.status, b).toBe(400);
    }
  });

  it('an unknown Type is 400 naming Type', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const res = await h(post(envelope(bounce(), { Type: 'Surprise' })));
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/Type/);
  });

  it('a Message that claims a tracking type but breaks the schema is 400 after verification', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const res = await h(
      post(envelope({ eventType: 'Delivery', delivery: { recipients: ['a@example.com'] } })),
    );
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain('mail');
  });

  it('a malformed Host header or a 64 KB query never throws or answers 500', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const q = `?${'a=1&a&'.repeat(11000)}`;
    const res = await h(post(envelope(bounce()), {}, `http://localhost/webhooks/mail/ses${q}`));
    expect(res.status).toBe(200);
    const weird = new Request('http://localhost/webhooks/mail/ses', {
      method: 'POST',
      body: '{}',
      headers: { host: 'a b' },
    });
    const r2 = await h(weird);
    expect(r2.status).toBeLessThan(500);
  });
});

describe('subscription lifecycle', () => {
  const subscribeUrl = (
    over: Partial<Record<'host' | 'topic' | 'token' | 'action', string>> = {},
  ) =>
    `https://${over.host ?? 'sns.us-east-1.amazonaws.com'}/?Action=${over.action ?? 'ConfirmSubscription'}&TopicArn=${encodeURIComponent(over.topic ?? TOPIC)}&Token=${over.token ?? 'tok123'}`;
  const confirmation = (url: string, type = 'SubscriptionConfirmation') =>
    envelope(`You have chosen to subscribe to the topic ${TOPIC}.`, {
      Type: type,
      Token: 'tok123',
      SubscribeURL: url,
    });

  it('SubscriptionConfirmation without autoConfirm: 200, SubscribeURL logged, not fetched', async () => {
    const { h, calls, lines, events } = make({ topicArns: [TOPIC] });
    const url = subscribeUrl();
    const res = await h(post(confirmation(url)));
    expect(res.status).toBe(200);
    expect(calls).not.toContain(url);
    expect(events).toHaveLength(0);
    expect(JSON.stringify(lines)).toContain('ConfirmSubscription');
  });

  it('SubscriptionConfirmation with autoConfirm: the SubscribeURL is fetched', async () => {
    const { h, calls } = make({ topicArns: [TOPIC], autoConfirm: true });
    const url = subscribeUrl();
    const res = await h(post(confirmation(url)));
    expect(res.status).toBe(200);
    expect(calls).toContain(url);
  });

  it('with neither topicArns nor secret, a SubscriptionConfirmation is logged with the TopicArn to add', async () => {
    const { h, lines } = make({});
    const res = await h(post(confirmation(subscribeUrl())));
    expect(res.status).toBe(200);
    expect(JSON.stringify(lines)).toContain(TOPIC);
  });

  for (const [label, url] of [
    ['another host', subscribeUrl({ host: 'sns.us-west-2.amazonaws.com' })],
    ['an attacker host', subscribeUrl({ host: 'evil.example' })],
    ['another topic', subscribeUrl({ topic: 'arn:aws:sns:us-east-1:123456789012:other' })],
    ['another token', subscribeUrl({ token: 'other' })],
    ['another action', subscribeUrl({ action: 'Unsubscribe' })],
  ] as const) {
    it(`a SubscribeURL with ${label} is refused 403 and never fetched`, async () => {
      const { h, calls } = make({ topicArns: [TOPIC], autoConfirm: true });
      const res = await h(post(confirmation(url)));
      expect(res.status).toBe(403);
      expect(calls).not.toContain(url);
    });
  }

  it('a badly signed SubscriptionConfirmation is never confirmed', async () => {
    const { h, calls } = make({ topicArns: [TOPIC], autoConfirm: true });
    const url = subscribeUrl();
    const env = confirmation(url);
    const res = await h(post({ ...env, Token: 'tok123', Message: 'changed' }));
    expect(res.status).toBe(403);
    expect(calls).not.toContain(url);
  });

  it('an UnsubscribeConfirmation is verified and logged, never answered by re-subscribing', async () => {
    const { h, calls, lines } = make({ topicArns: [TOPIC], autoConfirm: true });
    const url = subscribeUrl();
    const res = await h(post(confirmation(url, 'UnsubscribeConfirmation')));
    expect(res.status).toBe(200);
    expect(calls).not.toContain(url);
    expect(lines.length).toBeGreaterThan(0);
    const forged = await h(post({ ...confirmation(url, 'UnsubscribeConfirmation'), Message: 'x' }));
    expect(forged.status).toBe(403);
  });

  it('autoConfirm without topicArns is a ConfigError', () => {
    expect(() => createMailWebhookHandler({ providers: [ses({ autoConfirm: true })] })).toThrow(
      ConfigError,
    );
  });
});

describe('raw delivery', () => {
  it('is refused unless allowRawDelivery is on and the secret matched', async () => {
    const raw = JSON.stringify(bounce());
    const headers = {
      'x-amz-sns-rawdelivery': 'true',
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': 'raw-1',
      'x-amz-sns-topic-arn': TOPIC,
    };
    const off = make({ topicArns: [TOPIC] });
    const r1 = await off.h(post(raw, headers));
    expect(r1.status).toBe(403);
    expect(off.events).toHaveLength(0);

    const on = make({ topicArns: [TOPIC], allowRawDelivery: true, secret: 'raw-secret' });
    const r2 = await on.h(post(raw, { ...headers, authorization: basic('sns', 'wrong') }));
    expect(r2.status).toBe(403);
    const r3 = await on.h(post(raw, { ...headers, authorization: basic('sns', 'raw-secret') }));
    expect(r3.status).toBe(200);
    expect(on.events.map((e) => [e.eventType, e.recipient])).toEqual([
      ['bounced', 'recipient@example.com'],
    ]);
  });
});

describe('refusals are logged', () => {
  it('a 404 is logged', async () => {
    const { h, lines } = make({ topicArns: [TOPIC] });
    const res = await h(post(envelope(bounce()), {}, 'http://localhost/webhooks/mail/nope'));
    expect(res.status).toBe(404);
    expect(lines.some((l) => l.level === 'warn' || l.level === 'info')).toBe(true);
  });
});
