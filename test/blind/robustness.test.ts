// DESIGN: "No input makes the handler throw or answer 500 with a stack", across the first wave.
import { beforeAll, describe, expect, test } from 'vitest';
import {
  createMailWebhookHandler,
  mailgun,
  postmark,
  resend,
  sendgrid,
  ses,
} from '../../src/index.js';
import {
  basic,
  CERT_URL,
  certFetch,
  collector,
  fixtureJson,
  mailgunBody,
  makeSnsCert,
  newWhsec,
  post,
  recordingLogger,
  type SnsCert,
  sendgridKeys,
  sendgridRequest,
  snsEnvelope,
  snsRequest,
  standardRequest,
  TOPIC,
} from './helpers.js';

let cert: SnsCert;
const RESEND_SECRET = newWhsec();
const SG = sendgridKeys();
let handler: (r: Request) => Promise<Response>;
let sink: ReturnType<typeof collector>;

beforeAll(() => {
  cert = makeSnsCert();
  sink = collector();
  handler = createMailWebhookHandler({
    providers: [
      ses({ topicArns: [TOPIC] }),
      resend({ secret: RESEND_SECRET }),
      sendgrid({ publicKey: SG.publicKey }),
      mailgun({ signingKey: 'mg' }),
      postmark({ password: 'pw' }),
    ],
    sinks: [sink],
    fetch: certFetch({ [CERT_URL]: cert.certPem }),
    logger: recordingLogger(),
  });
});

async function expectNo500(request: Request) {
  const res = await handler(request);
  expect(res.status).toBeLessThan(500);
  const text = await res.text();
  expect(() => JSON.parse(text)).not.toThrow();
  return res;
}

const WEIRD = ['constructor', '__proto__', 'toString', ''];

let cachedCert: SnsCert | undefined;
function otherCert(): SnsCert {
  cachedCert ??= makeSnsCert();
  return cachedCert;
}

