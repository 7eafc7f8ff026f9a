/** Scaleway TEM: SNS-style signatures whose certificate must be issued by a trust anchor, topics, TEM events. */
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { scaleway } from '../../../src/index.js';
import blocklistCreated from '../../fixtures/esps/scaleway_tem/constructed_blocklist_created.json' with {
  type: 'json',
};
import blocklisted from '../../fixtures/esps/scaleway_tem/constructed_email_blocklisted.json' with {
  type: 'json',
};
import deferred from '../../fixtures/esps/scaleway_tem/constructed_email_deferred.json' with {
  type: 'json',
};
import delivered from '../../fixtures/esps/scaleway_tem/constructed_email_delivered.json' with {
  type: 'json',
};
import dropped from '../../fixtures/esps/scaleway_tem/constructed_email_dropped.json' with {
  type: 'json',
};
import notFound from '../../fixtures/esps/scaleway_tem/constructed_email_mailbox_not_found.json' with {
  type: 'json',
};
import queued from '../../fixtures/esps/scaleway_tem/constructed_email_queued.json' with {
  type: 'json',
};
import spam from '../../fixtures/esps/scaleway_tem/constructed_email_spam.json' with {
  type: 'json',
};
import { captureHandler } from '../../helpers/capture-handler.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { EMPTY_FIELDS } from '../../helpers/expected-context.js';
import {
  buildCertificate,
  generateSigningKeys,
  serveCertificates,
  toPem,
} from '../../helpers/signing.js';
import {
  answer,
  type CertificateAuthority,
  createAuthority,
  createScalewaySigner,
  issue,
  type ScalewaySigner,
  scalewayHandler,
  scalewayRequest,
  TOPIC_ARN,
} from './helpers.js';

const DAY_MS = 24 * 60 * 60 * 1000;
let ca: CertificateAuthority;
let signer: ScalewaySigner;
beforeAll(async () => {
  ca = await createAuthority();
  signer = await createScalewaySigner({ issuer: ca.keys });
});

const options = () => ({ topicArns: [TOPIC_ARN], trustAnchors: ca.pem });
const refusal = async (response: Response) => [response.status, (await answer(response)).error];
const signed = async (event: unknown, s: ScalewaySigner = signer) =>
  scalewayRequest(await s.sign(s.notification(event)));

