// Blind fixture tests: MailPace (Ed25519), Unisender Go (MD5 auth field), Scaleway TEM (SNS-style, unverified here).
import { createHash, createPrivateKey, sign as edSign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mailpace, scaleway, unisenderGo } from '../../src/index';
import {
  DIGEST,
  type Expected,
  expectEvents,
  expectOk,
  expectPosted,
  expectRefused,
  fixtureJson,
  fixtureText,
  makeHandler,
  sha256hex,
} from './fixtures-harness';

const NOW = new Date('2026-06-01T00:00:00Z');

// ------------------------------------------------------------------------------------ MailPace
const MP = fixtureJson('mailpace', 'vectors/vectors.json');
const MP_PUB = '11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
const b64url = (b: Buffer) => b.toString('base64url');
const MP_PRIV = createPrivateKey({
  key: {
    kty: 'OKP',
    crv: 'Ed25519',
    d: b64url(
      Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
    ),
    x: b64url(Buffer.from(MP_PUB, 'base64')),
  },
  format: 'jwk',
});
async function postMailpace(body: string, sig?: string) {
  const h = makeHandler(mailpace({ publicKey: MP_PUB }), NOW);
  return h.post('mailpace', body, {
    'X-MailPace-Signature': sig ?? edSign(null, Buffer.from(body), MP_PRIV).toString('base64'),
  });
}

describe('MailPace: fixtures signed with the RFC 8032 TEST 1 key', () => {
  const common = {
    espName: 'mailpace',
    recipient: 'queued@example.com',
    messageId: 'string',
    timestamp: '2021-11-16T14:50:15.445Z',
  };
  const cases: Array<[string, Expected]> = [
    [
      'anymail_delivered_event_no_tags.json',
      { ...common, eventType: 'delivered', tags: [], rejectCategory: null, permanent: null },
    ],
    // each tag once (mailhooks' rule for every ESP; anymail would keep the duplicate)
    ['anymail_queued_event.json', { ...common, eventType: 'queued', tags: ['string'] }],
    [
      'anymail_rejected_event_reason.json',
      { ...common, eventType: 'rejected', rejectCategory: 'spam', permanent: false },
    ],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const text = fixtureText('mailpace', file);
      const r = await postMailpace(text);
      expectPosted(r, [{ ...want, eventId: `mailpace:${(await sha256hex(text)).slice(0, 32)}` }]);
    });
  }

  for (const v of MP.vectors as any[]) {
    it(`vector ${v.name}`, async () => {
      const body = v.body ?? fixtureText('mailpace', `vectors/${v.body_file}`);
      const h = makeHandler(mailpace({ publicKey: v.public_key_base64 }), NOW);
      const r = await h.post('mailpace', body, v.headers);
      if (!v.expect_valid) expectRefused(r, 403);
      else if (body === '') {
        expect(r.status).not.toBe(403);
        expect(r.status).toBeLessThan(500);
      } else expectOk(r, 1);
    });
  }

  it('a tampered byte and a missing signature are refused', async () => {
    const text = fixtureText('mailpace', 'anymail_queued_event.json');
    const sig = edSign(null, Buffer.from(text), MP_PRIV).toString('base64');
    expectRefused(await postMailpace(text.replace('queued@', 'Queued@'), sig), 403);
    const h = makeHandler(mailpace({ publicKey: MP_PUB }), NOW);
    expectRefused(await h.post('mailpace', text, {}), 403, 'signature-missing');
  });

  it('email.deferred and email.bounced', async () => {
    const doc = fixtureJson('mailpace', 'anymail_delivered_event_no_tags.json');
    const d = await postMailpace(JSON.stringify({ ...doc, event: 'email.deferred' }));
    expectEvents(d.events, [{ eventType: 'deferred', rejectCategory: null, permanent: null }]);
    const b = await postMailpace(JSON.stringify({ ...doc, event: 'email.bounced' }));
    expectEvents(b.events, [{ eventType: 'bounced', rejectCategory: 'bounced' }]);
  });
});

