/**
 * DESIGN: timestamps are real calendar instants between 1970 and 9999, never silently shifted;
 * a bad one is a 400 naming the field for a single-event ESP, and for a batch the element is
 * logged (naming the field) and skipped, the rest delivered. Every provider's timestamp field,
 * through createMailWebhookHandler with verification off. An absent field is no error where the
 * ESP may leave it out: the event takes the next source the README names (the envelope's time,
 * `mail.timestamp`, Mailgun's signature timestamp, else the time it arrived), each shown here.
 */
import { describe, expect, test } from 'vitest';
import type { Provider } from '../../src/index.js';
import * as mailhooks from '../../src/index.js';
import { captureHandler } from '../helpers/capture-handler.js';
import { envelope, snsHeaders } from '../helpers/envelope.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const off = { verifySignature: false } as const;
const A = 'a@example.com';
const GOOD_S = 1767225600; // 2026-01-01T00:00:00Z, every accepted spelling below
const GOOD_ISO = '2026-01-01T00:00:00.000Z';
const GOOD_HALF = '2026-01-01T00:00:00.500Z';
/** Where an absent field falls back to: the SNS Timestamp / EventBridge `time`, `mail.timestamp`, Mailgun's signature. */
const ENVELOPE_ISO = '2026-02-01T00:00:00.000Z';
const MAIL_ISO = '2025-12-31T00:00:00.000Z';
const SIGNED_S = 1767139200; // 2025-12-31T00:00:00Z

/** How a provider carries one timestamp value (`undefined`: the field left out). */
interface Case {
  readonly provider: () => Provider;
  /** The field as refusals and warn lines name it. */
  readonly field: string;
  readonly kind: 'single' | 'batch';
  readonly format: 'iso' | 'unix';
  /** A request carrying `value` (and, for a batch, one good element after it). */
  readonly request: (value: unknown) => { body: string; headers?: Record<string, string> };
  /** What an absent field (and a null one) gives: an instant it falls back to, or a refusal. */
  readonly missing: string | typeof REFUSED;
  readonly null: string | typeof REFUSED;
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  body: JSON.stringify(body, (_k, v) => (v === undefined ? undefined : v)),
  headers: { 'content-type': 'application/json', ...headers },
});
const sesEvent = (mailTime: unknown, deliveryTime: unknown) => ({
  eventType: 'Delivery',
  mail: { messageId: 'm-1', timestamp: mailTime, destination: [A] },
  delivery: { timestamp: deliveryTime, recipients: [A] },
});
const sns = (message: unknown) => {
  const body = envelope(message, { timestamp: ENVELOPE_ISO });
  return { body: JSON.stringify(body), headers: snsHeaders(body) };
};
// `time` is passed explicitly: undefined must stay absent, not take a default.
const eventBridge = (detail: unknown, time: unknown) =>
  json({
    version: '0',
    id: 'eb-1',
    'detail-type': 'Email Delivered',
    source: 'aws.ses',
    account: '123456789012',
    time,
    region: 'us-east-1',
    resources: [],
    detail,
  });
const postmark = (field: string, type: string) => (value: unknown) =>
  json({ RecordType: type, MessageID: 'm-1', Recipient: A, [field]: value });

const REFUSED = Symbol('refused');
const NOW_ISO = NOW.toISOString();

