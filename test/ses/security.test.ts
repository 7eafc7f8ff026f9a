import { describe, expect, test } from 'vitest';
import { createMailWebhookHandler as createNodeHandler } from '../../src/adapters/node.js';
import {
  createMailWebhookHandler,
  type EmailTrackingContext,
  EventBus,
  type MailWebhookOptions,
  ses,
} from '../../src/index.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { realCertificates, realMessages } from '../fixtures/sns-real/index.js';
import { memoryLogger, snsRequest, URL_SES } from '../helpers/envelope.js';
import {
  createSigner,
  generateSigningKeys,
  type Signer,
  type SnsBody,
} from '../helpers/signing.js';

/** A handler verifying signatures with the signer's certificate; records sink input and logs. */
function setup(
  signer: Signer,
  options: MailWebhookOptions = {},
  fetchFn: typeof fetch = signer.fetch,
) {
  const received: EmailTrackingContext[] = [];
  const sink = {
    name: 'test',
    send: async (events: EmailTrackingContext[]) => void received.push(...events),
  };
  const { logger, lines } = memoryLogger();
  const handle = createMailWebhookHandler({ sinks: [sink], logger, fetch: fetchFn, ...options });
  const refusals = () => lines.filter((l) => l.msg === 'request refused');
  return { handle, received, lines, refusals };
}

const post = (body: SnsBody, headers: Record<string, string> = {}) => snsRequest(body, headers);

async function answer(response: Response) {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('signed SES notifications through the handler', () => {
  test.each(['1', '2'] as const)(
    'SignatureVersion %s: verified, parsed, delivered',
    async (version) => {
      const signer = await createSigner();
      const { handle, received } = setup(signer, {
        providers: [ses({ topicArns: [signer.topicArn] })],
      });
      const body = await signer.sign(
        signer.notification({ Message: JSON.stringify(bounce) }),
        version,
      );
      expect(await answer(await handle(post(body)))).toEqual({
        status: 200,
        body: { ok: true, events: 1 },
      });
      expect(received.map((c) => [c.eventType, c.recipient, c.eventId])).toEqual([
        ['bounced', 'recipient@example.com', body.MessageId],
      ]);
      expect(signer.fetch.calls).toEqual([signer.certUrl]);
    },
  );

  test.each(realMessages)(
    'real AWS-signed $name verifies through the handler',
    async ({ json }) => {
      const message = JSON.parse(json) as SnsBody;
      const fetchFn = async (input: RequestInfo | URL) => {
        const pem = realCertificates[String(input).split('/').pop() ?? ''];
        return pem ? new Response(pem) : new Response('not found', { status: 404 });
      };
      const { logger, lines } = memoryLogger();
      const handle = createMailWebhookHandler({
        fetch: fetchFn as typeof fetch,
        now: () => new Date(message.Timestamp as string),
        logger,
        sinks: [new EventBus()],
        providers: [ses({ topicArns: [message.TopicArn as string] })],
      });
      const request = new Request(URL_SES, {
        method: 'POST',
        body: json,
        headers: {
          'x-amz-sns-message-type': message.Type as string,
          'x-amz-sns-message-id': message.MessageId as string,
        },
      });
      // Verified; their Messages are plain text, not SES events: a 200 with a warning.
      expect(await answer(await handle(request))).toEqual({
        status: 200,
        body: { ok: true, events: 0 },
      });
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
        'notification is not an SES tracking event; nothing to deliver',
      ]);
    },
  );
});