// ------------------------------------------------------------------------------------ Unisender Go
const UG = fixtureJson('unisender_go', 'vectors/vectors.json');
const API_KEY = 'TEST_API_KEY';
const md5 = (t: string) => createHash('md5').update(t).digest('hex');
/** The body as Unisender Go sends it: `auth` first, MD5 of the body with the key in its place. */
function signUnisender(doc: object, key = API_KEY): string {
  const { auth: _, ...rest } = doc as Record<string, unknown>;
  const withKey = JSON.stringify({ auth: key, ...rest });
  return withKey.replace(JSON.stringify(key), JSON.stringify(md5(withKey)));
}
async function postUnisender(body: string, key = API_KEY) {
  const h = makeHandler(unisenderGo({ apiKey: key }), NOW);
  return h.post('unisender-go', body);
}

describe('Unisender Go: fixtures signed here (single and batch formats)', () => {
  const cases: Array<[string, Expected[]]> = [
    [
      'anymail_clicked_event.json',
      [
        {
          eventType: 'clicked',
          recipient: 'to@example.com',
          clickUrl: 'https://example.com',
          userAgent: 'Mozilla/5.0 AppleWebKit/537.36 ...',
          timestamp: NOW.toISOString(),
        },
      ],
    ],
    [
      'anymail_delivered_event.json',
      [
        {
          eventType: 'delivered',
          recipient: 'recipient@example.com',
          messageId: '1smi9f-00057m-86zr',
          timestamp: '2024-09-06T23:14:24.000Z',
        },
      ],
    ],
    [
      'anymail_error_includes_project_id_single_event.json',
      [{ eventType: 'sent', recipient: 'test@example.com', timestamp: '2024-09-07T19:27:17.000Z' }],
    ],
    [
      'anymail_hard_bounced_event.json',
      [
        {
          eventType: 'bounced',
          recipient: 'bounce@example.com',
          mtaResponse: "555 5.7.1 User unknown 'bounce@example.com'.",
          // current django-anymail: err_user_unknown is `bounced`
          rejectCategory: 'bounced',
          permanent: true,
          timestamp: '2024-09-06T23:22:40.000Z',
        },
      ],
    ],
    [
      'anymail_multiple_event_option.json',
      [
        { eventType: 'sent', recipient: 'to@example.com', messageId: '1sn15Z-0007Le-GtVN' },
        { eventType: 'delivered', recipient: 'cc@example.com', messageId: '1sn15Z-0007Le-GtVN' },
      ],
    ],
    [
      'anymail_opened_event.json',
      [{ eventType: 'opened', userAgent: '... via ggpht.com GoogleImageProxy' }],
    ],
    [
      'anymail_sent_event.json',
      [
        {
          eventType: 'sent',
          recipient: 'recipient@example.com',
          timestamp: '2024-09-06T23:14:19.000Z',
        },
      ],
    ],
    [
      'anymail_soft_bounced_event.json',
      [
        {
          eventType: 'deferred',
          recipient: 'full@example.com',
          rejectCategory: null,
          permanent: null,
          mtaResponse: "554 5.2.2 Mailbox full 'full@example.com'.",
        },
      ],
    ],
    [
      'anymail_spam_event.json',
      [{ eventType: 'complained', rejectCategory: 'spam', permanent: null }],
    ],
    [
      'anymail_unsubscribed_event.json',
      [{ eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
    ],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const body = signUnisender(fixtureJson('unisender_go', file));
      const r = await postUnisender(body);
      expectOk(r, want.length);
      expectEvents(
        r.events,
        want.map((w) => ({ espName: 'unisender-go', ...w })),
      );
      for (const e of r.events) expect(e.eventId).toMatch(DIGEST('unisender-go'));
    });
  }

  it('anymail_sent_event.json: metadata as strings', async () => {
    const r = await postUnisender(
      signUnisender(fixtureJson('unisender_go', 'anymail_sent_event.json')),
    );
    expect(r.events[0]?.metadata).toMatchObject({ cohort: 'group a121' });
  });

  it('actual_clicked_multi_event_format.json: the real delivery with its published key', async () => {
    const r = await postUnisender(
      fixtureText('unisender_go', 'actual_clicked_multi_event_format.json').trim(),
      '6mjstx9gwi7qj8eni6m77hfiiw6aifmss154y4ze',
    );
    // the pretty-printed copy is not the signed byte sequence: refused
    expectRefused(r, 403);
  });

  for (const v of UG.vectors as any[]) {
    it(`vector ${v.name}`, async () => {
      const body = fixtureText('unisender_go', `vectors/${v.body_file}`);
      const r = await postUnisender(body, v.api_key);
      if (!v.expect_valid) return expectRefused(r, 403);
      expectOk(r, 1);
      if (v.name === 'actual_unisender_go_clicked') {
        expectEvents(r.events, [
          {
            eventType: 'clicked',
            recipient: 'unisendergo@anymail.dev',
            messageId: '1sn15Z-0007Le-GtVN',
            timestamp: '2024-09-08T19:56:41.000Z',
            clickUrl: 'https://example.com',
            userAgent:
              'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36',
          },
        ]);
      }
    });
  }

  it('GET and HEAD probes answer 200', async () => {
    const h = makeHandler(unisenderGo({ apiKey: API_KEY }), NOW);
    expect((await h.post('unisender-go', null, {}, 'GET')).status).toBe(200);
    expect((await h.post('unisender-go', null, {}, 'HEAD')).status).toBe(200);
  });

  it('wrong key and tampered body are refused', async () => {
    const body = signUnisender(fixtureJson('unisender_go', 'anymail_delivered_event.json'));
    expectRefused(await postUnisender(body, 'OTHER_KEY'), 403);
    expectRefused(await postUnisender(body.replace('recipient@', 'Recipient@')), 403);
  });
});