const CASES: Record<string, Case> = {
  'ses mail.timestamp': {
    missing: ENVELOPE_ISO,
    null: ENVELOPE_ISO,
    provider: () => mailhooks.ses({ ...off, allowAnyTopic: true }),
    field: 'mail.timestamp',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      sns({ ...sesEvent(value, GOOD_ISO), eventType: 'Send', delivery: undefined }),
  },
  'ses delivery.timestamp': {
    missing: MAIL_ISO,
    null: MAIL_ISO,
    provider: () => mailhooks.ses({ ...off, allowAnyTopic: true }),
    field: 'delivery.timestamp',
    kind: 'single',
    format: 'iso',
    request: (value) => sns(sesEvent(MAIL_ISO, value)),
  },
  'ses-eventbridge detail.mail.timestamp': {
    missing: ENVELOPE_ISO,
    null: ENVELOPE_ISO,
    provider: () => mailhooks.sesEventBridge(off),
    field: 'mail.timestamp',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      eventBridge(
        { ...sesEvent(value, GOOD_ISO), eventType: 'Send', delivery: undefined },
        ENVELOPE_ISO,
      ),
  },
  'ses-eventbridge detail.delivery.timestamp': {
    missing: MAIL_ISO,
    null: MAIL_ISO,
    provider: () => mailhooks.sesEventBridge(off),
    field: 'delivery.timestamp',
    kind: 'single',
    format: 'iso',
    request: (value) => eventBridge(sesEvent(MAIL_ISO, value), ENVELOPE_ISO),
  },
  'ses-eventbridge time': {
    missing: NOW_ISO,
    null: REFUSED,
    provider: () => mailhooks.sesEventBridge(off),
    field: 'time',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      eventBridge({ eventType: 'Send', mail: { messageId: 'm-1', destination: [A] } }, value),
  },
  'resend created_at': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.resend(off),
    field: 'created_at',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      json(
        { type: 'email.delivered', created_at: value, data: { email_id: 'e-1', to: [A] } },
        { 'webhook-id': 'msg_1' },
      ),
  },
  'sendgrid timestamp': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.sendgrid(off),
    field: 'timestamp',
    kind: 'batch',
    format: 'unix',
    request: (value) =>
      json(
        [value, GOOD_S].map((timestamp) => ({
          event: 'delivered',
          email: A,
          sg_message_id: 'm.1',
          timestamp,
        })),
      ),
  },
  'mailgun event-data.timestamp': {
    missing: MAIL_ISO,
    null: MAIL_ISO,
    provider: () => mailhooks.mailgun(off),
    field: 'event-data.timestamp',
    kind: 'single',
    format: 'unix',
    request: (value) =>
      json({
        'event-data': { event: 'delivered', id: 'i-1', recipient: A, timestamp: value },
        signature: { token: 't', timestamp: String(SIGNED_S), signature: 'x' },
      }),
  },
  'postmark DeliveredAt': {
    missing: NOW_ISO,
    null: NOW_ISO,
    provider: () => mailhooks.postmark(off),
    field: 'DeliveredAt',
    kind: 'single',
    format: 'iso',
    request: postmark('DeliveredAt', 'Delivery'),
  },
  'postmark BouncedAt': {
    missing: NOW_ISO,
    null: NOW_ISO,
    provider: () => mailhooks.postmark(off),
    field: 'BouncedAt',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      json({
        RecordType: 'Bounce',
        ID: 1,
        Type: 'HardBounce',
        MessageID: 'm-1',
        Email: A,
        BouncedAt: value,
      }),
  },
  'postmark ReceivedAt': {
    missing: NOW_ISO,
    null: NOW_ISO,
    provider: () => mailhooks.postmark(off),
    field: 'ReceivedAt',
    kind: 'single',
    format: 'iso',
    request: postmark('ReceivedAt', 'Open'),
  },
  'postmark ChangedAt': {
    missing: NOW_ISO,
    null: NOW_ISO,
    provider: () => mailhooks.postmark(off),
    field: 'ChangedAt',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      json({
        RecordType: 'SubscriptionChange',
        MessageID: 'm-1',
        Recipient: A,
        SuppressSending: true,
        SuppressionReason: 'ManualSuppression',
        ChangedAt: value,
      }),
  },
  'brevo ts_epoch': {
    missing: NOW_ISO,
    null: REFUSED,
    provider: () => mailhooks.brevo(off),
    field: 'ts_epoch',
    kind: 'batch',
    format: 'unix',
    request: (value) =>
      json(
        [value, GOOD_S * 1000].map((ts_epoch) => ({
          event: 'delivered',
          email: A,
          'message-id': '<m-1@example.com>',
          ts_epoch,
        })),
      ),
  },
  'mailjet time': {
    missing: NOW_ISO,
    null: REFUSED,
    provider: () => mailhooks.mailjet(off),
    field: 'time',
    kind: 'batch',
    format: 'unix',
    request: (value) =>
      json([value, GOOD_S].map((time) => ({ event: 'sent', time, MessageID: 1, email: A }))),
  },
  'mandrill ts': {
    missing: NOW_ISO,
    null: NOW_ISO,
    provider: () => mailhooks.mandrill(off),
    field: 'ts',
    kind: 'batch',
    format: 'unix',
    request: (value) => ({
      body: `mandrill_events=${encodeURIComponent(
        JSON.stringify(
          [value, GOOD_S].map((ts) => ({
            event: 'send',
            ts,
            _id: 'i-1',
            msg: { email: A, _id: 'i-1' },
          })),
        ),
      )}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    }),
  },
  'mailersend created_at': {
    missing: NOW_ISO,
    null: NOW_ISO,
    provider: () => mailhooks.mailersend(off),
    field: 'created_at',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      json({
        type: 'activity.sent',
        created_at: value,
        data: { id: 'd-1', message_id: 'm-1', recipient: A },
      }),
  },
  'mailersend (v1) data.created_at': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.mailersend(off),
    field: 'data.created_at',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      json({
        type: 'activity.sent',
        data: {
          id: 'd-1',
          type: 'sent',
          created_at: value,
          email: { message: { id: 'm-1' }, recipient: { email: A } },
        },
      }),
  },
  'mailtrap timestamp': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.mailtrap(off),
    field: 'timestamp',
    kind: 'batch',
    format: 'unix',
    request: (value) =>
      json({
        events: [value, GOOD_S].map((timestamp) => ({
          event: 'delivery',
          timestamp,
          message_id: 'm-1',
          email: A,
        })),
      }),
  },
  'sparkpost timestamp': {
    missing: NOW_ISO,
    null: REFUSED,
    provider: () => mailhooks.sparkpost(off),
    field: 'msys.message_event.timestamp',
    kind: 'batch',
    format: 'unix',
    request: (value) =>
      json(
        [value, String(GOOD_S)].map((timestamp) => ({
          msys: {
            message_event: { type: 'delivery', timestamp, rcpt_to: A, transmission_id: 't-1' },
          },
        })),
      ),
  },
  'postal timestamp': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.postal(off),
    field: 'timestamp',
    kind: 'single',
    format: 'unix',
    request: (value) =>
      json({
        event: 'MessageSent',
        timestamp: value,
        uuid: 'u-1',
        payload: { status: 'Sent', message: { id: 1, to: A } },
      }),
  },
  'mailpace payload.created_at': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.mailpace(off),
    field: 'payload.created_at',
    kind: 'single',
    format: 'iso',
    request: (value) =>
      json({ event: 'email.delivered', payload: { to: A, message_id: 'm-1', created_at: value } }),
  },
  'loops eventTime': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.loops(off),
    field: 'eventTime',
    kind: 'single',
    format: 'unix',
    request: (value) =>
      json(
        {
          eventName: 'email.delivered',
          eventTime: value,
          webhookSchemaVersion: '1.0.0',
          contactIdentity: { email: A },
          email: { id: 'e-1' },
        },
        { 'webhook-id': 'msg_1' },
      ),
  },
  'unisender-go event_time': {
    missing: NOW_ISO,
    null: REFUSED,
    provider: () => mailhooks.unisenderGo(off),
    field: 'event_time',
    kind: 'batch',
    format: 'iso',
    request: (value) =>
      json({
        auth: 'x',
        events_by_user: [
          {
            events: [value, '2026-01-01 00:00:00'].map((event_time) => ({
              event_name: 'transactional_email_status',
              event_data: { job_id: 'j-1', email: A, status: 'delivered', event_time },
            })),
          },
        ],
      }),
  },
  'scaleway created_at': {
    missing: REFUSED,
    null: REFUSED,
    provider: () => mailhooks.scaleway(off),
    field: 'created_at',
    kind: 'single',
    format: 'iso',
    request: (value) => {
      const body = envelope(
        { id: 'tem-1', type: 'email_delivered', email_id: 'm-1', email_to: A, created_at: value },
        {
          timestamp: GOOD_ISO,
          topicArn: 'arn:scw:sns:fr-par:project-22222222-2222-4222-8222-222222222222:tem-events',
          extra: { SigningCertURL: 'https://messaging.fr-par.scw.cloud/cert.pem' },
        },
      );
      return { body: JSON.stringify(body), headers: snsHeaders(body) };
    },
  },
};

async function post(c: Case, value: unknown) {
  const provider = c.provider();
  const { handle, events, lines } = captureHandler(provider, { now: () => NOW });
  const { body, headers } = c.request(value);
  const response = await handle(
    new Request(`https://hooks.example/webhooks/mail/${provider.path}`, {
      method: 'POST',
      body,
      headers,
    }),
  );
  const answer = (await response.json()) as { ok: boolean; error?: string; message?: string };
  const skipped = lines.filter((l) => l.level === 'warn' && /skipped/.test(l.msg));
  return { status: response.status, answer, events, skipped };
}

