/**
 * Every SNS verification rule, attacked through `createMailWebhookHandler` (the shared cases in
 * cases/ call the verifier itself): each forgery answers the documented status and reason,
 * delivers nothing, and is refused before any download where the rule needs none.
 */
import { describe, expect, test } from 'vitest';
import { ses } from '../../src/index.js';
import bounce from '../fixtures/ses/event-publishing-bounce.json' with { type: 'json' };
import { captureHandler } from '../helpers/capture-handler.js';
import { snsHeaders } from '../helpers/envelope.js';
import { createSigner, randomHex, type Signer, type SnsBody } from '../helpers/signing.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const MESSAGE = JSON.stringify(bounce);
const EU_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:mailhooks-test';

/** A handler allowing the signer's topic, auto-confirming, with a fetch that records every URL. */
function setup(signer: Signer) {
  const fetched: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    fetched.push(url);
    if (url === signer.certUrl) return signer.fetch(input, init);
    return new Response('<ConfirmSubscriptionResponse/>');
  }) as typeof fetch;
  // The eu-west-1 topic is allowed too: the region rule, not the allow-list, must refuse it.
  const provider = ses({ topicArns: [signer.topicArn, EU_TOPIC], autoConfirm: true });
  const { handle, events: received, lines } = captureHandler(provider, { fetch: fetchFn });
  const send = async (body: SnsBody, headers: Headers = new Headers(snsHeaders(body))) => {
    const response = await handle(
      new Request('https://hooks.example/webhooks/mail/ses', {
        method: 'POST',
        body: JSON.stringify(body),
        headers,
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const refusals = () => lines.filter((l) => l.msg === 'request refused');
  return { send, received, fetched, refusals };
}

type Build = (s: Signer) => Promise<SnsBody>;
const notification =
  (fields: SnsBody = {}): Build =>
  (s) =>
    s.sign(s.notification({ Message: MESSAGE, ...fields }));
const withField =
  (build: Build, fields: Record<string, string>): Build =>
  async (s) => ({
    ...(await build(s)),
    ...fields,
  });
const certUrl =
  (url: (s: Signer) => string): Build =>
  async (s) => ({
    ...(await s.sign(s.notification({ Message: MESSAGE }))),
    SigningCertURL: url(s),
  });
const HEX = 'a'.repeat(32);

/** [what, the forged body, reason]: each refused 403 before any download. */
const BEFORE_DOWNLOAD: readonly (readonly [string, Build, string])[] = [
  [
    'no Signature',
    async (s) => {
      const { Signature: _, ...rest } = await notification()(s);
      return rest;
    },
    'signature-missing',
  ],
  [
    'no SigningCertURL',
    async (s) => {
      const { SigningCertURL: _, ...rest } = await notification()(s);
      return rest;
    },
    'signature-missing',
  ],
  ['SignatureVersion 3', withField(notification(), { SignatureVersion: '3' }), 'signature-version'],
  [
    'SignatureVersion " 2"',
    withField(notification(), { SignatureVersion: ' 2' }),
    'signature-version',
  ],
  [
    'a Signature that is not base64',
    withField(notification(), { Signature: 'not base64!' }),
    'signature-invalid',
  ],
  [
    'a cert URL with credentials',
    certUrl((s) => s.certUrl.replace('https://', 'https://user:pw@')),
    'cert-url-credentials',
  ],
  [
    'a cert URL with a port',
    certUrl((s) => s.certUrl.replace('.com/', '.com:443/')),
    'cert-url-port',
  ],
  ['a cert URL with a fragment', certUrl((s) => `${s.certUrl}#x`), 'cert-url-fragment'],
  ['a cert URL with a query', certUrl((s) => `${s.certUrl}?x=1`), 'cert-url-query'],
  ['an http cert URL', certUrl((s) => s.certUrl.replace('https:', 'http:')), 'cert-url-scheme'],
  [
    'a cert URL on a look-alike host',
    certUrl(
      () => `https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-${HEX}.pem`,
    ),
    'cert-url-host',
  ],
  [
    'a cert URL on an upper-case host',
    certUrl(() => `https://SNS.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`),
    'cert-url-host',
  ],
  [
    'a cert URL host with a trailing dot',
    certUrl(() => `https://sns.us-east-1.amazonaws.com./SimpleNotificationService-${HEX}.pem`),
    'cert-url-host',
  ],
  [
    'a cert URL on an S3 host',
    certUrl(() => `https://s3.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}.pem`),
    'cert-url-host',
  ],
  [
    'a cert URL with another file name',
    certUrl(() => `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX}x.pem`),
    'cert-url-path',
  ],
  [
    'a cert URL with dot segments',
    certUrl(() => `https://sns.us-east-1.amazonaws.com/x/../SimpleNotificationService-${HEX}.pem`),
    'cert-url-path',
  ],
  [
    'a cert URL with an escaped path',
    certUrl(() => `https://sns.us-east-1.amazonaws.com/%53impleNotificationService-${HEX}.pem`),
    'cert-url-path',
  ],
  [
    'a topic in another region than the cert host',
    notification({ TopicArn: EU_TOPIC }),
    'topic-region-mismatch',
  ],
  [
    'a cert host of another partition than the topic',
    certUrl(() => `https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-${HEX}.pem`),
    'topic-partition-mismatch',
  ],
  [
    'a Timestamp 10 minutes ahead',
    notification({ Timestamp: new Date(Date.now() + 600_000).toISOString() }),
    'timestamp-in-future',
  ],
  [
    'a Timestamp 2 hours old',
    notification({ Timestamp: new Date(Date.now() - 7_200_000).toISOString() }),
    'message-too-old',
  ],
  [
    'a Timestamp on February 30',
    notification({ Timestamp: '2026-02-30T00:10:00.000Z' }),
    'timestamp-invalid',
  ],
  [
    'a Timestamp that is Unix seconds',
    notification({ Timestamp: String(Math.floor(Date.now() / 1000)) }),
    'timestamp-invalid',
  ],
];

describe('forgeries refused before any download', () => {
  test.each(BEFORE_DOWNLOAD.map(([what, build, reason]) => [what, reason, build] as const))(
    '%s: 403 %s',
    async (_what, reason, build) => {
      const signer = await createSigner();
      const { send, received, fetched, refusals } = setup(signer);
      const { status, body } = await send(await build(signer));
      expect({ status, error: body.error }).toEqual({ status: 403, error: reason });
      expect(received).toEqual([]);
      expect(fetched).toEqual([]);
      expect(refusals().map((l) => l.fields.reason)).toEqual([reason]);
    },
  );
});

describe('forgeries refused by the certificate or the signature', () => {
  const CASES: readonly (readonly [string, () => Promise<Signer>, Build, string])[] = [
    [
      'a certificate naming another host',
      () => createSigner({ names: ['example.com'] }),
      notification(),
      'cert-name',
    ],
    [
      "a certificate naming another region's SNS host",
      () => createSigner({ names: ['sns.eu-west-1.amazonaws.com'] }),
      notification(),
      'cert-name',
    ],
    [
      'an expired certificate',
      () =>
        createSigner({
          notBefore: new Date(Date.now() - 30 * DAY_MS),
          notAfter: new Date(Date.now() - DAY_MS),
        }),
      notification(),
      'cert-expired',
    ],
    [
      'a certificate not yet valid',
      () =>
        createSigner({
          notBefore: new Date(Date.now() + DAY_MS),
          notAfter: new Date(Date.now() + 30 * DAY_MS),
        }),
      notification(),
      'cert-not-yet-valid',
    ],
    [
      'a v2 signature relabelled SignatureVersion 1',
      () => createSigner(),
      withField(notification(), { SignatureVersion: '1' }),
      'signature-invalid',
    ],
    [
      'a Subject added after signing',
      () => createSigner(),
      withField(notification(), { Subject: 'x' }),
      'signature-invalid',
    ],
    [
      'a Message with a trailing newline added',
      () => createSigner(),
      withField(notification(), { Message: `${MESSAGE}\n` }),
      'signature-invalid',
    ],
  ];

  test.each(CASES.map(([what, make, build, reason]) => [what, reason, make, build] as const))(
    '%s: 403 %s',
    async (_what, reason, makeSigner, build) => {
      const signer = await makeSigner();
      const { send, received, fetched } = setup(signer);
      const { status, body } = await send(await build(signer));
      expect({ status, error: body.error }).toEqual({ status: 403, error: reason });
      expect(received).toEqual([]);
      expect(fetched).toEqual([signer.certUrl]);
    },
  );
});

describe('the SNS headers must repeat the body', () => {
  test('a second x-amz-sns-message-type header: 403 header-mismatch', async () => {
    const signer = await createSigner();
    const { send, received } = setup(signer);
    const body = await notification()(signer);
    const headers = new Headers(snsHeaders(body));
    headers.append('x-amz-sns-message-type', 'Notification');
    const { status, body: answer } = await send(body, headers);
    expect({ status, error: answer.error }).toEqual({ status: 403, error: 'header-mismatch' });
    expect(answer.message).toBe(
      'header x-amz-sns-message-type (Notification, Notification) does not match body Type (Notification)',
    );
    expect(received).toEqual([]);
  });

  test('another x-amz-sns-message-id, or none: 403 header-mismatch', async () => {
    const signer = await createSigner();
    const { send } = setup(signer);
    const body = await notification()(signer);
    for (const id of [crypto.randomUUID(), undefined]) {
      const headers = new Headers(snsHeaders(body));
      if (id) headers.set('x-amz-sns-message-id', id);
      else headers.delete('x-amz-sns-message-id');
      const { status, body: answer } = await send(body, headers);
      expect({ status, error: answer.error }).toEqual({ status: 403, error: 'header-mismatch' });
      const { MessageId: messageId } = body as { MessageId: string };
      expect(answer.message).toBe(
        `header x-amz-sns-message-id (${id ?? 'missing'}) does not match body MessageId (${messageId})`,
      );
    }
  });

  test('header names in any case are the same headers: 200', async () => {
    const signer = await createSigner();
    const { send, received } = setup(signer);
    const body = await notification()(signer);
    const headers = new Headers({
      'X-AMZ-SNS-MESSAGE-TYPE': 'Notification',
      'X-Amz-Sns-Message-Id': String(body.MessageId),
    });
    expect(await send(body, headers)).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(received).toHaveLength(1);
  });
});

describe("a SubscribeURL other than this topic's ConfirmSubscription on the signing host", () => {
  const token = randomHex(64);
  const url = (s: Signer, query: string, host = s.host) => `https://${host}/?${query}`;
  const own = (s: Signer) => `Action=ConfirmSubscription&TopicArn=${s.topicArn}&Token=${token}`;
  const BAD: readonly (readonly [string, (s: Signer) => string])[] = [
    ['another Action', (s) => url(s, own(s).replace('ConfirmSubscription', 'Unsubscribe'))],
    ['another TopicArn', (s) => url(s, own(s).replace(s.topicArn, `${s.topicArn}-other`))],
    ['another Token', (s) => url(s, own(s).replace(token, randomHex(64)))],
    ['a parameter twice', (s) => url(s, `${own(s)}&Action=Unsubscribe`)],
    ['an extra parameter', (s) => url(s, `${own(s)}&Endpoint=https://evil.example/`)],
    ['another SNS host', (s) => url(s, own(s), 'sns.us-west-2.amazonaws.com')],
    ['a path', (s) => `https://${s.host}/x?${own(s)}`],
    ['http', (s) => url(s, own(s)).replace('https:', 'http:')],
  ];

  test.each(BAD)(
    '%s: 403 subscribe-url-invalid, nothing fetched, never confirmed',
    async (_what, make) => {
      const signer = await createSigner();
      const { send, fetched } = setup(signer);
      const body = await signer.sign(
        signer.subscriptionConfirmation({ Token: token, SubscribeURL: make(signer) }),
      );
      const { status, body: answer } = await send(body);
      expect({ status, error: answer.error }).toEqual({
        status: 403,
        error: 'subscribe-url-invalid',
      });
      expect(fetched).toEqual([]);
    },
  );

  test('its own SubscribeURL is confirmed, after the certificate', async () => {
    const signer = await createSigner();
    const { send, fetched } = setup(signer);
    const body = await signer.sign(
      signer.subscriptionConfirmation({ Token: token, SubscribeURL: url(signer, own(signer)) }),
    );
    expect(await send(body)).toEqual({ status: 200, body: { ok: true, events: 0 } });
    expect(fetched).toEqual([signer.certUrl, body.SubscribeURL]);
  });
});