describe('Scaleway TEM events', () => {
  test('a verified email_delivered: one context, eventId the TEM id, messageId its email_id', async () => {
    const { handle, received } = scalewayHandler(options(), signer.fetch);
    expect(await answer(await handle(await signed(delivered)))).toEqual({ ok: true, events: 1 });
    expect(received).toEqual([
      {
        eventType: 'delivered',
        messageId: delivered.email_id,
        recipient: 'recipient@example.net',
        timestamp: new Date(delivered.created_at),
        espName: 'scaleway',
        eventId: delivered.id,
        ...EMPTY_FIELDS,
        mtaResponse: '250 2.0.0 OK',
        rawEvent: delivered,
      },
    ]);
  });

  test.each([
    ['email_queued', queued, 'queued', null, null],
    ['email_deferred', deferred, 'deferred', null, null],
    ['email_dropped', dropped, 'bounced', 'bounced', true],
    ['email_mailbox_not_found', notFound, 'bounced', 'invalid', true],
    ['email_spam', spam, 'rejected', 'spam', false],
    ['email_blocklisted', blocklisted, 'rejected', 'blocked', true],
    ['unknown_type', { ...queued, type: 'unknown_type' }, 'unknown', null, null],
  ])('%s is %s', async (_type, event, type, category, permanent) => {
    const { handle, received } = scalewayHandler(options(), signer.fetch);
    expect((await handle(await signed(event))).status).toBe(200);
    expect(received.map((c) => [c.eventType, c.rejectCategory, c.permanent])).toEqual([
      [type, category, permanent],
    ]);
  });

  test('a blocklisted event (no email_id) names the blocklist and has an empty messageId', async () => {
    const { handle, received } = scalewayHandler(options(), signer.fetch);
    await handle(await signed(blocklisted));
    expect(received[0]).toMatchObject({
      messageId: '',
      recipient: 'full@example.net',
      rejectReason: 'mailbox_full',
      description: 'mailbox full',
    });
  });

  // reference/esps.md 3.12: TEM has no tag fields, tags must come from email_headers; the SES
  // header rules (X-Tag, X-Metadata, X-Metadata-<Key>) apply.
  test('tags and metadata come from X-Tag / X-Metadata headers in email_headers', async () => {
    const { handle, received } = scalewayHandler(options(), signer.fetch);
    const headers = [
      ...delivered.email_headers,
      { key: 'X-Tag', value: 'welcome' },
      { key: 'x-tag', value: 'onboarding' },
      { key: 'X-Metadata-User-Id', value: '42' },
      { key: 'X-Metadata', value: '{"plan":"pro","seats":3}' },
      { key: 'X-Tag', value: 7 },
    ];
    await handle(await signed({ ...delivered, email_headers: headers }));
    await handle(await signed({ ...delivered, email_headers: 'X-Tag: lost' }));
    expect(received.map((c) => [c.tags, c.metadata])).toEqual([
      [['welcome', 'onboarding'], { 'User-Id': '42', plan: 'pro', seats: '3' }],
      [[], {}],
    ]);
  });

  test('blocklist_created and a Message that is not a TEM event are 200 with no events', async () => {
    const { handle, received, lines } = scalewayHandler(options(), signer.fetch);
    for (const message of [blocklistCreated, 'hello', 'null', '[1]', '{"id":"e"}']) {
      expect(await answer(await handle(await signed(message)))).toEqual({ ok: true, events: 0 });
    }
    expect(received).toEqual([]);
    expect(lines.map((l) => [l.level, l.fields.note]).filter(([, note]) => note)).toEqual([
      ['info', 'blocklist_created is not about a message'],
      ['warn', 'Message is not JSON: not a TEM event'],
      ['warn', 'Message is not a JSON object: not a TEM event'],
      ['warn', 'Message is not a JSON object: not a TEM event'],
      ['warn', 'Message has no "type": not a TEM event'],
    ]);
  });

  test('a TEM event without email_to or with a bad created_at is 400 naming the field', async () => {
    const { handle } = scalewayHandler(options(), signer.fetch);
    for (const [change, field] of [
      [{ email_to: undefined }, 'email_to'],
      [{ created_at: 'soon' }, 'created_at'],
    ] as const) {
      const response = await handle(await signed({ ...delivered, ...change }));
      const body = await answer(response);
      expect([response.status, body.error]).toEqual([400, 'invalid-scaleway-event']);
      expect(body.message).toContain(field);
    }
  });
  test('a TEM event nested more than 64 deep is 400 naming the field; one without a type is ignored', async () => {
    const { handle, received, lines } = scalewayHandler(options(), signer.fetch);
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const deep = `${JSON.stringify(delivered).slice(0, -1)},"extra":${nested(64)}}`;
    const response = await handle(await signed(deep));
    expect([response.status, await answer(response)]).toEqual([
      400,
      {
        ok: false,
        error: 'invalid-scaleway-event',
        message: 'Scaleway TEM event field "extra" nests more than 64 deep',
      },
    ]);
    expect(await answer(await handle(await signed(nested(1000))))).toEqual({ ok: true, events: 0 });
    expect(received).toEqual([]);
    expect(lines.map((l) => l.fields.note).filter(Boolean)).toEqual([
      'Message has no "type": not a TEM event',
    ]);
  });
});