type Expected = string | typeof REFUSED;

/** ISO 8601 fields: what each value must give (an instant, or a refusal naming the field). */
const isoValues = (c: Case): [string, unknown, Expected][] => [
  ['02-30 (not rolled into March)', '2026-02-30T00:00:00Z', REFUSED],
  ['T24:00 (not the next day)', '2026-01-01T24:00:00Z', REFUSED],
  ['an offset that leaves 9999', '9999-12-31T23:59:59-23:59', REFUSED],
  ['1969', '1969-12-31T23:59:59Z', REFUSED],
  ['an offset that leaves 1970', '1970-01-01T00:00:00+00:01', REFUSED],
  ['a leap second (Date has none)', '2026-06-30T23:59:60Z', REFUSED],
  ['month 13', '2026-13-01T00:00:00Z', REFUSED],
  ['not a date', 'abc', REFUSED],
  ['empty', '', REFUSED],
  ['a number', GOOD_S, REFUSED],
  ['lowercase t and z', '2026-01-01t00:00:00z', GOOD_ISO],
  ['no offset (UTC)', '2026-01-01T00:00:00', GOOD_ISO],
  ['a space for T', '2026-01-01 00:00:00', GOOD_ISO],
  ['+00', '2026-01-01T03:00:00+03', GOOD_ISO],
  ['-0500', '2025-12-31T19:00:00-0500', GOOD_ISO],
  ['seven fraction digits', '2026-01-01T00:00:00.5000000Z', GOOD_HALF],
  ['29 February of a leap year', '2028-02-29T00:00:00Z', '2028-02-29T00:00:00.000Z'],
  ['missing', undefined, c.missing],
  ['null', null, c.null],
];

