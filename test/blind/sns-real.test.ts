// Real SNS-signed messages (fixtures/sns-real) through the public handler: DESIGN "Verification (SNS)".
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { createMailWebhookHandler, ses } from '../../src/index.js';
import {
  bodyText,
  certFetch,
  collector,
  json,
  must,
  recordingLogger,
  refusal,
  snsRequest,
} from './helpers.js';

const DIR = new URL('../fixtures/sns-real/', import.meta.url);

interface Real {
  name: string;
  raw: string;
  env: Record<string, any>;
  certs: Record<string, string>;
}

function load(folder: string, file: string): Real {
  const raw = readFileSync(new URL(`${folder}/${file}`, DIR), 'utf8');
  const env = JSON.parse(raw);
  const certs: Record<string, string> = {};
  for (const pem of readdirSync(new URL(`${folder}/`, DIR)).filter((f) => f.endsWith('.pem'))) {
    certs[`https://${/sns\.[a-z0-9-]+\.amazonaws\.com/.exec(env.SigningCertURL)?.[0]}/${pem}`] =
      readFileSync(new URL(`${folder}/${pem}`, DIR), 'utf8');
  }
  return { name: `${folder}/${file}`, raw, env, certs };
}

// HTTP-shaped messages (what an SNS HTTP subscription POSTs).
const REAL = [
  load('aws-sdk-js-v3', 'http-notification-no-subject.json'),
  load('aws-sdk-js-v3', 'http-notification-with-subject.json'),
  load('perl-aws-sns-verify', 'notification-2015-with-subject-and-attributes.json'),
  load('perl-aws-sns-verify', 'notification-2019-no-subject.json'),
  load('perl-aws-sns-verify', 'notification-2019-unicode-emoji.json'),
];

function handlerFor(
  real: Real,
  extra: { now?: Date; maxAgeSeconds?: number; fetch?: typeof fetch; topicArn?: string } = {},
) {
  const logger = recordingLogger();
  const sink = collector();
  const f = (extra.fetch as any) ?? certFetch(real.certs);
  const at = extra.now ?? new Date(Date.parse(real.env.Timestamp) + 60_000);
  const handler = createMailWebhookHandler({
    providers: [
      ses({
        // A second topic allowed on request: a changed TopicArn must meet the signature check.
        topicArns: [real.env.TopicArn, ...(extra.topicArn ? [extra.topicArn] : [])],
        ...(extra.maxAgeSeconds !== undefined ? { maxAgeSeconds: extra.maxAgeSeconds } : {}),
      }),
    ],
    sinks: [sink],
    fetch: f,
    now: () => at,
    logger,
  });
  return { handler, logger, sink, fetch: f };
}