describe('Scaleway certificate chain', () => {
  test('the certificate is downloaded and checked once for several messages', async () => {
    const s = await createScalewaySigner({ issuer: ca.keys });
    const { handle } = scalewayHandler(options(), s.fetch);
    for (let i = 0; i < 3; i++) expect((await handle(await signed(delivered, s))).status).toBe(200);
    expect(s.fetch.calls).toEqual([s.certUrl]);
  });

  test('a self-signed certificate on a scw.cloud host is 403 cert-untrusted, nothing delivered', async () => {
    const rogue = await createScalewaySigner({});
    const { handle, received } = scalewayHandler(options(), rogue.fetch);
    const response = await handle(await signed(delivered, rogue));
    expect(await refusal(response)).toEqual([403, 'cert-untrusted']);
    expect(received).toEqual([]);
  });

  test('a certificate issued by another CA is 403 cert-untrusted; its log line names the trust anchors checked', async () => {
    const other = await createAuthority('Other Root');
    const s = await createScalewaySigner({ issuer: other.keys });
    const { handle, lines } = scalewayHandler(options(), s.fetch);
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([
      403,
      'cert-untrusted',
    ]);
    const line = lines.find((l) => l.fields.reason === 'cert-untrusted');
    expect(line?.fields.trustAnchors).toEqual(expect.any(String));
  });

  test('an RSA key under 2048 bits: 403 cert-invalid for the signing certificate, cert-untrusted for an anchor', async () => {
    const weak = await generateSigningKeys(1024);
    const weakLeaf = await createScalewaySigner({ issuer: ca.keys, keys: weak });
    const { handle } = scalewayHandler(options(), weakLeaf.fetch);
    expect(await refusal(await handle(await signed(delivered, weakLeaf)))).toEqual([
      403,
      'cert-invalid',
    ]);
    const weakRoot = toPem(await buildCertificate(weak, { commonName: 'Weak Root', names: [] }));
    const s = await createScalewaySigner({ issuer: weak });
    const anchored = scalewayHandler({ topicArns: [TOPIC_ARN], trustAnchors: weakRoot }, s.fetch);
    expect(await refusal(await anchored.handle(await signed(delivered, s)))).toEqual([
      403,
      'cert-untrusted',
    ]);
  });

  test('root and intermediate as anchors (the sns-trust-chain.pem layout) accept a leaf of the intermediate', async () => {
    const intermediateKeys = (await createAuthority('unused')).keys;
    const intermediatePem = await issue(ca.keys, intermediateKeys, { commonName: 'Test MnQ' });
    const s = await createScalewaySigner({ issuer: intermediateKeys });
    const chain = `${ca.pem}\n${intermediatePem}`;
    const { handle } = scalewayHandler({ topicArns: [TOPIC_ARN], trustAnchors: chain }, s.fetch);
    expect((await handle(await signed(delivered, s))).status).toBe(200);
    // One step only: with the root alone, the intermediate's leaf is not trusted.
    const rootOnly = scalewayHandler(options(), s.fetch);
    expect(await refusal(await rootOnly.handle(await signed(delivered, s)))).toEqual([
      403,
      'cert-untrusted',
    ]);
  });

  // Four RSA keys are generated here, whose time varies: up to 3.3 s under load (the suite's
  // 60 s limit spares it).
  test('an intermediate whose basicConstraints says it is no CA issues nothing: 403 cert-untrusted', async () => {
    for (const isCa of [true, false]) {
      const intermediateKeys = await generateSigningKeys();
      const intermediatePem = await issue(ca.keys, intermediateKeys, {
        commonName: 'Test MnQ',
        ca: isCa,
      });
      const s = await createScalewaySigner({ issuer: intermediateKeys });
      const chain = `${ca.pem}\n${intermediatePem}`;
      const { handle } = scalewayHandler({ topicArns: [TOPIC_ARN], trustAnchors: chain }, s.fetch);
      const response = await handle(await signed(delivered, s));
      expect(await refusal(response)).toEqual(isCa ? [200, undefined] : [403, 'cert-untrusted']);
    }
  });

  test('an anchor that expired no longer vouches: 403 cert-untrusted', async () => {
    const old = await createAuthority('Old Root', {
      notBefore: new Date(Date.now() - 400 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const s = await createScalewaySigner({ issuer: old.keys });
    const { handle } = scalewayHandler({ topicArns: [TOPIC_ARN], trustAnchors: old.pem }, s.fetch);
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([
      403,
      'cert-untrusted',
    ]);
  });

  test('an anchor that expires while its certificate is cached stops vouching for it', async () => {
    const start = Date.now();
    const brief = await createAuthority('Brief Root', {
      notBefore: new Date(start - DAY_MS),
      notAfter: new Date(start + 60_000),
    });
    const s = await createScalewaySigner({ issuer: brief.keys });
    let clock = new Date(start);
    const { handle, events } = captureHandler(
      scaleway({ topicArns: [TOPIC_ARN], trustAnchors: brief.pem }),
      { fetch: s.fetch, now: () => clock },
    );
    expect((await handle(await signed(delivered, s))).status).toBe(200);
    clock = new Date(start + 10 * 60_000);
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([
      403,
      'cert-untrusted',
    ]);
    expect(events).toHaveLength(1);
  });

  test('an expired signing certificate is 403 cert-expired', async () => {
    const keys = (await createAuthority('leaf')).keys;
    const certPem = await issue(ca.keys, keys, {
      notBefore: new Date(Date.now() - 30 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    });
    const s = await createScalewaySigner({ keys, certPem });
    const { handle } = scalewayHandler(options(), s.fetch);
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([403, 'cert-expired']);
  });

  test('a certificate URL that answers 500 is 503 cert-unavailable (Scaleway retries)', async () => {
    const s = await createScalewaySigner({ issuer: ca.keys });
    s.fetch.outage = 500;
    const { handle } = scalewayHandler(options(), s.fetch);
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([
      503,
      'cert-unavailable',
    ]);
  });

  test('an endless "certificate" (anyone can host files under scw.cloud) is read no further than 64 KB: 403 cert-invalid', async () => {
    // Unsigned requests can name such a URL: the body read must stop at the size limit, not
    // buffer whatever arrives until the download deadline.
    const s = await createScalewaySigner({ issuer: ca.keys });
    let pulled = 0;
    let cancelled = false;
    const chunk = new TextEncoder().encode('A'.repeat(16 * 1024));
    const endless: typeof fetch = async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            pulled += chunk.byteLength;
            controller.enqueue(chunk);
          },
          cancel() {
            cancelled = true;
          },
        }),
      );
    const { handle, received } = scalewayHandler(options(), endless);
    // Cut off at the size limit, not at the 5 s fetch timeout: that would be 503 cert-unavailable
    // (the download may succeed on a retry), and what was pulled would be far past the limit.
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([403, 'cert-invalid']);
    expect(pulled).toBeLessThanOrEqual(128 * 1024);
    expect(cancelled).toBe(true);
    expect(received).toEqual([]);
  });
});