// ------------------------------------------------------------------------------------ Scaleway
// A throwaway self-signed RSA CA (openssl req -x509), standing in for Scaleway's trust chain.
const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIDCzCCAfOgAwIBAgIUAjHzNBAzNRl6TjK9X3lcrAnpylEwDQYJKoZIhvcNAQEL
BQAwFTETMBEGA1UEAwwKYjEgdGVzdCBDQTAeFw0yNjExMjgxMTI5MzNaFw0zNjEx
MjUxMTI5MzNaMBUxEzARBgNVBAMMCmIxIHRlc3QgQ0EwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQCU25i25e7YHJPAENOy4jw8YyW9XZx+G1zg2+7AqKSl
57bmcLIAMq/YtzRSX9s70SyyfGgRgR28bHpzahMfnoB/oTChLyWPaK1w33s962lR
x3yKemN9VZ7DX9zXTsTas+MAYqAloNipLVaz++WXmDMe5rYGEQRssXZTV45MuwE1
rrDMNQZm0hh28tl/2SjdB+0ntxhF0NS84+u9s6rd6iHri5H15/Fq6U1z0JpbSM9g
169DTEuFshbh3XU3xTemRWOzUY2cX7BC79s6xT4tcpwnlo4ZfBaXhUFg5jQyX6pl
bY4HpKcDXBGYWn/zOGLJtvxTN/h4wbjAnvkpJhl9YxApAgMBAAGjUzBRMB0GA1Ud
DgQWBBR89SmU34X1K0y3zY+vC7APjg24EzAfBgNVHSMEGDAWgBR89SmU34X1K0y3
zY+vC7APjg24EzAPBgNVHRMBAf8EBTADAQH/MA0GCSqGSIb3DQEBCwUAA4IBAQA8
VSXSzihT4d8Jrw5e3uHOO2BYrpoXk2am9g+eszXzWtqRAc4SOiTwztYzKvV0MiSM
n1mNZu2UJ02KiEZFcpHtpJKl22iXGS1P4/0wfVYz7IF214B6n8keJcRGKg6b1l7d
nHlkED1tifkUmRhlZep5qB9Dhk+rnAV2HE96MtMnFG5b3CBW/Jf8TcV9oZaXKkmR
pvsODR7vKlovpKVni1xOFaVBG4Q4L6p4aKxoac9pdB4CJd0spt5J+KOwmjcUxjAo
i6hM6U7COw+Ajn8gHOgkp22TPPxS+zdpSNhZwNgOrlPTpAi+PO2GkXroG/ciBRct
qw1mARMFHnLK/2hMXvXF
-----END CERTIFICATE-----\n`;
const TOPIC = 'arn:scw:sns:fr-par:project-22222222-2222-4222-8222-222222222222:tem-events';
async function postScaleway(message: string, id = 'scw-msg-1') {
  const h = makeHandler(scaleway({ verifySignature: false, topicArns: [TOPIC] }), NOW);
  const env = {
    Type: 'Notification',
    MessageId: id,
    TopicArn: TOPIC,
    Message: message,
    Timestamp: '2025-03-26T10:00:05.123Z',
    SignatureVersion: '1',
    Signature: 'unused',
    SigningCertURL: 'https://messaging.s3.fr-par.scw.cloud/fr-par/sns/cert.pem',
  };
  return h.post('scaleway', JSON.stringify(env), {
    'x-amz-sns-message-type': 'Notification',
    'x-amz-sns-message-id': id,
  });
}

describe('Scaleway TEM: constructed events in an SNS envelope (verification off)', () => {
  const base = {
    espName: 'scaleway',
    messageId: '55555555-5555-4555-8555-555555555555',
    recipient: 'recipient@example.net',
    timestamp: '2025-03-26T10:00:05.000Z',
  };
  const cases: Array<[string, Expected[]]> = [
    ['constructed_blocklist_created.json', []],
    [
      'constructed_email_blocklisted.json',
      [
        {
          eventType: 'rejected',
          recipient: 'full@example.net',
          eventId: '44444444-0000-4000-8000-000000000007',
        },
      ],
    ],
    [
      'constructed_email_deferred.json',
      [
        {
          ...base,
          eventType: 'deferred',
          eventId: '44444444-0000-4000-8000-000000000003',
          rejectCategory: null,
          permanent: null,
        },
      ],
    ],
    [
      'constructed_email_delivered.json',
      [{ ...base, eventType: 'delivered', eventId: '44444444-0000-4000-8000-000000000002' }],
    ],
    [
      'constructed_email_dropped.json',
      [
        {
          ...base,
          eventType: 'bounced',
          eventId: '44444444-0000-4000-8000-000000000004',
          permanent: true,
        },
      ],
    ],
    [
      'constructed_email_mailbox_not_found.json',
      [
        {
          ...base,
          eventType: 'bounced',
          recipient: 'nobody@example.net',
          rejectCategory: 'invalid',
          permanent: true,
        },
      ],
    ],
    [
      'constructed_email_queued.json',
      [{ ...base, eventType: 'queued', timestamp: '2025-03-26T10:00:00.000Z' }],
    ],
    [
      'constructed_email_spam.json',
      [{ ...base, eventType: 'rejected', eventId: '44444444-0000-4000-8000-000000000006' }],
    ],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const r = await postScaleway(fixtureText('scaleway_tem', file));
      expectOk(r, want.length);
      expectEvents(r.events, want);
    });
  }

  it('constructed_sns_envelope_email_delivered.json: its Message', async () => {
    const env = fixtureJson('scaleway_tem', 'constructed_sns_envelope_email_delivered.json');
    const r = await postScaleway(env.Message, env.MessageId);
    expectPosted(r, [
      { ...base, eventType: 'delivered', eventId: '44444444-0000-4000-8000-000000000002' },
    ]);
  });

  it('the placeholder envelope as sent, with verification on, is refused before any fetch', async () => {
    const fetched: string[] = [];
    const { createMailWebhookHandler } = await import('../../src/index');
    const handle = createMailWebhookHandler({
      providers: [
        scaleway({
          topicArns: [TOPIC],
          trustAnchors: TEST_CA,
        }),
      ],
      sinks: [],
      now: () => NOW,
      fetch: (async (u: RequestInfo | URL) => {
        fetched.push(String(u));
        return new Response('', { status: 404 });
      }) as typeof fetch,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const text = fixtureText('scaleway_tem', 'constructed_sns_envelope_email_delivered.json');
    const res = await handle(
      new Request('https://hooks.example.com/webhooks/mail/scaleway', {
        method: 'POST',
        headers: {
          'x-amz-sns-message-type': 'Notification',
          'x-amz-sns-message-id': '77777777-7777-4777-8777-777777777777',
        },
        body: text,
      }),
    ).catch((e) => e);
    expect(fetched).toEqual([]);
    if (res instanceof Response) expect(res.status).toBeGreaterThanOrEqual(400);
  });
});