describe('each refusal: a 403 naming the rule, one log line, nothing fetched', () => {
  const attacks: [string, (s: Signer) => Promise<SnsBody>, string][] = [
    [
      'a certificate URL on an S3 bucket host',
      async (s) => ({
        ...(await s.sign(s.notification())),
        SigningCertURL: `https://sns.s3-ap-southeast-2.amazonaws.com/SimpleNotificationService-${'a'.repeat(32)}.pem`,
      }),
      'cert-url-host',
    ],
    [
      'a look-alike host',
      async (s) => ({
        ...(await s.sign(s.notification())),
        SigningCertURL: s.certUrl.replace('amazonaws.com', 'amazonaws.com.evil.example'),
      }),
      'cert-url-host',
    ],
    [
      'an http certificate URL',
      async (s) => ({
        ...(await s.sign(s.notification())),
        SigningCertURL: s.certUrl.replace('https:', 'http:'),
      }),
      'cert-url-scheme',
    ],
    [
      'a query that makes the URL end in .pem',
      async (s) => ({
        ...(await s.sign(s.notification())),
        SigningCertURL: `${s.certUrl.replace('.pem', '')}?x=.pem`,
      }),
      'cert-url-query',
    ],
    [
      'SignatureVersion 3',
      async (s) => ({ ...(await s.sign(s.notification())), SignatureVersion: '3' }),
      'signature-version',
    ],
    [
      'a stale Timestamp',
      async (s) =>
        s.sign(s.notification({ Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() })),
      'message-too-old',
    ],
    [
      'a topic in another region than the certificate host',
      async (s) => s.sign(s.notification({ TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t' })),
      'topic-region-mismatch',
    ],
    [
      'a SubscribeURL on another host',
      async (s) =>
        s.sign(
          s.subscriptionConfirmation({
            SubscribeURL: 'https://evil.example/?Action=ConfirmSubscription',
          }),
        ),
      'subscribe-url-invalid',
    ],
    [
      'a certificate path with more after .pem',
      async (s) => ({ ...(await s.sign(s.notification())), SigningCertURL: `${s.certUrl}.txt` }),
      'cert-url-path',
    ],
    [
      'a certificate path with a slash after .pem',
      async (s) => ({ ...(await s.sign(s.notification())), SigningCertURL: `${s.certUrl}/` }),
      'cert-url-path',
    ],
    [
      'a TopicArn with more after the topic name',
      async (s) => s.sign(s.notification({ TopicArn: `${s.topicArn}:more` })),
      'topic-arn-invalid',
    ],
    [
      // SNS writes ...Z; a time without its zone is no instant, however fresh it looks.
      'a Timestamp with no time zone',
      async (s) => s.sign(s.notification({ Timestamp: new Date().toISOString().slice(0, -1) })),
      'timestamp-invalid',
    ],
    [
      'a Timestamp with a spaced numeric zone',
      async (s) =>
        s.sign(s.notification({ Timestamp: `${new Date().toISOString().slice(0, 19)} +0000` })),
      'timestamp-invalid',
    ],
  ];

  // Any topic allowed: verification alone has to refuse each of these.
  const anyTopic = { providers: [ses({ allowAnyTopic: true })] };

  test.each(attacks)('%s', async (_name, build, reason) => {
    const signer = await createSigner();
    const { handle, received, refusals } = setup(signer, anyTopic);
    const response = await handle(post(await build(signer)));
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { ok: false, error: reason },
    });
    expect(refusals().map((l) => l.fields.reason)).toEqual([reason]);
    expect(signer.fetch.calls).toEqual([]);
    expect(received).toEqual([]);
  });

  test('a Message changed after signing: signature-invalid', async () => {
    const signer = await createSigner();
    const { handle, received } = setup(signer, anyTopic);
    const signed = await signer.sign(signer.notification({ Message: JSON.stringify(bounce) }));
    const forged = {
      ...signed,
      Message: String(signed.Message).replace('recipient@example.com', 'victim@example.com'),
    };
    expect(await answer(await handle(post(forged)))).toMatchObject({
      status: 403,
      body: { error: 'signature-invalid' },
    });
    expect(received).toEqual([]);
  });

  test('a certificate with a 1024-bit RSA key: 403 cert-invalid, on the Node fast path too', async () => {
    const keys = await generateSigningKeys(1024);
    const signer = await createSigner({ keys });
    const body = await signer.sign(signer.notification({ Message: JSON.stringify(bounce) }));
    const options = { providers: [ses({ topicArns: [signer.topicArn] })], fetch: signer.fetch };
    for (const handle of [setup(signer, options).handle, createNodeHandler(options)]) {
      expect(await answer(await handle(post(body)))).toMatchObject({
        status: 403,
        body: { error: 'cert-invalid', message: expect.stringContaining('2048 bits or more') },
      });
    }
  });

  test('a topic outside the allow-list is refused before any download', async () => {
    const signer = await createSigner();
    const { handle } = setup(signer, {
      providers: [ses({ topicArns: ['arn:aws:sns:us-east-1:123456789012:other'] })],
    });
    const response = await handle(post(await signer.sign(signer.notification())));
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { error: 'topic-not-allowed' },
    });
    expect(signer.fetch.calls).toEqual([]);
  });

  test('a topic whose name only starts with an allowed one is refused before any download', async () => {
    const signer = await createSigner();
    const { handle, received } = setup(signer, {
      providers: [ses({ topicArns: [signer.topicArn] })],
    });
    const body = await signer.sign(signer.notification({ TopicArn: `${signer.topicArn}-staging` }));
    expect(await answer(await handle(post(body)))).toMatchObject({
      status: 403,
      body: { error: 'topic-not-allowed' },
    });
    expect(signer.fetch.calls).toEqual([]);
    expect(received).toEqual([]);
  });
});