describe('Scaleway certificate URL, checked before any fetch', () => {
  test.each([
    ['http', 'http://messaging.s3.fr-par.scw.cloud/c.pem', 'cert-url-scheme'],
    [
      'an AWS SNS host',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0.pem',
      'cert-url-host',
    ],
    ['a look-alike host', 'https://messaging.scw.cloud.example.com/c.pem', 'cert-url-host'],
    ['a suffix without the dot', 'https://evilscw.cloud/c.pem', 'cert-url-host'],
    ['an upper-case host', 'https://Messaging.scw.cloud/c.pem', 'cert-url-host'],
    ['credentials', 'https://user:pw@messaging.scw.cloud/c.pem', 'cert-url-credentials'],
    ['a port', 'https://messaging.scw.cloud:8443/c.pem', 'cert-url-port'],
    ['a query', 'https://messaging.scw.cloud/c.pem?x=1', 'cert-url-query'],
    ['a fragment', 'https://messaging.scw.cloud/c.pem#x', 'cert-url-fragment'],
    ['dot segments', 'https://messaging.scw.cloud/a/../c.pem', 'cert-url-path'],
    ['no path', 'https://messaging.scw.cloud', 'cert-url-path'],
    ['the root path', 'https://messaging.scw.cloud/', 'cert-url-path'],
  ])('%s is refused (%s → %s) and nothing is downloaded', async (_what, certUrl, reason) => {
    const s = await createScalewaySigner({ issuer: ca.keys, certUrl });
    const fetch = serveCertificates({ [certUrl]: s.certPem });
    const { handle } = scalewayHandler(options(), fetch);
    expect(await refusal(await handle(await signed(delivered, s)))).toEqual([403, reason]);
    expect(fetch.calls).toEqual([]);
  });
});

