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

/** The answer's status and JSON, after checking it is no 5xx. */
async function expectNo500(request: Request) {
  const res = await handler(request);
  expect(res.status).toBeLessThan(500);
  const text = await res.text();
  expect(() => JSON.parse(text)).not.toThrow();
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
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
      expect(res, message).toEqual({ status: 200, body: { ok: true, events: 0 } });
      expect(sink.events.length, message).toBe(before);
    }
  });

  test('an SES event with fields of the wrong shape: 400 naming the field; an odd eventType: unknown', async () => {
    // [what, change, the field the 400 names, or undefined for one unknown event]
    const changes: [string, (m: any) => any, string | undefined][] = [
      ['eventType a number', (m) => ({ ...m, eventType: 5 }), '"eventType"'],
      ['mail null', (m) => ({ ...m, mail: null }), '"mail"'],
      [
        'destination not a list',
        (m) => ({ ...m, mail: { ...m.mail, destination: 'a@example.com' } }),
        '"mail.destination"',
      ],
      [
        'tags not a map of lists',
        (m) => ({ ...m, mail: { ...m.mail, tags: { a: 'b' } } }),
        '"mail.tags.a"',
      ],
      [
        'headers not a list',
        (m) => ({ ...m, mail: { ...m.mail, headers: { a: 1 } } }),
        '"mail.headers"',
      ],
      [
        'bounced recipient without address',
        (m) => ({
          ...m,
          eventType: 'Bounce',
          bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{}] },
        }),
        '"bounce.bouncedRecipients.0.emailAddress"',
      ],
      [
        'messageId a number',
        (m) => ({ ...m, mail: { ...m.mail, messageId: 7 } }),
        '"mail.messageId"',
      ],
      ...WEIRD.map((type): [string, (m: any) => any, undefined] => [
        `eventType ${JSON.stringify(type)}`,
        (m) => ({ ...m, eventType: type }),
        undefined,
      ]),
    ];
    for (const [what, change, field] of changes) {
      const before = sink.events.length;
      const { status, body } = await expectNo500(
        snsRequest(snsEnvelope(cert, change(fixtureJson('ses/event-publishing-send.json')))),
      );
      if (field === undefined) {
        expect({ status, body }, what).toEqual({ status: 200, body: { ok: true, events: 1 } });
        expect(sink.events.at(-1)?.eventType, what).toBe('unknown');
      } else {
        expect({ status, error: body.error }, what).toEqual({
          status: 400,
          error: 'invalid-ses-event',
        });
        expect(body.message, what).toContain(field);
        expect(sink.events.length, what).toBe(before);
      }
    }
  });

  test('an X-Metadata header that is not JSON costs its metadata, not the event', async () => {
    const send = fixtureJson('ses/event-publishing-send.json');
    send.mail.headers = [{ name: 'X-Metadata', value: '{oops' }];
    const res = await expectNo500(snsRequest(snsEnvelope(cert, send)));
    expect(res).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(sink.events.at(-1)).toMatchObject({ eventType: 'sent', metadata: {} });
  });

  test('envelopes that are not what they claim: 400 or 403 naming the rule', async () => {
    const signed = () => snsEnvelope(otherCert(), 'x');
    const bodies: [string, number, string][] = [
      ['[]', 400, 'invalid-envelope'],
      ['null', 400, 'invalid-envelope'],
      ['5', 400, 'invalid-envelope'],
      [JSON.stringify({ Type: 5, MessageId: 'x' }), 400, 'unknown-type'],
      [JSON.stringify({ Type: 'constructor', MessageId: 'x' }), 400, 'unknown-type'],
      [JSON.stringify({ ...signed(), Signature: undefined }), 403, 'signature-missing'],
      [JSON.stringify({ ...signed(), Signature: '%%%' }), 403, 'signature-invalid'],
      [JSON.stringify({ ...signed(), SigningCertURL: 'not a url' }), 403, 'cert-url-invalid'],
      [JSON.stringify({ ...signed(), Timestamp: 'yesterday' }), 403, 'timestamp-invalid'],
      ['\uFFFD', 400, 'invalid-json'],
    ];
    for (const [body, status, error] of bodies) {
      const res = await expectNo500(snsRequest(body));
      expect({ status: res.status, error: res.body.error }, body.slice(0, 60)).toEqual({
        status,
        error,
      });
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
    for (const [body, error] of [
      ['{}', 'signature-missing'],
      ['{"signature":null}', 'signature-missing'],
      ['{"signature":{"timestamp":1,"token":2,"signature":3}}', 'signature-invalid'],
      ['[]', 'signature-missing'],
    ] as const) {
      const res = await expectNo500(post('https://h.example/webhooks/mail/mailgun', body));
      expect({ status: res.status, error: res.body.error }, body).toEqual({ status: 403, error });
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

  test('malformed credentials never 500: they are no credentials, 401', async () => {
    for (const authorization of [
      'Basic',
      'Basic !!!',
      `Basic ${btoa('nocolon')}`,
      'Bearer',
      'Basic \u00e9',
    ]) {
      const res = await expectNo500(
        post('https://h.example/webhooks/mail/postmark', '{}', { authorization }),
      );
      expect({ status: res.status, error: res.body.error }, authorization).toEqual({
        status: 401,
        error: 'credentials-required',
      });
    }
  });
});
