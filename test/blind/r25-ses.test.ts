/** Blind round 25, from DESIGN only: SES over SNS verification, the answers, and the normalized SES event. */
import { createSign, KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createHandlerFromEnv } from '../../src/env/index.js';
import {
  ConfigError,
  createMailWebhookHandler,
  type MailWebhookOptions,
  ses,
} from '../../src/index.js';
import { realCertificates, realMessages } from '../fixtures/sns-real/index.js';
import { basic as basicHeader } from '../helpers/provider-harness.js';
import {
  buildCertificate,
  type CertificateOptions,
  generateSigningKeys,
  snsStringToSign,
  toPem,
} from '../helpers/signing.js';
import { collector, fixtureJson, recordingLogger } from './helpers.js';

type SesOptions = NonNullable<Parameters<typeof ses>[0]>;

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:ses-events';
const NOW = new Date('2024-05-01T12:00:00.000Z');
const HEX = (n: number) => n.toString(16).padStart(32, '0');
const certUrl = (n = 1, host = 'sns.us-east-1.amazonaws.com') =>
  `https://${host}/SimpleNotificationService-${HEX(n)}.pem`;

const KEYS = await generateSigningKeys();
const OTHER_KEYS = await generateSigningKeys();
const KEY = KeyObject.from(KEYS.privateKey);
const OTHER_KEY = KeyObject.from(OTHER_KEYS.privateKey);
/** A PEM certificate for KEYS, valid through 2024 unless told. */
const makeCert = async (o: CertificateOptions) =>
  toPem(
    await buildCertificate(KEYS, {
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
      ...o,
    }),
  );
const GOOD_PEM = await makeCert({ names: ['sns.amazonaws.com'] });

