/** Postmark's whole record vocabulary (DESIGN "Providers"), row by row: every field of the context. */
import { describe, expect, test } from 'vitest';
import { postmark } from '../../../src/index.js';
import { digestOf } from '../../helpers/provider-harness.js';
import { contextOf, DEFAULTS } from './helpers.js';

const P = () => postmark({ verifySignature: false });
const MESSAGE_ID = '00000000-0000-0000-0000-000000000000';
const common = {
  Tag: 'welcome',
  Metadata: { user: '42', n: 1 },
  MessageStream: 'outbound',
  MessageID: MESSAGE_ID,
};
const base = {
  ...DEFAULTS,
  messageId: MESSAGE_ID,
  espName: 'postmark',
  tags: ['welcome'],
  metadata: { user: '42', n: '1' },
};

const bounce = (Type: string) => ({
  RecordType: 'Bounce',
  ID: 12345,
  Type,
  TypeCode: 1,
  Name: 'A name',
  ServerID: 23,
  Description: 'The server was unable to deliver your message',
  Details: 'smtp;550 5.1.1 unknown user',
  Email: 'bounced@example.com',
  From: 'sender@example.com',
  BouncedAt: '2019-11-05T16:33:54.9070259Z',
  Inactive: true,
  CanActivate: true,
  Subject: 'Test subject',
  ...common,
});

/** Bounce `Type` → [eventType, rejectCategory, permanent]: anymail's table. */
const BOUNCE_TYPES: [string, string, string | null, boolean | null][] = [
  ['HardBounce', 'bounced', 'bounced', true],
  ['SoftBounce', 'bounced', 'bounced', false],
  ['VirusNotification', 'bounced', 'other', false],
  ['Transient', 'deferred', null, null],
  ['DnsError', 'deferred', null, null],
  ['OpenRelayTest', 'deferred', null, null],
  ['BadEmailAddress', 'rejected', 'invalid', true],
  ['ManuallyDeactivated', 'rejected', 'blocked', true],
  ['Blocked', 'rejected', 'blocked', false],
  ['DMARCPolicy', 'rejected', 'blocked', false],
  ['Unconfirmed', 'rejected', 'other', false],
  ['SMTPApiError', 'failed', 'other', false],
  ['TemplateRenderingFailed', 'failed', 'other', false],
  ['SpamNotification', 'complained', 'spam', null],
  ['SpamComplaint', 'complained', 'spam', null],
  ['Unsubscribe', 'unsubscribed', 'unsubscribed', null],
  ['Subscribe', 'unknown', null, null],
  ['AutoResponder', 'unknown', null, null],
  ['AddressChange', 'unknown', null, null],
  ['ChallengeVerification', 'unknown', null, null],
  ['InboundError', 'unknown', null, null],
  ['Unknown', 'unknown', null, null],
];

describe('Postmark Bounce records by Type: each gives its type and every context field as mapped', () => {
  test.each(BOUNCE_TYPES)('%s → %s', async (type, eventType, rejectCategory, permanent) => {
    const record = bounce(type);
    expect(await contextOf(P(), record)).toEqual({
      ...base,
      eventType,
      recipient: 'bounced@example.com',
      timestamp: '2019-11-05T16:33:54.907Z',
      eventId: String(record.ID),
      rejectReason: type,
      description: 'The server was unable to deliver your message',
      mtaResponse: 'smtp;550 5.1.1 unknown user',
      rejectCategory,
      permanent,
    });
  });
});