describe('certificate downloads', () => {
  const allowed = (signer: Signer) => ({ providers: [ses({ topicArns: [signer.topicArn] })] });

  test('50 concurrent cold requests share one download', async () => {
    const signer = await createSigner();
    const { handle } = setup(signer, allowed(signer));
    const bodies = await Promise.all(
      Array.from({ length: 50 }, () => signer.sign(signer.notification())),
    );
    const statuses = await Promise.all(bodies.map(async (b) => (await handle(post(b))).status));
    expect(statuses).toEqual(Array(50).fill(200));
    expect(signer.fetch.calls).toHaveLength(1);
  });

  test('a certificate host answering 503: 503 so SNS retries, then success after recovery', async () => {
    const signer = await createSigner();
    const { handle } = setup(signer, allowed(signer));
    signer.fetch.outage = 503;
    const body = await signer.sign(signer.notification());
    expect(await answer(await handle(post(body)))).toMatchObject({
      status: 503,
      body: { error: 'cert-unavailable' },
    });
    signer.fetch.outage = undefined;
    expect((await handle(post(body))).status).toBe(200);
    expect(signer.fetch.calls).toHaveLength(2);
  });

  test('a certificate URL answering a redirect is not followed: 403 cert-invalid, the target never asked', async () => {
    // Someone else's key and certificate (naming sns.amazonaws.com), served where the redirect
    // points, and in the redirect's own body: neither may be taken for the SNS certificate.
    const signer = await createSigner({ keys: await generateSigningKeys() });
    const target = 'https://certificates.attacker.example/sns.pem';
    const asked: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      asked.push(url);
      // As fetch does: `manual` hands back the 3xx itself, anything else follows it.
      if (url === signer.certUrl && init?.redirect === 'manual') {
        return new Response(signer.certPem, { status: 302, headers: { location: target } });
      }
      asked.push(target);
      return new Response(signer.certPem);
    }) as typeof fetch;
    const { handle, received } = setup(
      signer,
      { providers: [ses({ topicArns: [signer.topicArn] })] },
      fetchFn,
    );
    const body = await signer.sign(signer.notification({ Message: JSON.stringify(bounce) }));
    expect(await answer(await handle(post(body)))).toMatchObject({
      status: 403,
      body: { error: 'cert-invalid' },
    });
    expect(asked).toEqual([signer.certUrl]);
    expect(received).toEqual([]);
  });
});

test("a download that throws: 503, and the runtime's error text (a proxy's password) only in the log", async () => {
  const signer = await createSigner();
  const leaky: typeof fetch = async () => {
    throw new Error('connect ECONNREFUSED via proxy http://egress:Pr0xyPw@proxy.corp:3128');
  };
  const { handle, refusals } = setup(
    signer,
    { providers: [ses({ topicArns: [signer.topicArn] })] },
    leaky,
  );
  const response = await handle(post(await signer.sign(signer.notification())));
  const text = await response.text();
  expect(response.status).toBe(503);
  expect(JSON.parse(text).error).toBe('cert-unavailable');
  expect(text).not.toContain('Pr0xyPw');
  expect(text).not.toContain('proxy.corp');
  expect(String(refusals()[0]?.fields.problem)).toContain('ECONNREFUSED');
});