describe('signed but strange SES Messages', () => {
  test('a Message that is JSON but no SES event (null, 42, [1,2], "text", {}, true): 200, no events', async () => {
    for (const message of ['null', '42', '[1,2]', '"text"', '{}', 'true']) {
      const before = sink.events.length;
      const res = await expectNo500(snsRequest(snsEnvelope(cert, message)));
      expect(res.status, message).toBe(200);
      expect(sink.events.length, message).toBe(before);
    }
  });

  test('an SES event with fields of the wrong shape, or an odd eventType: never 500', async () => {
    const changes: [string, (m: any) => any][] = [
      ['eventType a number', (m) => ({ ...m, eventType: 5 })],
      ['mail null', (m) => ({ ...m, mail: null })],
      [
        'destination not a list',
        (m) => ({ ...m, mail: { ...m.mail, destination: 'a@example.com' } }),
      ],
      ['tags not a map of lists', (m) => ({ ...m, mail: { ...m.mail, tags: { a: 'b' } } })],
      ['headers not a list', (m) => ({ ...m, mail: { ...m.mail, headers: { a: 1 } } })],
      [
        'X-Metadata not JSON',
        (m) => ({ ...m, mail: { ...m.mail, headers: [{ name: 'X-Metadata', value: '{oops' }] } }),
      ],
      [
        'bounced recipient without address',
        (m) => ({
          ...m,
          eventType: 'Bounce',
          bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{}] },
        }),
      ],
      ['messageId a number', (m) => ({ ...m, mail: { ...m.mail, messageId: 7 } })],
      ...WEIRD.map((type): [string, (m: any) => any] => [
        `eventType ${JSON.stringify(type)}`,
        (m) => ({ ...m, eventType: type }),
      ]),
    ];
    for (const [, change] of changes) {
      await expectNo500(
        snsRequest(snsEnvelope(cert, change(fixtureJson('ses/event-publishing-send.json')))),
      );
    }
  });

  test('envelopes that are not what they claim: 4xx', async () => {
    const signed = () => snsEnvelope(otherCert(), 'x');
    const bodies = [
      '[]',
      'null',
      '5',
      JSON.stringify({ Type: 5, MessageId: 'x' }),
      JSON.stringify({ Type: 'constructor', MessageId: 'x' }),
      JSON.stringify({ ...signed(), Signature: undefined }),
      JSON.stringify({ ...signed(), Signature: '%%%' }),
      JSON.stringify({ ...signed(), SigningCertURL: 'not a url' }),
      JSON.stringify({ ...signed(), Timestamp: 'yesterday' }),
      '\uFFFD',
    ];
    for (const body of bodies) {
      const res = await expectNo500(snsRequest(body));
      expect(res.status, body.slice(0, 60)).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('ESP bodies with odd shapes and type names', () => {
  test('resend: never 500', async () => {
    const bodies = [
      ...WEIRD.map((type) =>
        JSON.stringify({
          type,
          created_at: new Date().toISOString(),
          data: { email_id: 'e', to: ['a@example.com'] },
        }),
      ),
      '{"type":"email.sent"}',
      '{"type":"email.sent","created_at":"2024-01-01T00:00:00Z","data":null}',
      '{"type":"email.sent","created_at":"2024-01-01T00:00:00Z","data":{"email_id":"e","to":"a@example.com"}}',
      '[]',
      'not json',
    ];
    for (const body of bodies)
      await expectNo500(
        standardRequest('https://h.example/webhooks/mail/resend', RESEND_SECRET, body),
      );
  });

  test('sendgrid: never 500', async () => {
    const now = Math.floor(Date.now() / 1000);
    const bodies = [
      ...WEIRD.map((event) =>
        JSON.stringify([{ email: 'a@example.com', event, sg_message_id: 'm.1', timestamp: now }]),
      ),
      '{}',
      'null',
      '[null]',
      '[{"event":"delivered"}]',
      '[{"email":"a@example.com","event":"delivered","timestamp":"soon"}]',
    ];
    for (const body of bodies)
      await expectNo500(
        sendgridRequest('https://h.example/webhooks/mail/sendgrid', SG.privateKeyPem, body),
      );
  });

  test('mailgun: odd event names never 500; bodies without a usable signature block are 4xx', async () => {
    for (const event of WEIRD) {
      const body = mailgunBody('mg', {
        id: 'x',
        event,
        timestamp: 1700000000,
        recipient: 'a@example.com',
        message: { headers: { 'message-id': 'm' } },
      });
      await expectNo500(post('https://h.example/webhooks/mail/mailgun', body));
    }
    for (const body of [
      '{}',
      '{"signature":null}',
      '{"signature":{"timestamp":1,"token":2,"signature":3}}',
      '[]',
    ]) {
      const res = await expectNo500(post('https://h.example/webhooks/mail/mailgun', body));
      expect(res.status, body).toBeGreaterThanOrEqual(400);
    }
  });

  test('postmark: never 500', async () => {
    const auth = { authorization: basic('u', 'pw') };
    const bodies = [
      ...WEIRD.flatMap((type) => [
        {
          RecordType: type,
          MessageID: 'm',
          Recipient: 'a@example.com',
          DeliveredAt: '2024-01-01T00:00:00Z',
        },
        {
          RecordType: 'Bounce',
          Type: type,
          ID: 1,
          MessageID: 'm',
          Email: 'a@example.com',
          BouncedAt: '2024-01-01T00:00:00Z',
        },
        {
          RecordType: 'SubscriptionChange',
          SuppressSending: true,
          SuppressionReason: type,
          MessageID: 'm',
          Recipient: 'a@example.com',
          ChangedAt: '2024-01-01T00:00:00Z',
        },
      ]).map((b) => JSON.stringify(b)),
      'null',
      '[]',
      '{"RecordType":"Delivery"}',
      '{"RecordType":"Delivery","Recipient":5,"MessageID":"m","DeliveredAt":"2024-01-01T00:00:00Z"}',
    ];
    for (const body of bodies)
      await expectNo500(post('https://h.example/webhooks/mail/postmark', body, auth));
  });

  test('malformed credentials never 500', async () => {
    for (const authorization of [
      'Basic',
      'Basic !!!',
      `Basic ${btoa('nocolon')}`,
      'Bearer',
      'Basic \u00e9',
    ]) {
      await expectNo500(post('https://h.example/webhooks/mail/postmark', '{}', { authorization }));
    }
  });
});
