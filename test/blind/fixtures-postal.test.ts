// Blind fixture tests: Postal (RSA PKCS#1 v1.5 signatures, SHA-256 preferred, SHA-1 accepted).
import { createSign } from 'node:crypto';
import { describe, it } from 'vitest';
import { postal } from '../../src/index';
import {
  type Expected,
  expectEvents,
  expectOk,
  expectRefused,
  fixtureJson,
  fixtureText,
  makeHandler,
} from './fixtures-harness';

const V = fixtureJson('postal', 'vectors/vectors.json');
const KEY = fixtureText('postal', 'vectors/postal_ci_signing.key.pem');
const PUB = V.public_key_spki_base64 as string;
const NOW = new Date('2026-06-01T00:00:00Z');
// Whole seconds: Postal's fraction is dropped, as django-anymail's int(timestamp) drops it.
const s = (n: number) => new Date(Math.trunc(n) * 1000).toISOString();

function sign(body: string, alg: 'RSA-SHA256' | 'RSA-SHA1') {
  return createSign(alg).update(body).sign(KEY, 'base64');
}
async function post(body: string, headers?: Record<string, string>) {
  const h = makeHandler(postal({ publicKey: PUB }), NOW);
  return h.post('postal', body, headers ?? { 'X-Postal-Signature-256': sign(body, 'RSA-SHA256') });
}

const docs = {
  // Postal's own message id (`message.id`), as current django-anymail reports it.
  messageId: '12345',
  recipient: 'test@example.com',
  eventId: '820b47a4-4dfd-42e4-ae6a-1e5bed5a33fd',
  timestamp: s(1477945177.12994),
  tags: ['welcome'],
};
const ua =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/54.0.2840.98 Safari/537.36';

const cases: Array<[string, Expected[]]> = [
  [
    'anymail_bounce_event.json',
    [
      {
        eventType: 'bounced',
        recipient: 'bounce@example.com',
        messageId: '233843',
        eventId: '0fcc831f-92b9-4e2b-97f2-d873abc77fab',
        timestamp: s(1606753101.961181),
        tags: [],
        rejectCategory: 'bounced',
      },
    ],
  ],
  [
    'anymail_deferred_event.json',
    [
      {
        eventType: 'deferred',
        recipient: 'deferred@example.com',
        messageId: '1564',
        mtaResponse: 'server output',
        rejectCategory: null,
        permanent: null,
      },
    ],
  ],
  [
    'anymail_delivered_event.json',
    [
      {
        eventType: 'delivered',
        recipient: 'recipient@example.com',
        messageId: '1563',
        eventId: '58e8d7ee-2cd5-4db2-9af3-3f436105795a',
        timestamp: s(1606753101.354368),
        tags: ['welcome-email'],
        mtaResponse: '250 2.0.0 OK\n',
      },
    ],
  ],
  [
    'anymail_failed_event.json',
    [
      {
        eventType: 'failed',
        recipient: 'failed@example.com',
        rejectCategory: 'other',
        // HardFail: Postal gave up on the address for good.
        permanent: true,
        mtaResponse: 'server output',
      },
    ],
  ],
  ['anymail_ignore_incoming_events.json', []],
  [
    'anymail_queued_event.json',
    [
      {
        eventType: 'queued',
        recipient: 'suppressed@example.com',
        eventId: '9be13015-2e54-456c-bf66-eacbe33da824',
      },
    ],
  ],
  ['docs_DomainDNSError.json', []],
  ['docs_MessageBounced.json', [{ ...docs, eventType: 'bounced', rejectCategory: 'bounced' }]],
  [
    'docs_MessageLinkClicked.json',
    [{ ...docs, eventType: 'clicked', clickUrl: 'https://atech.media', userAgent: ua }],
  ],
  ['docs_MessageLoaded.json', [{ ...docs, eventType: 'opened', userAgent: ua, clickUrl: null }]],
  [
    'docs_MessageSent.json',
    [
      {
        ...docs,
        eventType: 'delivered',
        mtaResponse: '250 2.0.0 OK 1477944899 ly2si31746747wjb.95 - gsmtp',
      },
    ],
  ],
  ['docs_SendLimitApproaching.json', []],
];

describe('Postal: every fixture, signed with the Postal CI key', () => {
  for (const [file, want] of cases) {
    it(file, async () => {
      const r = await post(fixtureText('postal', file));
      expectOk(r, want.length);
      expectEvents(
        r.events,
        want.map((w) => ({ espName: 'postal', ...w })),
      );
    });
  }
});

describe('Postal: vectors and signature rules', () => {
  for (const v of V.vectors as any[]) {
    it(`vector ${v.name}`, async () => {
      const body = fixtureText('postal', `vectors/${v.body_file}`);
      const r = await post(body, v.headers);
      if (v.expect_valid) expectOk(r, 1);
      else expectRefused(r, 403);
    });
  }

  it('SHA-1 header alone is accepted', async () => {
    const body = fixtureText('postal', 'docs_MessageSent.json');
    expectOk(await post(body, { 'X-Postal-Signature': sign(body, 'RSA-SHA1') }), 1);
  });

  it('a bad SHA-256 header is judged alone even with a good SHA-1 header', async () => {
    const body = fixtureText('postal', 'docs_MessageSent.json');
    const other = fixtureText('postal', 'docs_MessageLoaded.json');
    expectRefused(
      await post(body, {
        'X-Postal-Signature-256': sign(other, 'RSA-SHA256'),
        'X-Postal-Signature': sign(body, 'RSA-SHA1'),
      }),
      403,
    );
  });

  it('no signature: 403 signature-missing', async () => {
    expectRefused(
      await post(fixtureText('postal', 'docs_MessageSent.json'), {}),
      403,
      'signature-missing',
    );
  });

  it('a body without event is 200 with no events', async () => {
    const body = '{"payload":{}}';
    expectOk(await post(body), 0);
  });
});