describe('Postmark other record types: each gives its type and every context field as mapped', () => {
  test('Delivery', async () => {
    const record = {
      RecordType: 'Delivery',
      ServerID: 23,
      Recipient: 'john@example.com',
      DeliveredAt: '2019-11-05T16:33:54.9070259Z',
      Details: 'Test delivery webhook details',
      ...common,
    };
    expect(await contextOf(P(), record)).toEqual({
      ...base,
      eventType: 'delivered',
      recipient: 'john@example.com',
      timestamp: '2019-11-05T16:33:54.907Z',
      eventId: await digestOf('postmark', JSON.stringify(record)),
      mtaResponse: 'Test delivery webhook details',
    });
  });

  test('Open', async () => {
    const record = {
      RecordType: 'Open',
      FirstOpen: true,
      Client: { Name: 'Chrome', Company: 'Google', Family: 'Chrome' },
      Platform: 'WebMail',
      UserAgent: 'Mozilla/5.0 (open)',
      ReadSeconds: 5,
      Recipient: 'john@example.com',
      ReceivedAt: '2019-11-05T16:33:54.9070259Z',
      ...common,
    };
    expect(await contextOf(P(), record)).toEqual({
      ...base,
      eventType: 'opened',
      recipient: 'john@example.com',
      timestamp: '2019-11-05T16:33:54.907Z',
      eventId: await digestOf('postmark', JSON.stringify(record)),
      userAgent: 'Mozilla/5.0 (open)',
    });
  });

  test('Click', async () => {
    const record = {
      RecordType: 'Click',
      ClickLocation: 'HTML',
      Platform: 'Desktop',
      UserAgent: 'Mozilla/5.0 (click)',
      OriginalLink: 'https://example.com/a',
      Recipient: 'john@example.com',
      ReceivedAt: '2019-11-05T16:33:54.9070259Z',
      ...common,
    };
    expect(await contextOf(P(), record)).toEqual({
      ...base,
      eventType: 'clicked',
      recipient: 'john@example.com',
      timestamp: '2019-11-05T16:33:54.907Z',
      eventId: await digestOf('postmark', JSON.stringify(record)),
      clickUrl: 'https://example.com/a',
      userAgent: 'Mozilla/5.0 (click)',
    });
  });

  test('SpamComplaint', async () => {
    const record = {
      ...bounce('SpamComplaint'),
      RecordType: 'SpamComplaint',
      ID: 42,
      Description: 'The subscriber explicitly marked this message as spam.',
      Details: 'Test spam complaint details',
    };
    expect(await contextOf(P(), record)).toEqual({
      ...base,
      eventType: 'complained',
      recipient: 'bounced@example.com',
      timestamp: '2019-11-05T16:33:54.907Z',
      eventId: '42',
      rejectReason: 'SpamComplaint',
      description: 'The subscriber explicitly marked this message as spam.',
      mtaResponse: 'Test spam complaint details',
      rejectCategory: 'spam',
    });
  });

  test('a SpamComplaint record with a Type Postmark has not named before is complained by its RecordType', async () => {
    const record = { ...bounce('SomeNewType'), RecordType: 'SpamComplaint', ID: 43 };
    expect(await contextOf(P(), record)).toMatchObject({
      eventType: 'complained',
      eventId: '43',
      rejectReason: 'SomeNewType',
      rejectCategory: 'spam',
      permanent: null,
    });
  });

  test.each([
    ['Delivery', '2021-01-01T00:00:00Z'],
    ['Bounce', '2021-01-02T00:00:00Z'],
    ['SpamComplaint', '2021-01-02T00:00:00Z'],
    ['Open', '2021-01-03T00:00:00Z'],
    ['Click', '2021-01-03T00:00:00Z'],
    ['SubscriptionChange', '2021-01-04T00:00:00Z'],
  ])('a %s record carrying every timestamp field is timed by its own (%s)', async (type, at) => {
    const record = {
      ...bounce('HardBounce'),
      RecordType: type,
      SuppressSending: true,
      DeliveredAt: '2021-01-01T00:00:00Z',
      BouncedAt: '2021-01-02T00:00:00Z',
      ReceivedAt: '2021-01-03T00:00:00Z',
      ChangedAt: '2021-01-04T00:00:00Z',
    };
    expect((await contextOf(P(), record)).timestamp).toBe(at.replace('Z', '.000Z'));
  });

  test('a record without its own timestamp field takes the first other one present, as anymail', async () => {
    const { BouncedAt: _, ...record } = {
      ...bounce('HardBounce'),
      ReceivedAt: '2021-01-03T00:00:00Z',
      ChangedAt: '2021-01-04T00:00:00Z',
    };
    expect((await contextOf(P(), record)).timestamp).toBe('2021-01-03T00:00:00.000Z');
  });

  test.each([
    [0, '0'],
    [4323372036854775807n, '4323372036854775807'],
    [-5, null],
    [-4323372036854775807n, null],
  ])('a bounce ID of %s is the eventId as sent, a negative one the digest', async (id, eventId) => {
    const body = JSON.stringify(bounce('HardBounce')).replace('"ID":12345', `"ID":${id}`);
    expect((await contextOf(P(), body)).eventId).toBe(
      eventId ?? (await digestOf('postmark', body)),
    );
  });

  test.each([
    ['HardBounce', true, 'bounced', 'bounced', true],
    ['SpamComplaint', true, 'complained', 'spam', null],
    ['ManualSuppression', true, 'unsubscribed', 'unsubscribed', null],
    ['ManualSuppression', false, 'unknown', null, null],
  ])(
    'SubscriptionChange %s, SuppressSending %s → %s',
    async (reason, suppress, eventType, rejectCategory, permanent) => {
      const record = {
        RecordType: 'SubscriptionChange',
        ServerID: 23,
        ChangedAt: '2019-11-05T16:33:54.9070259Z',
        Recipient: 'bounced-address@wildbit.com',
        Origin: 'Recipient',
        SuppressSending: suppress,
        SuppressionReason: reason,
        ...common,
      };
      expect(await contextOf(P(), record)).toEqual({
        ...base,
        eventType,
        recipient: 'bounced-address@wildbit.com',
        timestamp: '2019-11-05T16:33:54.907Z',
        eventId: await digestOf('postmark', JSON.stringify(record)),
        rejectReason: suppress ? reason : null,
        rejectCategory,
        permanent,
      });
    },
  );
});