describe('Scaleway signatures and topics', () => {
  test('a body that is no SNS envelope is 400 naming what is wrong, nothing downloaded', async () => {
    const { handle, received } = scalewayHandler(options(), signer.fetch);
    const calls = signer.fetch.calls.length;
    const { Type: _type, ...typeless } = signer.notification(delivered);
    for (const [body, reason] of [
      ['not json', 'invalid-json'],
      [JSON.stringify(typeless), 'invalid-envelope'],
      [JSON.stringify({ ...typeless, Type: 'Other' }), 'unknown-type'],
    ] as const) {
      expect(await refusal(await handle(scalewayRequest(body)))).toEqual([400, reason]);
    }
    expect(signer.fetch.calls.length).toBe(calls);
    expect(received).toEqual([]);
  });

  test('a Message changed after signing is 403 signature-invalid', async () => {
    const { handle } = scalewayHandler(options(), signer.fetch);
    const message = await signer.sign(signer.notification(delivered));
    const forged = {
      ...message,
      Message: message.Message?.replace('recipient@', 'attacker@') ?? '',
    };
    expect(await refusal(await handle(scalewayRequest(forged)))).toEqual([
      403,
      'signature-invalid',
    ]);
  });

  test('no Signature is 403 signature-missing; SignatureVersion 3 is 403 signature-version', async () => {
    const { handle } = scalewayHandler(options(), signer.fetch);
    const message = await signer.sign(signer.notification(delivered));
    const { Signature: _dropped, ...unsigned } = message;
    expect(await refusal(await handle(scalewayRequest(unsigned)))).toEqual([
      403,
      'signature-missing',
    ]);
    const v3 = { ...message, SignatureVersion: '3' };
    expect(await refusal(await handle(scalewayRequest(v3)))).toEqual([403, 'signature-version']);
  });

  test('SignatureVersion 2 is 403 signature-version: Scaleway signs with 1 only, and nothing is downloaded', async () => {
    let downloads = 0;
    const counting = ((input: RequestInfo | URL, init?: RequestInit) => {
      downloads++;
      return signer.fetch(input, init);
    }) as typeof fetch;
    const { handle, received } = scalewayHandler(options(), counting);
    const message = await signer.sign(signer.notification(delivered), '2');
    expect(await refusal(await handle(scalewayRequest(message)))).toEqual([
      403,
      'signature-version',
    ]);
    expect(downloads).toBe(0);
    expect(received).toEqual([]);
  });

  test('a Timestamp older than maxAgeSeconds is 403 message-too-old (default 8 h)', async () => {
    const { handle } = scalewayHandler(options(), signer.fetch);
    const at = (hours: number) => new Date(Date.now() - hours * 3600 * 1000).toISOString();
    // Two minutes either side of 8 h: wide enough for a slow run, too narrow for 7 h or 9 h.
    const fresh = await signer.sign(signer.notification(delivered, { Timestamp: at(8 - 1 / 30) }));
    const stale = await signer.sign(signer.notification(delivered, { Timestamp: at(8 + 1 / 30) }));
    expect((await handle(scalewayRequest(fresh))).status).toBe(200);
    expect(await refusal(await handle(scalewayRequest(stale)))).toEqual([403, 'message-too-old']);
  });

  test('a topic outside topicArns is 403 topic-not-allowed', async () => {
    const { handle } = scalewayHandler(options(), signer.fetch);
    const other = 'arn:scw:sns:fr-par:project-99999999-9999-4999-8999-999999999999:other';
    const message = await signer.sign(signer.notification(delivered, { TopicArn: other }));
    expect(await refusal(await handle(scalewayRequest(message)))).toEqual([
      403,
      'topic-not-allowed',
    ]);
  });

  test('with verification off, a topic outside topicArns is still 403 topic-not-allowed', async () => {
    const { handle, received } = scalewayHandler(
      { topicArns: [TOPIC_ARN], verifySignature: false },
      signer.fetch,
    );
    const other = 'arn:scw:sns:fr-par:project-99999999-9999-4999-8999-999999999999:other';
    const outside = signer.notification(delivered, { TopicArn: other });
    expect(await refusal(await handle(scalewayRequest(outside)))).toEqual([
      403,
      'topic-not-allowed',
    ]);
    expect(received).toEqual([]);
    // The listed topic, unsigned as well: accepted, so the topic alone refused the other one.
    expect((await handle(scalewayRequest(signer.notification(delivered)))).status).toBe(200);
  });

  test('without topicArns: a warning, confirmations logged with the TopicArn, Notifications refused', async () => {
    const { handle, lines } = scalewayHandler({ trustAnchors: ca.pem }, signer.fetch);
    const confirmation = await signer.sign(signer.subscriptionConfirmation());
    expect((await handle(scalewayRequest(confirmation))).status).toBe(200);
    const response = await handle(await signed(delivered));
    const body = await answer(response);
    expect([response.status, body.error]).toEqual([403, 'topic-not-allowed']);
    expect(body.message).toContain('MAIL_WEBHOOK_SCALEWAY_TOPIC_ARNS');
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('no Scaleway topic'))).toBe(true);
    const logged = lines.find((l) => l.msg.includes('subscription confirmation'));
    expect(logged?.fields).toMatchObject({
      topicArn: TOPIC_ARN,
      subscribeUrl: confirmation.SubscribeURL,
    });
  });

  test('autoConfirm GETs the SubscribeURL of a verified confirmation once; a failure is 503', async () => {
    const confirmation = await signer.sign(signer.subscriptionConfirmation());
    const calls: string[] = [];
    let status = 200;
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url === confirmation.SubscribeURL) {
        calls.push(url);
        return new Response('<ConfirmSubscriptionResponse/>', { status });
      }
      return signer.fetch(input, init);
    }) as typeof globalThis.fetch;
    const { handle } = scalewayHandler({ ...options(), autoConfirm: true }, fetch);
    expect((await handle(scalewayRequest(confirmation))).status).toBe(200);
    status = 500;
    expect(await refusal(await handle(scalewayRequest(confirmation)))).toEqual([
      503,
      'confirm-failed',
    ]);
    expect(calls).toHaveLength(2);
  });

  /** The signer's fetch, recording every URL asked for. */
  const recordingFetch = () => {
    const fetchCalls: string[] = [];
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      fetchCalls.push(String(input));
      return signer.fetch(input, init);
    }) as typeof globalThis.fetch;
    return { fetchCalls, fetch };
  };

  test('autoConfirm refuses a SubscribeURL off Scaleway or for another token: 403, no GET', async () => {
    const { fetchCalls, fetch } = recordingFetch();
    const { handle } = scalewayHandler({ ...options(), autoConfirm: true }, fetch);
    for (const SubscribeURL of [
      'https://attacker.example/?Action=ConfirmSubscription',
      `https://sns.mnq.fr-par.scaleway.com/?Action=ConfirmSubscription&TopicArn=${TOPIC_ARN}&Token=other`,
    ]) {
      const message = await signer.sign(signer.subscriptionConfirmation({ SubscribeURL }));
      expect(await refusal(await handle(scalewayRequest(message)))).toEqual([
        403,
        'subscribe-url-invalid',
      ]);
    }
    expect(fetchCalls.every((url) => url === signer.certUrl)).toBe(true);
  });

  test('autoConfirm GETs only a plain https Scaleway URL for this topic and token: 403 otherwise, no GET', async () => {
    const { fetchCalls, fetch } = recordingFetch();
    const { handle } = scalewayHandler({ ...options(), autoConfirm: true }, fetch);
    const token = 'a'.repeat(64);
    // Each carries the right Action, TopicArn and Token: only the one rule named breaks.
    const query = (arn = TOPIC_ARN, action = 'ConfirmSubscription') =>
      `?Action=${action}&TopicArn=${encodeURIComponent(arn)}&Token=${token}`;
    for (const SubscribeURL of [
      `https://attacker.example/${query()}`,
      `http://sns.mnq.fr-par.scaleway.com/${query()}`,
      `https://user:pw@sns.mnq.fr-par.scaleway.com/${query()}`,
      `https://user@sns.mnq.fr-par.scaleway.com/${query()}`,
      `https://:pw@sns.mnq.fr-par.scaleway.com/${query()}`,
      `https://sns.mnq.fr-par.scaleway.com:8443/${query()}`,
      `https://sns.mnq.fr-par.scaleway.com/${query()}#x`,
      `sns.mnq.fr-par.scaleway.com/${query()}`,
      `https://sns.mnq.fr-par.scaleway.com/${query(`${TOPIC_ARN}-other`)}`,
      `https://sns.mnq.fr-par.scaleway.com/${query(TOPIC_ARN, 'Unsubscribe')}`,
    ]) {
      const message = await signer.sign(
        signer.subscriptionConfirmation({ SubscribeURL, Token: token }),
      );
      expect([SubscribeURL, ...(await refusal(await handle(scalewayRequest(message))))]).toEqual([
        SubscribeURL,
        403,
        'subscribe-url-invalid',
      ]);
    }
    expect(fetchCalls.every((url) => url === signer.certUrl)).toBe(true);
  });
});