describe('real SNS signatures', () => {
  test.each(REAL.map((r) => [r.name, r] as const))(
    '%s verifies: 200, no events (its Message is not an SES event), logged as a warning',
    async (_name, real) => {
      const { handler, logger, sink } = handlerFor(real);
      const res = await handler(snsRequest(real.raw));
      expect(res.status).toBe(200);
      expect(await json(res)).toMatchObject({ ok: true, events: 0 });
      expect(sink.events).toHaveLength(0);
      expect(logger.lines.some((l) => l.level === 'warn')).toBe(true);
    },
  );

  test('one changed character of Message, Subject, Timestamp, TopicArn or MessageId is refused 403', async () => {
    const real = must(REAL[1]); // has a Subject
    for (const field of ['Message', 'Subject', 'Timestamp', 'TopicArn', 'MessageId']) {
      const env = { ...real.env };
      const value: string = env[field];
      // Change a character that keeps the value well-formed (a digit or a letter).
      const i = field === 'Timestamp' ? value.length - 2 : value.length - 1;
      const c = must(value[i]);
      const swapped = /[0-8]/.test(c)
        ? String(Number(c) + 1)
        : c === '9'
          ? '8'
          : c === 'X'
            ? 'Y'
            : 'X';
      env[field] = value.slice(0, i) + swapped + value.slice(i + 1);
      const { handler, sink } = handlerFor(real, { topicArn: env.TopicArn });
      const res = await handler(snsRequest(env));
      expect(await refusal(res), field).toEqual({ status: 403, error: 'signature-invalid' });
      expect(sink.events).toHaveLength(0);
    }
  });

  test('a certificate past its notAfter by the now clock is refused 403', async () => {
    const real = must(REAL.find((r) => r.name.endsWith('2019-no-subject.json')));
    // The 2019 certificate's notAfter is 2020-01-23T12:00:00Z.
    const ok = handlerFor(real, {
      now: new Date('2020-01-23T11:00:00Z'),
      maxAgeSeconds: 10_000_000,
    });
    expect((await ok.handler(snsRequest(real.raw))).status).toBe(200);
    const late = handlerFor(real, {
      now: new Date('2020-01-24T00:00:00Z'),
      maxAgeSeconds: 10_000_000,
    });
    const res = await late.handler(snsRequest(real.raw));
    expect(await refusal(res)).toEqual({ status: 403, error: 'cert-expired' });
  });

  test('a message older than maxAgeSeconds (default 3900) is refused 403', async () => {
    const real = must(REAL[0]);
    const t = Date.parse(real.env.Timestamp);
    const fresh = handlerFor(real, { now: new Date(t + 3800_000) });
    expect((await fresh.handler(snsRequest(real.raw))).status).toBe(200);
    const stale = handlerFor(real, { now: new Date(t + 3901_000) });
    expect(await refusal(await stale.handler(snsRequest(real.raw)))).toEqual({
      status: 403,
      error: 'message-too-old',
    });
  });

  test('header x-amz-sns-message-type must equal the body Type; message-id the MessageId', async () => {
    const real = must(REAL[0]);
    const { handler } = handlerFor(real);
    const typeMismatch = await handler(
      snsRequest(real.raw, { headers: { 'x-amz-sns-message-type': 'SubscriptionConfirmation' } }),
    );
    expect(await refusal(typeMismatch)).toEqual({ status: 403, error: 'header-mismatch' });
    const idMismatch = await handler(
      snsRequest(real.raw, { headers: { 'x-amz-sns-message-id': 'something-else' } }),
    );
    expect(await refusal(idMismatch)).toEqual({ status: 403, error: 'header-mismatch' });
  });

  test('a topic that is not allow-listed is refused 403 topic-not-allowed', async () => {
    const real = must(REAL[0]);
    const handler = createMailWebhookHandler({
      providers: [ses({ topicArns: ['arn:aws:sns:us-west-2:604091128280:other'] })],
      sinks: [collector()],
      fetch: certFetch(real.certs),
      now: () => new Date(Date.parse(real.env.Timestamp) + 1000),
      logger: recordingLogger(),
    });
    const res = await handler(snsRequest(real.raw));
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('topic-not-allowed');
  });

  test('neither topicArns nor secret: 403 topic-not-allowed naming MAIL_WEBHOOK_SES_TOPIC_ARNS and the TopicArn', async () => {
    const real = must(REAL[0]);
    const handler = createMailWebhookHandler({
      providers: [ses()],
      sinks: [collector()],
      fetch: certFetch(real.certs),
      now: () => new Date(Date.parse(real.env.Timestamp) + 1000),
      logger: recordingLogger(),
    });
    const res = await handler(snsRequest(real.raw));
    expect(res.status).toBe(403);
    const text = await bodyText(res);
    expect(JSON.parse(text).error).toBe('topic-not-allowed');
    expect(text).toContain('MAIL_WEBHOOK_SES_TOPIC_ARNS');
    expect(text).toContain(real.env.TopicArn);
  });

  test('allowAnyTopic: true accepts any verified topic', async () => {
    const real = must(REAL[0]);
    const handler = createMailWebhookHandler({
      providers: [ses({ allowAnyTopic: true })],
      sinks: [collector()],
      fetch: certFetch(real.certs),
      now: () => new Date(Date.parse(real.env.Timestamp) + 1000),
      logger: recordingLogger(),
    });
    expect((await handler(snsRequest(real.raw))).status).toBe(200);
  });

  test('the certificate is downloaded once per URL for a handler, concurrent first requests included', async () => {
    const real = must(REAL[3]);
    const sibling = must(REAL[4]); // same certificate URL
    expect(sibling.env.SigningCertURL).toBe(real.env.SigningCertURL);
    const { handler, fetch } = handlerFor(real, {
      now: new Date('2019-11-20T19:15:00Z'),
    });
    const answers = await Promise.all([
      handler(snsRequest(real.raw)),
      handler(snsRequest(sibling.raw)),
      handler(snsRequest(real.raw)),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(await handler(snsRequest(sibling.raw)).then((r) => r.status)).toBe(200);
    expect((fetch as any).calls).toHaveLength(1);
  });

  test('a certificate that cannot be downloaded (5xx, network error) is 503, and not cached', async () => {
    const real = must(REAL[0]);
    let mode: 'error' | '5xx' | 'ok' = '5xx';
    let calls = 0;
    const flaky = (async (input: RequestInfo | URL) => {
      calls++;
      if (mode === '5xx') return new Response('busy', { status: 503 });
      if (mode === 'error') throw new TypeError('network down');
      return certFetch(real.certs)(input);
    }) as typeof fetch;
    const { handler } = handlerFor(real, { fetch: flaky });
    const unavailable = { status: 503, error: 'cert-unavailable' };
    expect(await refusal(await handler(snsRequest(real.raw)))).toEqual(unavailable);
    mode = 'error';
    expect(await refusal(await handler(snsRequest(real.raw)))).toEqual(unavailable);
    mode = 'ok';
    expect((await handler(snsRequest(real.raw))).status).toBe(200);
    expect(calls).toBe(3);
  });

  test('a certificate URL with another scheme, host, port, query, credentials or path is refused 403 before any fetch', async () => {
    const name = 'SimpleNotificationService-b95095beb82e8f6a046b3aafc7f4149a.pem';
    const urls = [
      [`http://sns.us-west-2.amazonaws.com/${name}`, 'cert-url-scheme'],
      [`https://sns.us-west-2.amazonaws.com.evil.example/${name}`, 'cert-url-host'],
      [`https://sns.us-west-2.amazonaws.com:8443/${name}`, 'cert-url-port'],
      [`https://sns.us-west-2.amazonaws.com/${name}?x=1`, 'cert-url-query'],
      [`https://u:p@sns.us-west-2.amazonaws.com/${name}`, 'cert-url-credentials'],
      [`https://sns.us-west-2.amazonaws.com/certs/${name}`, 'cert-url-path'],
      [
        'https://sns.us-west-2.amazonaws.com/SimpleNotificationService-b95095be.pem',
        'cert-url-path',
      ],
    ];
    const real = must(REAL[0]);
    for (const [url, reason] of urls) {
      const { handler, fetch } = handlerFor(real);
      const res = await handler(snsRequest({ ...real.env, SigningCertURL: url }));
      expect(await refusal(res), url).toEqual({ status: 403, error: reason });
      expect((fetch as any).calls, url).toHaveLength(0);
    }
  });
});

describe('real SNS signatures: edge cases', () => {
  test('"Subject": null counts as absent in the string to sign', async () => {
    const real = must(REAL[0]); // no Subject
    const { handler } = handlerFor(real);
    const res = await handler(snsRequest({ ...real.env, Subject: null }));
    expect(res.status).toBe(200);
  });

  test('a request without the x-amz-sns-message-type header is refused, never 2xx', async () => {
    const real = must(REAL[0]);
    const { handler, sink } = handlerFor(real);
    const req = new Request('https://hooks.example.com/webhooks/mail/ses', {
      method: 'POST',
      body: real.raw,
    });
    const res = await handler(req);
    expect(await refusal(res)).toEqual({ status: 403, error: 'header-mismatch' });
    expect(sink.events).toHaveLength(0);
  });
});