// --- SNS messages, signed with node:crypto over test/helpers' string to sign ---
type Msg = Record<string, string | undefined>;
const defined = (m: Msg) =>
  Object.fromEntries(Object.entries(m).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
function signMsg(m: Msg, opts: { algo?: string; key?: KeyObject } = {}): Msg {
  const s = createSign(opts.algo ?? (m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1'));
  s.update(snsStringToSign(defined(m)), 'utf8');
  return { ...m, Signature: s.sign(opts.key ?? KEY, 'base64') };
}
let idCounter = 0;
const nextId = (prefix: string) =>
  `${prefix}-0000-4000-8000-${String(++idCounter).padStart(12, '0')}`;
function notification(
  message: unknown,
  over: Msg = {},
  signOpts?: { algo?: string; key?: KeyObject },
): Msg {
  const m: Msg = {
    Type: 'Notification',
    MessageId: nextId('00000000'),
    TopicArn: TOPIC,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: NOW.toISOString(),
    SignatureVersion: '1',
    SigningCertURL: certUrl(1),
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:x`,
    ...over,
  };
  return signMsg(m, signOpts);
}
const TOKEN = 'token-2336412f37fb687f5d51e6e2425c464de12884a3';
const confirmUrl = (topic = TOPIC, host = 'sns.us-east-1.amazonaws.com') =>
  `https://${host}/?Action=ConfirmSubscription&TopicArn=${topic}&Token=${TOKEN}`;
function confirmation(type = 'SubscriptionConfirmation', over: Msg = {}): Msg {
  return signMsg({
    Type: type,
    MessageId: nextId('11111111'),
    Token: TOKEN,
    TopicArn: TOPIC,
    Message: `You have chosen to subscribe to the topic ${TOPIC}.`,
    SubscribeURL: confirmUrl(),
    Timestamp: NOW.toISOString(),
    SignatureVersion: '1',
    SigningCertURL: certUrl(1),
    ...over,
  });
}

// --- the handler under test, with its sink, logger and fetch recorded ---
interface HarnessOptions {
  ses?: SesOptions;
  certs?: Record<string, string>;
  fetch?: (url: string) => Promise<Response>;
  now?: Date | (() => Date);
  sinkFails?: boolean;
  extra?: Partial<MailWebhookOptions>;
}
function harness(o: HarnessOptions = {}) {
  const sink = collector();
  const logger = recordingLogger();
  const fetched: string[] = [];
  const certs = o.certs ?? { [certUrl(1)]: GOOD_PEM };
  const handle = createMailWebhookHandler({
    providers: [ses(o.ses ?? { topicArns: [TOPIC] })],
    sinks: [
      o.sinkFails
        ? {
            name: 'test',
            send: async () => {
              throw new Error('sink down');
            },
          }
        : sink,
    ],
    fetch: (async (input: RequestInfo | URL) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      fetched.push(url);
      if (o.fetch) return o.fetch(url);
      const pem = certs[url];
      if (pem) return new Response(pem);
      if (url.includes('Action=ConfirmSubscription'))
        return new Response('<ConfirmSubscriptionResponse/>');
      return new Response('not found', { status: 404 });
    }) as typeof fetch,
    now: typeof o.now === 'function' ? o.now : () => (o.now as Date | undefined) ?? NOW,
    logger,
    ...o.extra,
  });
  /** POSTs `body` (an object gets the SNS headers from its Type and MessageId). */
  const post = (
    body: Msg | string,
    headers: Record<string, string> = {},
    path = '/webhooks/mail/ses',
  ) => {
    const auto: Record<string, string> = {};
    if (typeof body !== 'string') {
      if (body.Type !== undefined) auto['x-amz-sns-message-type'] = body.Type;
      if (body.MessageId !== undefined) auto['x-amz-sns-message-id'] = body.MessageId;
    }
    return handle(
      new Request(`https://hooks.example${path}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=UTF-8', ...auto, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  };
  return { post, events: sink.events, fetched, logs: logger.lines, log: logger.all };
}
/** The answer's status and JSON `error` reason. */
const answer = async (res: Response) => {
  const body = (await res.json()) as {
    error?: string;
    message?: string;
    ok: boolean;
    events?: number;
  };
  return { status: res.status, error: body.error, message: body.message ?? '', body };
};
const basic = (user: string, pass: string) => ({ authorization: basicHeader(user, pass) });
const sesFixture = (name: string) => fixtureJson(`ses/${name}`);
const anymail = (name: string) => fixtureJson(`esps/amazon_ses_sns/${name}`);

const SEND = sesFixture('event-publishing-send.json');
const BOUNCE = sesFixture('event-publishing-bounce.json');
const realCertFor = (url: string) => ({
  [url]: realCertificates[url.slice(url.lastIndexOf('/') + 1)] as string,
});

describe('SNS signatures: the real AWS-signed messages', () => {
  for (const fixture of realMessages) {
    it(`accepts ${fixture.name} at its own Timestamp: 200, no events, a warning (not an SES event)`, async () => {
      const msg = JSON.parse(fixture.json) as Msg;
      const url = (msg.SigningCertURL ?? msg.SigningCertUrl) as string;
      const h = harness({
        ses: { allowAnyTopic: true },
        certs: realCertFor(url),
        now: new Date(msg.Timestamp as string),
      });
      const res = await h.post(fixture.json, {
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': msg.MessageId as string,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true, events: 0 });
      expect(
        h.logs.some((l) => l.level === 'warn' && l.text.includes('not an SES tracking event')),
      ).toBe(true);
    });
  }

  const base = JSON.parse(
    realMessages.find((m) => m.name.endsWith('http-notification-with-subject.json'))?.json ?? '{}',
  ) as Msg;
  for (const field of ['Message', 'Subject', 'Timestamp', 'TopicArn', 'MessageId']) {
    it(`refuses the real message 403 signature-invalid once one character of ${field} changed`, async () => {
      const v = base[field] as string;
      // A late character: the Timestamp stays fresh and the ARN keeps its region.
      const i = v.length - 2;
      const msg = { ...base, [field]: v.slice(0, i) + (v[i] === '1' ? '2' : '1') + v.slice(i + 1) };
      const h = harness({
        ses: { allowAnyTopic: true },
        certs: realCertFor(base.SigningCertURL as string),
        now: new Date('2017-06-20T00:16:00Z'),
      });
      expect((await answer(await h.post(msg))).error).toBe('signature-invalid');
    });
  }

  it('refuses the real message at today’s date: its certificate has expired (403 cert-expired)', async () => {
    const h = harness({
      ses: { allowAnyTopic: true, maxAgeSeconds: 0 },
      certs: realCertFor(base.SigningCertURL as string),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(await answer(await h.post(base))).toMatchObject({ status: 403, error: 'cert-expired' });
  });
});

describe('SNS signatures: versions and headers', () => {
  it('accepts SignatureVersion 1 (SHA-1) and delivers the event: 200 { ok, events: 1 }', async () => {
    const h = harness();
    const res = await h.post(notification(BOUNCE));
    expect(await res.json()).toEqual({ ok: true, events: 1 });
    expect(h.events).toHaveLength(1);
  });

  it('accepts SignatureVersion 2 (SHA-256)', async () => {
    const h = harness();
    expect((await h.post(notification(BOUNCE, { SignatureVersion: '2' }))).status).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it('refuses version 2 signed with SHA-1 and version 1 signed with SHA-256 (403 signature-invalid)', async () => {
    const h = harness();
    const v2sha1 = await answer(
      await h.post(notification(BOUNCE, { SignatureVersion: '2' }, { algo: 'RSA-SHA1' })),
    );
    const v1sha256 = await answer(
      await h.post(notification(BOUNCE, { SignatureVersion: '1' }, { algo: 'RSA-SHA256' })),
    );
    expect([v2sha1.error, v1sha256.error]).toEqual(['signature-invalid', 'signature-invalid']);
    expect(h.events).toHaveLength(0);
  });

  for (const version of ['3', '0', '', 'v1', undefined]) {
    it(`refuses SignatureVersion ${JSON.stringify(version)} (403 signature-version)`, async () => {
      const h = harness();
      const res = await h.post(notification(BOUNCE, { SignatureVersion: version }));
      expect(await answer(res)).toMatchObject({ status: 403, error: 'signature-version' });
      expect(h.fetched).toEqual([]);
    });
  }

  it('refuses a message signed by another key (403 signature-invalid)', async () => {
    const h = harness();
    const res = await h.post(notification(BOUNCE, {}, { key: OTHER_KEY }));
    expect(await answer(res)).toMatchObject({ status: 403, error: 'signature-invalid' });
  });

  it('refuses a Signature that is not base64 (403 signature-invalid)', async () => {
    const h = harness();
    const res = await h.post({ ...notification(SEND), Signature: '%%%not base64%%%' });
    expect(await answer(res)).toMatchObject({ status: 403, error: 'signature-invalid' });
  });

  it('refuses a message with no SigningCertURL (403 signature-missing), fetching nothing', async () => {
    const h = harness();
    const res = await h.post(notification(SEND, { SigningCertURL: undefined }));
    expect(await answer(res)).toMatchObject({ status: 403, error: 'signature-missing' });
    expect(h.fetched).toEqual([]);
  });

  it('refuses a header Type that is not the body Type (403 header-mismatch)', async () => {
    const h = harness();
    const res = await h.post(notification(BOUNCE), {
      'x-amz-sns-message-type': 'SubscriptionConfirmation',
    });
    expect(await answer(res)).toMatchObject({ status: 403, error: 'header-mismatch' });
  });

  it('refuses a missing header Type (403 header-mismatch)', async () => {
    const h = harness();
    const msg = notification(SEND);
    const res = await h.post(JSON.stringify(msg), {
      'x-amz-sns-message-id': msg.MessageId as string,
    });
    expect(await answer(res)).toMatchObject({ status: 403, error: 'header-mismatch' });
  });

  it('refuses a header MessageId that is not the body MessageId (403 header-mismatch)', async () => {
    const h = harness();
    const res = await h.post(notification(BOUNCE), { 'x-amz-sns-message-id': 'another-id' });
    expect(await answer(res)).toMatchObject({ status: 403, error: 'header-mismatch' });
    expect(h.events).toHaveLength(0);
  });
});

describe('SNS certificates: names, validity, download', () => {
  const signedBy = (pem: string, host = 'sns.us-east-1.amazonaws.com', topic = TOPIC) => ({
    h: harness({ certs: { [certUrl(9, host)]: pem }, ses: { topicArns: [topic] } }),
    msg: notification(SEND, { SigningCertURL: certUrl(9, host), TopicArn: topic }),
  });

  const cases: [string, CertificateOptions, string, string | undefined][] = [
    [
      'sns.amazonaws.com on the China partition',
      { names: ['sns.amazonaws.com'] },
      'sns.cn-north-1.amazonaws.com.cn',
      undefined,
    ],
    [
      'sns.amazonaws.com on GovCloud',
      { names: ['sns.amazonaws.com'] },
      'sns.us-gov-west-1.amazonaws.com',
      undefined,
    ],
    [
      'the regional sns.<region> name',
      { names: ['sns.eu-west-1.amazonaws.com'] },
      'sns.eu-west-1.amazonaws.com',
      undefined,
    ],
    [
      'the regional sns-signing.<region> name',
      { names: ['sns-signing.eu-west-1.amazonaws.com'] },
      'sns.eu-west-1.amazonaws.com',
      undefined,
    ],
    [
      'a China regional sns-signing name',
      { names: ['sns-signing.cn-north-1.amazonaws.com.cn'] },
      'sns.cn-north-1.amazonaws.com.cn',
      undefined,
    ],
    [
      'a CN-only certificate for sns.amazonaws.com',
      { names: [], commonName: 'sns.amazonaws.com' },
      'sns.us-east-1.amazonaws.com',
      undefined,
    ],
    [
      'the European sovereign partition',
      { names: ['sns.eusc-de-east-1.amazonaws.eu'] },
      'sns.eusc-de-east-1.amazonaws.eu',
      undefined,
    ],
    [
      'another region’s regional name',
      { names: ['sns.us-east-1.amazonaws.com'] },
      'sns.eu-west-1.amazonaws.com',
      'cert-name',
    ],
    [
      'the right region on another partition suffix',
      { names: ['sns.us-east-1.amazonaws.com.cn'] },
      'sns.us-east-1.amazonaws.com',
      'cert-name',
    ],
    [
      'a certificate for another host',
      { names: ['example.com'] },
      'sns.us-east-1.amazonaws.com',
      'cert-name',
    ],
    [
      'a look-alike host',
      { names: ['sns.amazonaws.com.evil.example'] },
      'sns.us-east-1.amazonaws.com',
      'cert-name',
    ],
    [
      'a wildcard over amazonaws.com',
      { names: ['*.amazonaws.com'] },
      'sns.us-east-1.amazonaws.com',
      'cert-name',
    ],
  ];
  for (const [what, spec, host, error] of cases) {
    it(`${error ? 'refuses' : 'accepts'} ${what}${error ? ` (403 ${error})` : ''}`, async () => {
      const region = host.split('.')[1] as string;
      const partition = host.endsWith('.cn')
        ? 'aws-cn'
        : host.endsWith('.eu')
          ? 'aws-eusc'
          : region.startsWith('us-gov')
            ? 'aws-us-gov'
            : 'aws';
      const { h, msg } = signedBy(
        await makeCert(spec),
        host,
        `arn:${partition}:sns:${region}:123456789012:ses-events`,
      );
      const got = await answer(await h.post(msg));
      expect(got.error ? `${got.status} ${got.error}` : got.status).toBe(
        error ? `403 ${error}` : 200,
      );
    });
  }

  it('refuses a certificate not yet valid by the now clock (403 cert-not-yet-valid)', async () => {
    const { h, msg } = signedBy(await makeCert({ notBefore: new Date('2024-06-01T00:00:00Z') }));
    expect((await answer(await h.post(msg))).error).toBe('cert-not-yet-valid');
  });

  it('refuses a certificate expired by the now clock (403 cert-expired)', async () => {
    const { h, msg } = signedBy(await makeCert({ notAfter: new Date('2024-04-30T00:00:00Z') }));
    expect((await answer(await h.post(msg))).error).toBe('cert-expired');
  });

  it('accepts a certificate at both edges of its validity', async () => {
    const { h, msg } = signedBy(await makeCert({ notBefore: NOW, notAfter: NOW }));
    expect((await h.post(msg)).status).toBe(200);
  });

  it('refuses a cached certificate once the clock passes its notAfter', async () => {
    let now = NOW;
    const pem = await makeCert({ notAfter: new Date(NOW.getTime() + 60_000) });
    const h = harness({ certs: { [certUrl(1)]: pem }, now: () => now });
    expect((await h.post(notification(SEND))).status).toBe(200);
    now = new Date(NOW.getTime() + 120_000);
    const late = await h.post(notification(SEND, { Timestamp: now.toISOString() }));
    expect((await answer(late)).error).toBe('cert-expired');
    expect(h.fetched).toHaveLength(1);
  });

  it('answers 503 cert-unavailable when the download fails with a network error, and downloads again next time', async () => {
    let down = true;
    const h = harness({
      fetch: async () => {
        if (down) throw new TypeError('fetch failed');
        return new Response(GOOD_PEM);
      },
    });
    expect(await answer(await h.post(notification(SEND)))).toMatchObject({
      status: 503,
      error: 'cert-unavailable',
    });
    down = false;
    expect((await h.post(notification(SEND))).status).toBe(200);
    expect(h.fetched).toHaveLength(2);
    expect(h.events).toHaveLength(1);
  });

  it('answers 503 when the certificate host answers 5xx, and does not keep the failure', async () => {
    let status = 502;
    const h = harness({
      fetch: async () =>
        status === 200 ? new Response(GOOD_PEM) : new Response('bad gateway', { status }),
    });
    expect(await answer(await h.post(notification(SEND)))).toMatchObject({
      status: 503,
      error: 'cert-unavailable',
    });
    status = 200;
    expect((await h.post(notification(SEND))).status).toBe(200);
    expect(h.fetched).toHaveLength(2);
  });

  it('refuses a 404 or a body that is no certificate (403 cert-invalid), and does not keep either', async () => {
    let served: Response = new Response('x', { status: 404 });
    const h = harness({ fetch: async () => served });
    expect(await answer(await h.post(notification(SEND)))).toMatchObject({
      status: 403,
      error: 'cert-invalid',
    });
    served = new Response('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    expect(await answer(await h.post(notification(SEND)))).toMatchObject({
      status: 403,
      error: 'cert-invalid',
    });
    served = new Response(GOOD_PEM);
    expect((await h.post(notification(SEND))).status).toBe(200);
    expect(h.fetched).toHaveLength(3);
  });

  it('concurrent first requests share one download; later ones reuse it', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = harness({
      fetch: async () => {
        await gate;
        return new Response(GOOD_PEM);
      },
    });
    const pending = [
      h.post(notification(SEND)),
      h.post(notification(SEND)),
      h.post(notification(SEND)),
    ];
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await h.post(notification(SEND))).status).toBe(200);
    expect(h.fetched).toEqual([certUrl(1)]);
  });

  it('concurrent first requests whose shared download fails all get 503; the next one downloads again', async () => {
    let calls = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = harness({
      fetch: async () => {
        calls += 1;
        if (calls > 1) return new Response(GOOD_PEM);
        await gate;
        throw new TypeError('fetch failed');
      },
    });
    const pending = [h.post(notification(SEND)), h.post(notification(SEND))];
    await new Promise((r) => setTimeout(r, 20));
    release();
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([503, 503]);
    expect((await h.post(notification(SEND))).status).toBe(200);
    expect(calls).toBe(2);
  });

  it('downloads each certificate URL once, separately', async () => {
    const h = harness({ certs: { [certUrl(1)]: GOOD_PEM, [certUrl(2)]: GOOD_PEM } });
    await h.post(notification(SEND));
    await h.post(notification(SEND, { SigningCertURL: certUrl(2) }));
    await h.post(notification(SEND, { SigningCertURL: certUrl(2) }));
    expect(h.fetched).toEqual([certUrl(1), certUrl(2)]);
  });
});

describe('SNS certificate URL rules: refused 403 before any fetch', () => {
  const path = `/SimpleNotificationService-${HEX(1)}.pem`;
  const bad: [string, string, string][] = [
    ['http:', `http://sns.us-east-1.amazonaws.com${path}`, 'cert-url-scheme'],
    ['credentials', `https://user:pw@sns.us-east-1.amazonaws.com${path}`, 'cert-url-credentials'],
    ['empty credentials', `https://@sns.us-east-1.amazonaws.com${path}`, 'cert-url-credentials'],
    ['a port', `https://sns.us-east-1.amazonaws.com:8443${path}`, 'cert-url-port'],
    ['an explicit :443', `https://sns.us-east-1.amazonaws.com:443${path}`, 'cert-url-port'],
    ['a query', `https://sns.us-east-1.amazonaws.com${path}?x=1`, 'cert-url-query'],
    ['an empty query', `https://sns.us-east-1.amazonaws.com${path}?`, 'cert-url-query'],
    ['a fragment', `https://sns.us-east-1.amazonaws.com${path}#x`, 'cert-url-fragment'],
    ['an empty fragment', `https://sns.us-east-1.amazonaws.com${path}#`, 'cert-url-fragment'],
    [
      'a look-alike host',
      `https://sns.us-east-1.amazonaws.com.evil.example${path}`,
      'cert-url-host',
    ],
    ['a trailing-dot host', `https://sns.us-east-1.amazonaws.com.${path}`, 'cert-url-host'],
    ['an S3 bucket host', `https://my-bucket.s3.amazonaws.com${path}`, 'cert-url-host'],
    ['a host without a region', `https://sns.amazonaws.com${path}`, 'cert-url-host'],
    ['an empty region', `https://sns..amazonaws.com${path}`, 'cert-url-host'],
    ['a non-AWS suffix', `https://sns.us-east-1.amazonaws.co${path}`, 'cert-url-host'],
    [
      'a host under a regional name',
      `https://evil.sns.us-east-1.amazonaws.com${path}`,
      'cert-url-host',
    ],
    ['another file name', 'https://sns.us-east-1.amazonaws.com/cert.pem', 'cert-url-path'],
    [
      'a short hex id',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc123.pem',
      'cert-url-path',
    ],
    [
      'a non-hex id',
      `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${'g'.repeat(32)}.pem`,
      'cert-url-path',
    ],
    ['a nested path', `https://sns.us-east-1.amazonaws.com/x${path}`, 'cert-url-path'],
    ['a dot segment', `https://sns.us-east-1.amazonaws.com/x/..${path}`, 'cert-url-path'],
    [
      'an encoded dot',
      `https://sns.us-east-1.amazonaws.com/SimpleNotificationService-${HEX(1)}%2Epem`,
      'cert-url-path',
    ],
    [
      'a backslash',
      `https://evil.example\\@sns.us-east-1.amazonaws.com${path}`,
      'cert-url-invalid',
    ],
    ['not a URL at all', 'not a url', 'cert-url-invalid'],
  ];
  for (const [what, url, error] of bad) {
    it(`refuses ${what} (${error})`, async () => {
      const h = harness({ certs: { [url]: GOOD_PEM, [certUrl(1)]: GOOD_PEM } });
      expect(await answer(await h.post(notification(SEND, { SigningCertURL: url })))).toMatchObject(
        { status: 403, error },
      );
      expect(h.fetched).toEqual([]);
    });
  }

  it('refuses a TopicArn whose region is not the certificate host’s (403 topic-region-mismatch)', async () => {
    const topic = 'arn:aws:sns:eu-west-1:123456789012:ses-events';
    const h = harness({ ses: { topicArns: [topic] } });
    expect((await answer(await h.post(notification(SEND, { TopicArn: topic })))).error).toBe(
      'topic-region-mismatch',
    );
    expect(h.events).toHaveLength(0);
  });

  it('refuses a TopicArn that is not an ARN (403 topic-arn-invalid)', async () => {
    const h = harness({ ses: { allowAnyTopic: true } });
    expect((await answer(await h.post(notification(SEND, { TopicArn: 'not-an-arn' })))).error).toBe(
      'topic-arn-invalid',
    );
  });
});

describe('message age', () => {
  it('accepts a message 3800 s old and refuses one 3901 s old by default (403 message-too-old)', async () => {
    const ok = harness({ now: new Date(NOW.getTime() + 3800_000) });
    expect((await ok.post(notification(SEND))).status).toBe(200);
    const old = harness({ now: new Date(NOW.getTime() + 3901_000) });
    expect(await answer(await old.post(notification(SEND)))).toMatchObject({
      status: 403,
      error: 'message-too-old',
    });
    expect(old.events).toHaveLength(0);
  });

  it('honours a smaller maxAgeSeconds', async () => {
    const h = harness({
      ses: { topicArns: [TOPIC], maxAgeSeconds: 60 },
      now: new Date(NOW.getTime() + 61_000),
    });
    expect((await answer(await h.post(notification(SEND)))).error).toBe('message-too-old');
  });

  it('refuses a Timestamp a day ahead (403 timestamp-in-future)', async () => {
    const h = harness();
    const res = await h.post(notification(SEND, { Timestamp: '2024-05-02T12:00:00.000Z' }));
    expect((await answer(res)).error).toBe('timestamp-in-future');
  });

  it('refuses a signed Timestamp that is not a time (403 timestamp-invalid)', async () => {
    const h = harness();
    expect((await answer(await h.post(notification(SEND, { Timestamp: 'soon' })))).error).toBe(
      'timestamp-invalid',
    );
  });
});

describe('the topic rule, allowAnyTopic and the secret', () => {
  it('with neither topicArns nor secret refuses a Notification 403 topic-not-allowed naming the variable and the TopicArn', async () => {
    const h = harness({ ses: {} });
    const got = await answer(await h.post(notification(SEND)));
    expect(got).toMatchObject({ status: 403, error: 'topic-not-allowed' });
    expect(got.message).toContain('MAIL_WEBHOOK_SES_TOPIC_ARNS');
    expect(got.message).toContain(TOPIC);
    expect(h.events).toHaveLength(0);
  });

  it('with neither set warns once at start-up', () => {
    const h = harness({ ses: {} });
    expect(h.logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(h.log()).toContain('MAIL_WEBHOOK_SES_TOPIC_ARNS');
  });

  it('refuses a topic that is not in topicArns (403 topic-not-allowed), even with the secret', async () => {
    const h = harness({
      ses: { topicArns: ['arn:aws:sns:us-east-1:123456789012:other'], secret: 's' },
    });
    const got = await answer(await h.post(notification(SEND), basic('sns', 's')));
    expect(got).toMatchObject({ status: 403, error: 'topic-not-allowed' });
    expect(got.message).not.toContain(':other');
  });

  it('accepts any topic with allowAnyTopic: true', async () => {
    const h = harness({ ses: { allowAnyTopic: true } });
    expect((await h.post(notification(SEND))).status).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it('accepts any topic when the shared secret matched', async () => {
    const h = harness({ ses: { secret: 's3cret' } });
    expect((await h.post(notification(SEND), basic('sns', 's3cret'))).status).toBe(200);
    expect(h.events).toHaveLength(1);
  });

  it('answers 401 with WWW-Authenticate: Basic before reading the body when no credentials came', async () => {
    const h = harness({ ses: { secret: 's3cret' }, extra: { maxBodyBytes: 10 } });
    const res = await h.post('this is not json and is over the limit', {
      'x-amz-sns-message-type': 'Notification',
    });
    expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Basic/);
    expect(await answer(res)).toMatchObject({ status: 401, error: 'credentials-required' });
  });

  it('answers 403 to a wrong secret, without echoing either secret', async () => {
    const h = harness({ ses: { secret: 's3cret' } });
    const res = await h.post(notification(SEND), basic('sns', 'guess'));
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('guess');
  });

  it('accepts any secret of a list (rotation), any user name, a colon in the secret', async () => {
    const h = harness({ ses: { secret: ['old:one', 'new-one'] } });
    expect((await h.post(notification(SEND), basic('sns', 'old:one'))).status).toBe(200);
    expect((await h.post(notification(SEND), basic('', 'new-one'))).status).toBe(200);
    expect((await h.post(notification(SEND), basic('sns', 'other'))).status).toBe(403);
    expect(h.events).toHaveLength(2);
  });

  it('with verification off needs neither the topic rule nor a signature, and warns at start-up', async () => {
    const h = harness({ ses: { verifySignature: false } });
    expect(h.log()).toContain('verification is OFF');
    const res = await h.post({
      ...notification(SEND),
      Signature: 'bogus',
      SigningCertURL: 'https://example.com/x.pem',
    });
    expect(res.status).toBe(200);
    expect(h.events).toHaveLength(1);
    expect(h.fetched).toEqual([]);
  });

  it('an unknown ses option is a ConfigError naming it', () => {
    expect(() => ses({ topicArn: [TOPIC] } as unknown as SesOptions)).toThrow(/topicArn/);
  });

  it('an empty secret or an empty topic list is a ConfigError, never a check turned off', () => {
    expect(() => ses({ secret: '' })).toThrow(ConfigError);
    expect(() => ses({ topicArns: [] })).toThrow(ConfigError);
  });
});

describe('SubscriptionConfirmation and UnsubscribeConfirmation', () => {
  it('answers 200 and logs the SubscribeURL without fetching it when autoConfirm is off', async () => {
    const h = harness();
    expect(await (await h.post(confirmation())).json()).toEqual({ ok: true, events: 0 });
    expect(h.fetched).toEqual([certUrl(1)]);
    expect(h.log()).toContain(confirmUrl());
  });

  it('with autoConfirm fetches the SubscribeURL once, after the certificate', async () => {
    const h = harness({ ses: { topicArns: [TOPIC], autoConfirm: true } });
    expect((await h.post(confirmation())).status).toBe(200);
    expect(h.fetched).toEqual([certUrl(1), confirmUrl()]);
  });

  it('with autoConfirm answers 503 confirm-failed when SNS does not answer 2xx, so SNS sends it again', async () => {
    const h = harness({
      ses: { topicArns: [TOPIC], autoConfirm: true },
      fetch: async (url) =>
        url.endsWith('.pem') ? new Response(GOOD_PEM) : new Response('no', { status: 500 }),
    });
    expect(await answer(await h.post(confirmation()))).toMatchObject({
      status: 503,
      error: 'confirm-failed',
    });
  });

  it('with autoConfirm does not confirm a topic outside topicArns (403 topic-not-allowed)', async () => {
    const other = 'arn:aws:sns:us-east-1:123456789012:other';
    const h = harness({ ses: { topicArns: [TOPIC], autoConfirm: true } });
    const res = await h.post(
      confirmation('SubscriptionConfirmation', {
        TopicArn: other,
        SubscribeURL: confirmUrl(other),
      }),
    );
    expect((await answer(res)).error).toBe('topic-not-allowed');
    expect(h.fetched).toEqual([]);
  });

  it('with autoConfirm never fetches the SubscribeURL of a badly signed message (403 signature-invalid)', async () => {
    const h = harness({ ses: { topicArns: [TOPIC], autoConfirm: true } });
    const changed = {
      ...confirmation(),
      Token: 'changed',
      SubscribeURL: confirmUrl().replace(TOKEN, 'changed'),
    };
    expect((await answer(await h.post(changed))).error).toBe('signature-invalid');
    expect((await answer(await h.post({ ...confirmation(), Message: 'changed' }))).error).toBe(
      'signature-invalid',
    );
    expect(h.fetched).toEqual([certUrl(1)]);
  });

  it('accepts a SubscribeURL whose TopicArn is percent-encoded', async () => {
    const h = harness({ ses: { topicArns: [TOPIC], autoConfirm: true } });
    const url = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=${TOKEN}`;
    expect(
      (await h.post(confirmation('SubscriptionConfirmation', { SubscribeURL: url }))).status,
    ).toBe(200);
    expect(h.fetched).toContain(url);
  });

  const badUrls: [string, string][] = [
    ['another host', confirmUrl(TOPIC, 'evil.example')],
    ['another SNS region', confirmUrl(TOPIC, 'sns.eu-west-1.amazonaws.com')],
    ['http', confirmUrl().replace('https:', 'http:')],
    ['credentials', confirmUrl(TOPIC, 'u:p@sns.us-east-1.amazonaws.com')],
    ['a port', confirmUrl(TOPIC, 'sns.us-east-1.amazonaws.com:8443')],
    ['another path', confirmUrl().replace('/?', '/evil?')],
    ['another Action', confirmUrl().replace('ConfirmSubscription', 'Unsubscribe')],
    ['another topic', confirmUrl(`${TOPIC}x`)],
    ['another token', confirmUrl().replace(TOKEN, 'other')],
    ['no token', confirmUrl().replace(`&Token=${TOKEN}`, '')],
    ['a second Token', `${confirmUrl()}&Token=evil`],
  ];
  for (const [what, url] of badUrls) {
    it(`refuses a SubscribeURL on ${what} (403 subscribe-url-invalid), never fetching it`, async () => {
      const h = harness({ ses: { topicArns: [TOPIC], autoConfirm: true } });
      const res = await h.post(confirmation('SubscriptionConfirmation', { SubscribeURL: url }));
      expect(await answer(res)).toMatchObject({ status: 403, error: 'subscribe-url-invalid' });
      expect(h.fetched).not.toContain(url);
    });
  }

  it('refuses a forged SubscribeURL with autoConfirm off too (403), so it is never logged as one to visit', async () => {
    const h = harness();
    const url = confirmUrl(TOPIC, 'evil.example');
    expect(
      (await answer(await h.post(confirmation('SubscriptionConfirmation', { SubscribeURL: url }))))
        .error,
    ).toBe('subscribe-url-invalid');
  });

  it('autoConfirm without topicArns is a ConfigError naming both', () => {
    expect(() => ses({ autoConfirm: true })).toThrow(ConfigError);
    expect(() => ses({ autoConfirm: true })).toThrow(/autoConfirm.*topicArns/);
  });

  it('with neither topicArns nor secret logs a SubscriptionConfirmation with the TopicArn to add (200)', async () => {
    const h = harness({ ses: {} });
    expect((await h.post(confirmation())).status).toBe(200);
    expect(
      h.logs.some(
        (l) =>
          l.level === 'info' &&
          l.text.includes(TOPIC) &&
          l.text.includes('MAIL_WEBHOOK_SES_TOPIC_ARNS'),
      ),
    ).toBe(true);
  });

  it('verifies and logs an UnsubscribeConfirmation, never re-subscribing (200)', async () => {
    const h = harness({ ses: { topicArns: [TOPIC], autoConfirm: true } });
    expect(await (await h.post(confirmation('UnsubscribeConfirmation'))).json()).toEqual({
      ok: true,
      events: 0,
    });
    expect(h.fetched).toEqual([certUrl(1)]);
    expect(h.log()).toMatch(/unsubscribe/i);
  });

  it('refuses a badly signed UnsubscribeConfirmation (403 signature-invalid)', async () => {
    const h = harness();
    const res = await h.post({ ...confirmation('UnsubscribeConfirmation'), Message: 'changed' });
    expect((await answer(res)).error).toBe('signature-invalid');
  });
});

describe('raw delivery', () => {
  const raw = {
    'x-amz-sns-rawdelivery': 'true',
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-message-id': 'raw-id-7',
  };

  it('is refused by default (403 raw-delivery), the secret matching or not', async () => {
    const h = harness({ ses: { secret: 's3cret' } });
    const res = await h.post(JSON.stringify(BOUNCE), { ...raw, ...basic('sns', 's3cret') });
    expect(await answer(res)).toMatchObject({ status: 403, error: 'raw-delivery' });
    expect(h.events).toHaveLength(0);
  });

  it('is accepted with allowRawDelivery and the matching secret; eventId is the x-amz-sns-message-id', async () => {
    const h = harness({ ses: { secret: 's3cret', allowRawDelivery: true } });
    const res = await h.post(JSON.stringify(BOUNCE), { ...raw, ...basic('sns', 's3cret') });
    expect(res.status).toBe(200);
    expect(h.events.map((e) => [e.eventType, e.eventId])).toEqual([['bounced', 'raw-id-7']]);
  });

  it('with allowRawDelivery still needs the secret: 401 without, 403 wrong', async () => {
    const h = harness({ ses: { secret: 's3cret', allowRawDelivery: true } });
    expect((await h.post(JSON.stringify(BOUNCE), raw)).status).toBe(401);
    expect((await h.post(JSON.stringify(BOUNCE), { ...raw, ...basic('sns', 'nope') })).status).toBe(
      403,
    );
    expect(h.events).toHaveLength(0);
  });

  it('allowRawDelivery without a secret is a ConfigError', () => {
    expect(() => ses({ topicArns: [TOPIC], allowRawDelivery: true })).toThrow(ConfigError);
  });
});

describe('the answers to SES requests', () => {
  it('answers 200 with no events to the SNS set-up notification', async () => {
    const setup = sesFixture('sns-envelope-ses-setup-notification.json');
    const url = certUrl(1, 'sns.us-west-2.amazonaws.com');
    const h = harness({ ses: { topicArns: [setup.TopicArn] }, certs: { [url]: GOOD_PEM } });
    const res = await h.post(
      notification(setup.Message, { TopicArn: setup.TopicArn, SigningCertURL: url }),
    );
    expect(await res.json()).toEqual({ ok: true, events: 0 });
    expect(h.events).toHaveLength(0);
    expect(h.logs.some((l) => l.level === 'info' && l.text.includes('set-up'))).toBe(true);
  });

  it('answers 400 invalid-json to a body that is not JSON', async () => {
    const h = harness();
    const res = await h.post('{not json', {
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': 'x',
    });
    expect(await answer(res)).toMatchObject({ status: 400, error: 'invalid-json' });
  });

  it('answers 400 unknown-type naming Type to an unknown Type', async () => {
    const h = harness();
    const got = await answer(await h.post({ ...notification(SEND), Type: 'Bogus' }));
    expect(got).toMatchObject({ status: 400, error: 'unknown-type' });
    expect(got.message).toContain('Type');
  });

  it('answers 400 invalid-envelope to JSON that is not an SNS envelope', async () => {
    const h = harness();
    const res = await h.post('[1,2]', {
      'x-amz-sns-message-type': 'Notification',
      'x-amz-sns-message-id': 'x',
    });
    expect(await answer(res)).toMatchObject({ status: 400, error: 'invalid-envelope' });
  });

  it('answers 400 invalid-envelope naming MessageId when a Notification has none', async () => {
    const h = harness();
    const got = await answer(
      await h.post(
        { ...notification(SEND), MessageId: undefined },
        { 'x-amz-sns-message-id': 'x' },
      ),
    );
    expect(got).toMatchObject({ status: 400, error: 'invalid-envelope' });
    expect(got.message).toContain('MessageId');
  });

  it('answers 404 naming basePath and the provider paths, and logs it', async () => {
    const h = harness();
    const got = await answer(await h.post(notification(SEND), {}, '/webhooks/mail/nope'));
    expect(got.status).toBe(404);
    expect(got.message).toContain('/webhooks/mail');
    expect(got.message).toContain('/webhooks/mail/ses');
    expect(h.logs.some((l) => l.text.includes('/webhooks/mail/nope'))).toBe(true);
  });

  it('answers 404 on every route when disabled', async () => {
    const h = harness({ extra: { enabled: false } });
    expect((await h.post(notification(SEND))).status).toBe(404);
    expect(h.events).toHaveLength(0);
  });

  it('answers 405 to another method on the route', async () => {
    const handle = createMailWebhookHandler({
      providers: [ses({ topicArns: [TOPIC] })],
      logger: recordingLogger(),
    });
    const res = await handle(
      new Request('https://hooks.example/webhooks/mail/ses', { method: 'PUT', body: '{}' }),
    );
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('answers 413 to a body over maxBodyBytes', async () => {
    const h = harness({ extra: { maxBodyBytes: 1000 } });
    expect(await answer(await h.post(notification('x'.repeat(2000))))).toMatchObject({
      status: 413,
      error: 'body-too-large',
    });
  });

  it('answers 503 sink-failed when the sink fails, so SNS retries', async () => {
    const h = harness({ sinkFails: true });
    expect(await answer(await h.post(notification(SEND)))).toMatchObject({
      status: 503,
      error: 'sink-failed',
    });
  });

  it('answers 503 sink-timeout when the sink never answers', async () => {
    const logger = recordingLogger();
    const handle = createMailWebhookHandler({
      providers: [ses({ verifySignature: false })],
      sinks: [{ name: 'stuck', send: () => new Promise(() => {}) }],
      deliveryTimeoutMs: 50,
      logger,
    });
    const msg = notification(SEND);
    const res = await handle(
      new Request('https://h.example/webhooks/mail/ses', {
        method: 'POST',
        headers: {
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': msg.MessageId as string,
        },
        body: JSON.stringify(msg),
      }),
    );
    expect(await answer(res)).toMatchObject({ status: 503, error: 'sink-timeout' });
  });

  it('routes by the pathname alone: a 64 KB query string changes nothing', async () => {
    const h = harness();
    expect(
      (await h.post(notification(SEND), {}, `/webhooks/mail/ses?${'a'.repeat(65536)}`)).status,
    ).toBe(200);
  });
});

describe('SES settings from variables', () => {
  const env = (vars: Record<string, string>) => ({ MAIL_WEBHOOK_ENABLED: 'true', ...vars });
  const build = (vars: Record<string, string>) =>
    createHandlerFromEnv(env(vars), {
      logger: recordingLogger(),
      fetch: async () => new Response(GOOD_PEM),
    });

  for (const [vars, variable] of [
    [{ MAIL_WEBHOOK_SES_AUTO_CONFIRM: 'true' }, 'MAIL_WEBHOOK_SES_AUTO_CONFIRM'],
    [{ MAIL_WEBHOOK_SES_ALLOW_ANY_TOPIC: 'ture' }, 'MAIL_WEBHOOK_SES_ALLOW_ANY_TOPIC'],
    [{ MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'flase' }, 'MAIL_WEBHOOK_SES_VERIFY_SIGNATURE'],
    [{ MAIL_WEBHOOK_SES_TOPIC_ARNS: `${TOPIC},not-an-arn` }, 'MAIL_WEBHOOK_SES_TOPIC_ARNS'],
    [{ MAIL_WEBHOOK_SES_MAX_AGE_SECONDS: '-5' }, 'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS'],
    [{ MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY: 'true' }, 'MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY'],
  ] as const) {
    it(`a bad setting stops start-up naming ${variable}`, () => {
      expect(() => build(vars)).toThrow(ConfigError);
      expect(() => build(vars)).toThrow(variable);
    });
  }

  it('a misspelt SES variable is reported at start-up with the closest known name', () => {
    const logger = recordingLogger();
    createHandlerFromEnv(env({ MAIL_WEBHOOK_SES_TOPIC_ARN: TOPIC }), { logger });
    expect(
      logger.lines.some(
        (l) =>
          l.level === 'warn' &&
          l.text.includes('MAIL_WEBHOOK_SES_TOPIC_ARN:') &&
          l.text.includes('MAIL_WEBHOOK_SES_TOPIC_ARNS?'),
      ),
    ).toBe(true);
  });

  it('MAIL_WEBHOOK_SES_SECRET and its _PREVIOUS both match (rotation); another is 403, none 401', async () => {
    const handle = build({
      MAIL_WEBHOOK_SES_SECRET: 'new, with a comma',
      MAIL_WEBHOOK_SES_SECRET_PREVIOUS: 'old',
      MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'false',
    });
    const post = (headers: Record<string, string>) => {
      const msg = notification(SEND, { Timestamp: new Date().toISOString() });
      return handle(
        new Request('https://hooks.example/webhooks/mail/ses', {
          method: 'POST',
          headers: {
            'x-amz-sns-message-type': 'Notification',
            'x-amz-sns-message-id': msg.MessageId as string,
            ...headers,
          },
          body: JSON.stringify(msg),
        }),
      );
    };
    const statuses = [];
    for (const headers of [
      basic('sns', 'new, with a comma'),
      basic('sns', 'old'),
      basic('sns', 'new'),
      {},
    ])
      statuses.push((await post(headers)).status);
    expect(statuses).toEqual([200, 200, 403, 401]);
  });
});

// ============================================================================================
describe('the normalized SES event', () => {
  const deliver = async (message: unknown, over: Msg = {}) => {
    const h = harness();
    const msg = notification(message, over);
    const res = await h.post(msg);
    const got = await answer(res);
    return { ...got, events: h.events, msg, logs: h.logs };
  };
  const withMail = (ev: Record<string, unknown>, mail: Record<string, unknown>) => ({
    ...ev,
    mail: { ...(ev.mail as object), ...mail },
  });

  it('bounce: every field', async () => {
    const { body, events, msg } = await deliver(BOUNCE);
    expect(body).toEqual({ ok: true, events: 1 });
    expect(events).toEqual([
      {
        eventType: 'bounced',
        messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
        recipient: 'recipient@example.com',
        timestamp: new Date('2017-08-05T00:41:02.669Z'),
        espName: 'ses',
        tags: [],
        metadata: {},
        rejectReason: 'Permanent/General',
        description: 'smtp; 550 5.1.1 user unknown',
        clickUrl: null,
        userAgent: null,
        rawEvent: BOUNCE,
        eventId: msg.MessageId,
        mtaResponse: 'smtp; 550 5.1.1 user unknown',
        rejectCategory: 'bounced',
        permanent: true,
      },
    ]);
  });

  for (const bounceType of ['Transient', 'Undetermined']) {
    it(`a ${bounceType} bounce is permanent: false, category bounced`, async () => {
      const { events } = await deliver({ ...BOUNCE, bounce: { ...BOUNCE.bounce, bounceType } });
      expect(events[0]).toMatchObject({
        permanent: false,
        rejectCategory: 'bounced',
        rejectReason: `${bounceType}/General`,
      });
    });
  }

  it('a multi-recipient bounce: one context per bounced recipient, each with its diagnosticCode, one eventId', async () => {
    const bounce = {
      ...BOUNCE.bounce,
      bouncedRecipients: [
        { emailAddress: 'a@example.com', diagnosticCode: 'smtp; 550 a' },
        { emailAddress: 'b@example.com' },
      ],
    };
    const { body, events, msg } = await deliver({ ...BOUNCE, bounce });
    expect(body.events).toBe(2);
    expect(events.map((e) => [e.recipient, e.description, e.mtaResponse, e.eventId])).toEqual([
      ['a@example.com', 'smtp; 550 a', 'smtp; 550 a', msg.MessageId],
      ['b@example.com', null, null, msg.MessageId],
    ]);
  });

  it('anymail’s multiple bounce: the bounced recipients only, not every destination', async () => {
    const { body, events } = await deliver(anymail('anymail_multiple_bounce_event.json'));
    expect(body.events).toBe(2);
    expect(events.map((e) => e.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
  });

  it('a bounce with no bounced recipients: 200, no events', async () => {
    const { body } = await deliver({
      ...BOUNCE,
      bounce: { ...BOUNCE.bounce, bouncedRecipients: [] },
    });
    expect(body).toEqual({ ok: true, events: 0 });
  });

  it('complaint: reason, category spam, permanent null, userAgent, its timestamp', async () => {
    const { events } = await deliver(sesFixture('event-publishing-complaint.json'));
    expect(events[0]).toMatchObject({
      eventType: 'complained',
      rejectReason: 'abuse',
      rejectCategory: 'spam',
      permanent: null,
      description: null,
      timestamp: new Date('2017-08-05T00:41:02.669Z'),
    });
    expect(events[0]?.userAgent).toMatch(/^Mozilla/);
  });

  it('legacy complaint without a feedback type: rejectReason null, complainedRecipients', async () => {
    const { events } = await deliver(sesFixture('notification-complaint-no-feedback.json'));
    expect(
      events.map((e) => [e.eventType, e.recipient, e.rejectReason, e.timestamp.toISOString()]),
    ).toEqual([['complained', 'richard@example.com', null, '2016-01-27T14:59:38.237Z']]);
  });

  it('delivery: smtpResponse, delivery.recipients (not mail.destination), its timestamp, tags', async () => {
    const ev = sesFixture('event-publishing-delivery.json');
    ev.mail.destination = ['a@example.com', 'recipient@example.com'];
    const { events } = await deliver(ev);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      mtaResponse: '250 2.6.0 Message received',
      timestamp: new Date('2016-10-19T23:21:04.133Z'),
      rejectCategory: null,
      permanent: null,
      rejectReason: null,
      tags: ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'],
    });
  });

  it('send: one sent context per mail.destination at mail.timestamp', async () => {
    const { body, events } = await deliver(
      withMail(SEND, { destination: ['a@example.com', 'b@example.com'] }),
    );
    expect(body).toEqual({ ok: true, events: 2 });
    expect(
      events.map((e) => [e.eventType, e.recipient, e.timestamp.toISOString(), e.rejectCategory]),
    ).toEqual([
      ['sent', 'a@example.com', '2016-10-14T05:02:16.645Z', null],
      ['sent', 'b@example.com', '2016-10-14T05:02:16.645Z', null],
    ]);
  });

  it('reject: reason, category blocked, permanent false (content), mail.timestamp', async () => {
    const { events } = await deliver(sesFixture('event-publishing-reject.json'));
    expect(events[0]).toMatchObject({
      eventType: 'rejected',
      rejectReason: 'Bad content',
      rejectCategory: 'blocked',
      permanent: false,
      timestamp: new Date('2016-10-14T17:38:15.211Z'),
    });
  });

  it('rendering failure: failed, description errorMessage, category other, permanent false', async () => {
    const { events } = await deliver(sesFixture('event-publishing-failure.json'));
    expect(events[0]).toMatchObject({
      eventType: 'failed',
      description: "Attribute 'attributeName' is not present in the rendering data.",
      rejectCategory: 'other',
      permanent: false,
      timestamp: new Date('2018-01-22T18:43:06.197Z'),
    });
  });

  it('delivery delay: deferred, delayType, the delayed recipient’s diagnosticCode, its timestamp, no category', async () => {
    const { events } = await deliver(sesFixture('event-publishing-delayed-delivery.json'));
    expect(events[0]).toMatchObject({
      eventType: 'deferred',
      recipient: 'recipient@example.com',
      description: 'TransientCommunicationFailure',
      mtaResponse: 'smtp; 421 4.4.1 Unable to connect to remote host',
      timestamp: new Date('2020-06-16T00:25:40.095Z'),
      rejectCategory: null,
      permanent: null,
    });
  });

  it('open: userAgent and the open timestamp', async () => {
    const { events } = await deliver(sesFixture('event-publishing-open.json'));
    expect(events[0]).toMatchObject({
      eventType: 'opened',
      clickUrl: null,
      timestamp: new Date('2017-08-09T22:00:19.652Z'),
    });
    expect(events[0]?.userAgent).toMatch(/iPhone/);
  });

  it('click: clickUrl, userAgent, the click timestamp, tags', async () => {
    const { events } = await deliver(sesFixture('event-publishing-click.json'));
    expect(events[0]).toMatchObject({
      eventType: 'clicked',
      clickUrl: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
      timestamp: new Date('2017-08-09T23:51:25.570Z'),
      tags: ['myCustomTag1:myCustomValue1', 'myCustomTag2:myCustomValue2'],
    });
    expect(events[0]?.userAgent).toMatch(/Chrome/);
  });

  it('a subscription that opts out: unsubscribed, category unsubscribed, its timestamp', async () => {
    const { events } = await deliver(sesFixture('event-publishing-subscription.json'));
    expect(events[0]).toMatchObject({
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      permanent: null,
      timestamp: new Date('2022-01-12T01:00:17.910Z'),
    });
  });

  it('a subscription that opts in: unknown, no category', async () => {
    const ev = sesFixture('event-publishing-subscription.json');
    ev.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'ExampleTopicName', subscriptionStatus: 'OptIn' }],
    };
    const { events } = await deliver(ev);
    expect(events[0]).toMatchObject({ eventType: 'unknown', rejectCategory: null });
  });

  it('a subscription whose new preferences keep a topic OptOut is unsubscribed, whatever the old ones held (the reading kept by 4bf32dc)', async () => {
    const ev = sesFixture('event-publishing-subscription.json');
    const offers = { topicName: 'Offers', subscriptionStatus: 'OptOut' };
    ev.subscription.oldTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'News', subscriptionStatus: 'OptOut' }, offers],
    };
    ev.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'News', subscriptionStatus: 'OptIn' }, offers],
    };
    const { events } = await deliver(ev);
    expect(events[0]).toMatchObject({ eventType: 'unsubscribed', rejectCategory: 'unsubscribed' });
  });

  it('a subscription that opts out of one more topic: unsubscribed', async () => {
    const ev = sesFixture('event-publishing-subscription.json');
    const offers = { topicName: 'Offers', subscriptionStatus: 'OptOut' };
    ev.subscription.oldTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'News', subscriptionStatus: 'OptIn' }, offers],
    };
    ev.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'News', subscriptionStatus: 'OptOut' }, offers],
    };
    const { events } = await deliver(ev);
    expect(events[0]).toMatchObject({ eventType: 'unsubscribed', rejectCategory: 'unsubscribed' });
  });

  it('legacy notifications map by notificationType', async () => {
    const types = [];
    for (const name of [
      'notification-bounce-with-dsn.json',
      'notification-delivery.json',
      'notification-complaint-with-feedback.json',
    ])
      types.push((await deliver(sesFixture(name))).events[0]?.eventType);
    expect(types).toEqual(['bounced', 'delivered', 'complained']);
  });

  for (const type of ['Shiny', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    it(`an eventType named ${type} gives unknown events, never an error`, async () => {
      const { status, events } = await deliver({ ...SEND, eventType: type });
      expect(status).toBe(200);
      expect(events.map((e) => [e.eventType, e.rejectCategory, e.permanent])).toEqual([
        ['unknown', null, null],
      ]);
    });
  }

  for (const eventType of [42, {}, ['Bounce']]) {
    it(`an eventType ${JSON.stringify(eventType)} is 400 naming eventType`, async () => {
      const got = await deliver({ ...SEND, eventType });
      expect(got).toMatchObject({ status: 400, error: 'invalid-ses-event' });
      expect(got.message).toContain('eventType');
    });
  }

  it('a Message with no type: 200, a warning, no events', async () => {
    const { body, events, logs } = await deliver({ mail: SEND.mail });
    expect(body).toEqual({ ok: true, events: 0 });
    expect(events).toEqual([]);
    expect(logs.some((l) => l.level === 'warn')).toBe(true);
  });

  for (const message of ['[1,2]', '42', 'null', '"text"', 'true', 'plain text']) {
    it(`a Message ${message}: 200, no events`, async () => {
      const { body } = await deliver(message);
      expect(body).toEqual({ ok: true, events: 0 });
    });
  }

  it('a Received (inbound) Message, by notificationType or eventType: 200, no events', async () => {
    const inbound = await deliver(anymail('anymail_incorrect_received_event.json').Message);
    const byEventType = await deliver({ ...SEND, eventType: 'Received' });
    expect([inbound.body, byEventType.body]).toEqual([
      { ok: true, events: 0 },
      { ok: true, events: 0 },
    ]);
  });

  const broken: [string, Record<string, unknown>, string][] = [
    ['no mail', { eventType: 'Send', send: {} }, 'mail'],
    ['no bounce object', { ...BOUNCE, bounce: undefined }, 'bounce'],
    [
      'a mail.destination that is not a list',
      withMail(SEND, { destination: 'a@example.com' }),
      'mail.destination',
    ],
    ['a mail.messageId that is not a string', withMail(SEND, { messageId: 42 }), 'mail.messageId'],
    [
      'a bounced recipient that is not an object',
      { ...BOUNCE, bounce: { ...BOUNCE.bounce, bouncedRecipients: ['a@example.com'] } },
      'bounce.bouncedRecipients',
    ],
  ];
  for (const [what, ev, field] of broken) {
    it(`a typed Message with ${what} is 400 naming ${field}`, async () => {
      const got = await deliver(ev);
      expect(got).toMatchObject({ status: 400, error: 'invalid-ses-event' });
      expect(got.message).toContain(field);
      expect(got.events).toEqual([]);
    });
  }

  const badTimes = [
    '2017-02-30T00:41:02.669Z',
    '2017-02-29T10:00:00Z',
    '2017-08-05T24:00:00Z',
    '2017-08-05T23:59:60Z',
    '2017-08-05T12:60:00Z',
    '9999-12-31T23:59:59-01:00',
    '1970-01-01T00:00:00+01:00',
    '1969-12-31T23:59:59Z',
    '+010000-01-01T00:00:00Z',
    'yesterday',
  ];
  for (const t of badTimes) {
    it(`a bounce timestamp ${t} is 400 naming bounce.timestamp`, async () => {
      const got = await deliver({ ...BOUNCE, bounce: { ...BOUNCE.bounce, timestamp: t } });
      expect(got).toMatchObject({ status: 400, error: 'invalid-ses-event' });
      expect(got.message).toContain('bounce.timestamp');
    });
  }

  it('a bad mail.timestamp is 400 naming it, on a Send and on a Bounce that has its own timestamp', async () => {
    const send = await deliver(withMail(SEND, { timestamp: '2016-13-14T05:02:16.645Z' }));
    const bounce = await deliver(withMail(BOUNCE, { timestamp: '2016-02-30T05:02:16.645Z' }));
    expect([send.status, bounce.status]).toEqual([400, 400]);
    expect(send.message).toContain('mail.timestamp');
    expect(bounce.message).toContain('mail.timestamp');
  });

  it('a numeric mail.timestamp is 400 naming it', async () => {
    const got = await deliver(withMail(SEND, { timestamp: 1500000000 }));
    expect(got.status).toBe(400);
    expect(got.message).toContain('mail.timestamp');
  });

  it('a bad click timestamp is 400 naming click.timestamp', async () => {
    const ev = sesFixture('event-publishing-click.json');
    ev.click.timestamp = '2017-02-30T00:00:00Z';
    expect((await deliver(ev)).message).toContain('click.timestamp');
  });

  it('a leap day, "2018-10-08T14:05:45 +0000" and -05:00 offsets are read as the same instants', async () => {
    const leap = await deliver(withMail(SEND, { timestamp: '2016-02-29T10:00:00Z' }));
    const spaced = await deliver(withMail(SEND, { timestamp: '2018-10-08T14:05:45 +0000' }));
    const ev = sesFixture('event-publishing-open.json');
    ev.open.timestamp = '2017-08-09T17:00:19.652-05:00';
    const offset = await deliver(ev);
    expect([leap, spaced, offset].map((r) => r.events[0]?.timestamp.toISOString())).toEqual([
      '2016-02-29T10:00:00.000Z',
      '2018-10-08T14:05:45.000Z',
      '2017-08-09T22:00:19.652Z',
    ]);
  });

  it('a detail object without timestamp falls back to mail.timestamp', async () => {
    const ev = sesFixture('event-publishing-delivery.json');
    delete ev.delivery.timestamp;
    expect((await deliver(ev)).events[0]?.timestamp.toISOString()).toBe('2016-10-19T23:20:52.240Z');
  });

  it('tags: X-Tag headers (any case, repeatable) and mail.tags (name, name:value; ses: and metadata: left out; true → name)', async () => {
    const { events } = await deliver(
      withMail(SEND, {
        headers: [
          { name: 'X-Tag', value: 'welcome' },
          { name: 'x-tag', value: 'onboarding' },
          { name: 'Subject', value: 'hi' },
        ],
        tags: {
          'ses:configuration-set': ['ConfigSet'],
          campaign: ['spring'],
          vip: ['true'],
          team: ['a', 'b'],
          'metadata:order': ['42'],
        },
      }),
    );
    expect(events[0]?.tags).toEqual([
      'welcome',
      'onboarding',
      'campaign:spring',
      'vip',
      'team:a',
      'team:b',
    ]);
    expect(events[0]?.metadata).toEqual({ order: '42' });
  });

  it('metadata: X-Metadata-<Key> (key as written), an X-Metadata JSON object and metadata: tags, values strings', async () => {
    const { events } = await deliver(
      withMail(SEND, {
        headers: [
          { name: 'X-Metadata-Order-Id', value: 'A-17' },
          { name: 'x-metadata-plan', value: 'basic' },
          { name: 'X-Metadata', value: '{"user": "u1", "count": 3}' },
        ],
        tags: { 'metadata:tier': ['pro'] },
      }),
    );
    expect(events[0]?.metadata).toEqual({
      'Order-Id': 'A-17',
      plan: 'basic',
      user: 'u1',
      count: '3',
      tier: 'pro',
    });
  });

  it('an X-Metadata header that is not JSON costs its metadata, not the event (logged)', async () => {
    const { status, events, logs } = await deliver(
      withMail(SEND, { headers: [{ name: 'X-Metadata', value: '{oops' }] }),
    );
    expect(status).toBe(200);
    expect(events[0]?.metadata).toEqual({});
    expect(logs.some((l) => l.level === 'warn' && l.text.includes('X-Metadata'))).toBe(true);
  });

  it('metadata keys __proto__, constructor and toString stay plain data', async () => {
    const { events } = await deliver(
      withMail(SEND, {
        tags: { 'metadata:constructor': ['c'] },
        headers: [{ name: 'X-Metadata', value: '{"__proto__":"p","toString":"t"}' }],
      }),
    );
    const metadata = events[0]?.metadata ?? {};
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.entries(metadata).sort()).toEqual([
      ['__proto__', 'p'],
      ['constructor', 'c'],
      ['toString', 't'],
    ]);
  });
});