describe('Scaleway settings', () => {
  test('trustAnchors is required (unless verification is off) and must hold RSA PEM certificates', () => {
    expect(() => scaleway({ topicArns: [TOPIC_ARN] })).toThrow(
      /scaleway\.trustAnchors: is required/,
    );
    expect(() => scaleway({ trustAnchors: 'not a pem' })).toThrow(/holds no PEM certificate/);
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    expect(() => scaleway({ trustAnchors: broken })).toThrow(/certificate 1 is not a readable/);
    expect(() => scaleway({ verifySignature: false })).not.toThrow();
  });

  test('autoConfirm needs topicArns and verified signatures; topicArns must be Scaleway ARNs', () => {
    expect(() => scaleway({ trustAnchors: ca.pem, autoConfirm: true })).toThrow(
      /scaleway\.autoConfirm/,
    );
    // Unverified, anyone could post a SubscriptionConfirmation and have its URL fetched.
    expect(() =>
      scaleway({ topicArns: [TOPIC_ARN], autoConfirm: true, verifySignature: false }),
    ).toThrow(/scaleway\.autoConfirm: needs scaleway\.verifySignature/);
    expect(() =>
      scaleway({ trustAnchors: ca.pem, topicArns: ['arn:aws:sns:us-east-1:123456789012:x'] }),
    ).toThrow(ConfigError);
    // One good ARN does not carry a bad one: every entry is checked.
    expect(() =>
      scaleway({
        trustAnchors: ca.pem,
        topicArns: [TOPIC_ARN, 'arn:aws:sns:us-east-1:123456789012:x'],
      }),
    ).toThrow(/scaleway\.topicArns: expected Scaleway topic ARNs/);
  });

  test('MAIL_WEBHOOK_SCALEWAY_TRUST_ANCHORS (with \\n escapes) and _TOPIC_ARNS from the environment', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'scaleway',
        MAIL_WEBHOOK_SCALEWAY_TRUST_ANCHORS: ca.pem.replace(/\n/g, '\\n'),
        MAIL_WEBHOOK_SCALEWAY_TOPIC_ARNS: TOPIC_ARN,
      },
      { logger: memoryLogger().logger, fetch: signer.fetch },
    );
    expect((await handle(await signed(delivered))).status).toBe(200);
    expect(() =>
      createHandlerFromEnv(
        { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'scaleway' },
        { logger: memoryLogger().logger },
      ),
    ).toThrow(/MAIL_WEBHOOK_SCALEWAY_TRUST_ANCHORS/);
  });
});