describe('subscription life cycle', () => {
  /**
   * A handler whose fetch serves a fresh signer's certificate and answers the SubscribeURL with
   * `status`; `confirmed` lists the confirmations it was asked for.
   */
  async function withSns(status: number, autoConfirm: boolean, answer?: () => BodyInit) {
    const signer = await createSigner();
    const confirmed: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('Action=ConfirmSubscription')) {
        confirmed.push(url);
        return new Response(answer?.() ?? '<ConfirmSubscriptionResponse/>', { status });
      }
      return signer.fetch(input, init);
    }) as typeof fetch;
    const options = autoConfirm ? { autoConfirm, topicArns: [signer.topicArn] } : {};
    return { signer, confirmed, ...setup(signer, { providers: [ses(options)] }, fetchFn) };
  }

  test('autoConfirm GETs the SubscribeURL once the message verified', async () => {
    const { signer, handle, confirmed } = await withSns(200, true);
    const body = await signer.sign(signer.subscriptionConfirmation());
    expect((await handle(post(body))).status).toBe(200);
    expect(confirmed).toEqual([body.SubscribeURL]);
  });

  test('a SubscribeURL with no "/" before its query (https://sns.<region>.amazonaws.com?Action=...) is the same URL: confirmed', async () => {
    const { signer, handle, confirmed } = await withSns(200, true);
    const unsigned = signer.subscriptionConfirmation();
    const slashless = (unsigned.SubscribeURL ?? '').replace('.com/?', '.com?');
    const body = await signer.sign({ ...unsigned, SubscribeURL: slashless });
    expect(await answer(await handle(post(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 0 },
    });
    expect(confirmed).toEqual([slashless]);
  });

  test('a forged SubscriptionConfirmation is never confirmed', async () => {
    const { signer, handle, confirmed } = await withSns(200, true);
    const signed = await signer.sign(signer.subscriptionConfirmation());
    const forged = {
      ...signed,
      Token: `${signed.Token}0`,
      SubscribeURL: `${signed.SubscribeURL}0`,
    };
    expect((await handle(post(forged))).status).toBe(403);
    expect(confirmed).toEqual([]);
  });

  test('autoConfirm never confirms a genuine SubscriptionConfirmation from a topic not allowed', async () => {
    const signer = await createSigner();
    const confirmed: string[] = [];
    const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('Action=ConfirmSubscription')) confirmed.push(url);
      return signer.fetch(input, init);
    }) as typeof fetch;
    const other = signer.topicArn.replace(/:[^:]+$/, ':someone-elses-topic');
    const { handle } = setup(
      signer,
      { providers: [ses({ autoConfirm: true, topicArns: [other] })] },
      fetchFn,
    );
    const response = await handle(post(await signer.sign(signer.subscriptionConfirmation())));
    expect(await answer(response)).toMatchObject({
      status: 403,
      body: { error: 'topic-not-allowed' },
    });
    expect(confirmed).toEqual([]);
  });

  test('SNS failing the confirmation: 503 so SNS sends it again', async () => {
    const { signer, handle } = await withSns(500, true);
    const response = await handle(post(await signer.sign(signer.subscriptionConfirmation())));
    expect(await answer(response)).toMatchObject({
      status: 503,
      body: { error: 'confirm-failed' },
    });
  });

  test('an endless confirmation answer is read no further than 64 KiB, then 503', async () => {
    let sent = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          sent += 16_384;
          controller.enqueue(new Uint8Array(16_384).fill(0x61));
        },
      });
    const { signer, handle } = await withSns(200, true, endless);
    const response = await handle(post(await signer.sign(signer.subscriptionConfirmation())));
    expect(await answer(response)).toMatchObject({
      status: 503,
      body: { error: 'confirm-failed' },
    });
    // A chunk or two of read-ahead past the limit, never the endless rest.
    expect(sent).toBeLessThan(200_000);
  });

  test('without autoConfirm the SubscribeURL is only logged', async () => {
    const { signer, handle, confirmed, lines } = await withSns(200, false);
    const body = await signer.sign(signer.subscriptionConfirmation());
    expect((await handle(post(body))).status).toBe(200);
    expect(confirmed).toEqual([]);
    expect(lines.some((l) => l.fields.subscribeUrl === body.SubscribeURL)).toBe(true);
  });

  test('a verified UnsubscribeConfirmation is logged and never re-subscribes', async () => {
    const { signer, handle, confirmed, lines } = await withSns(200, true);
    expect((await handle(post(await signer.sign(signer.unsubscribeConfirmation())))).status).toBe(
      200,
    );
    expect(confirmed).toEqual([]);
    expect(lines.some((l) => l.msg.includes('unsubscribe'))).toBe(true);
  });
});