/** Unix-time fields. Brevo's `ts_epoch` is milliseconds (seconds below 1e11, as its samples). */
const unixValues = (c: Case): [string, unknown, Expected][] => {
  const brevo = c.field === 'ts_epoch';
  return [
    ['negative', -1, REFUSED],
    ['not a number', 'abc', REFUSED],
    ['1e20', 1e20, REFUSED],
    ['past 9999', brevo ? 253402300800000 : 253402300800, REFUSED],
    ['empty', '', REFUSED],
    ['a boolean', true, REFUSED],
    [
      'a fraction',
      GOOD_S + 0.5,
      // Postal: whole seconds, as anymail's int(timestamp).
      c.field === 'timestamp' && c.kind === 'single' ? GOOD_ISO : GOOD_HALF,
    ],
    // Brevo sends numbers: a string ts_epoch is not its format.
    ['a numeric string', String(GOOD_S), brevo ? REFUSED : GOOD_ISO],
    ['milliseconds', GOOD_S * 1000, brevo ? GOOD_ISO : REFUSED],
    // SparkPost's generation failures carry ISO 8601.
    ['ISO 8601 text', '2026-01-01T00:00:00Z', c.field.startsWith('msys') ? GOOD_ISO : REFUSED],
    ['missing', undefined, c.missing],
    ['null', null, c.null],
  ];
};

describe.each(Object.entries(CASES))('%s', (_name, c) => {
  test.each((c.format === 'iso' ? isoValues : unixValues)(c))(
    '%s',
    async (_what, value, expected) => {
      const { status, answer, events, skipped } = await post(c, value);
      const field = `"${c.field}"`;
      if (c.kind === 'single') {
        if (expected === REFUSED) {
          expect(status).toBe(400);
          expect(answer.error).toMatch(/^invalid-/);
          expect(answer.message).toContain(field);
          expect(events).toEqual([]);
        } else {
          expect({ status, answer }).toEqual({ status: 200, answer: { ok: true, events: 1 } });
          expect(events.map((e) => e.timestamp.toISOString())).toEqual([expected]);
        }
        return;
      }
      // A batch of the element under test and a good one: a bad element is logged and skipped.
      expect(status).toBe(200);
      if (expected === REFUSED) {
        expect(events.map((e) => e.timestamp.toISOString())).toEqual([GOOD_ISO]);
        expect(skipped).toHaveLength(1);
        expect(skipped[0]?.fields).toMatchObject({ index: 0 });
        expect(String(skipped[0]?.fields.problem)).toContain(field);
      } else {
        expect(events.map((e) => e.timestamp.toISOString())).toEqual([expected, GOOD_ISO]);
        expect(skipped).toEqual([]);
      }
    },
  );
});

test.each([
  ['brevo', mailhooks.brevo(off), { event: 'delivered', email: A, ts_epoch: -1 }, 'ts_epoch'],
  [
    'mailjet',
    mailhooks.mailjet(off),
    { event: 'sent', email: A, MessageID: 1, time: 'abc' },
    'time',
  ],
])(
  '%s: one event (not a batch) with a bad timestamp is a 400 naming the field',
  async (_n, provider, event, field) => {
    const { status, answer, events } = await post(
      { provider: () => provider, request: (v: unknown) => json(v) } as unknown as Case,
      event,
    );
    expect(status).toBe(400);
    expect(answer.message).toContain(`"${field}"`);
    expect(events).toEqual([]);
  },
);
