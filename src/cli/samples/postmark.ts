/** Postmark (test/fixtures/esps/postmark): one record per request, behind HTTP Basic or a custom header. */
import { sharedSecretHeaders } from '../signing.js';
import { perRecipient, uuid } from './ids.js';
import type { CliProvider } from './types.js';

const _recordId = () => crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;

const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/124.0';

/** A record of `RecordType` for one recipient; `at` names the field holding its time. */
const _record = (RecordType: string, at: string, fields: object = {}, address = 'Recipient') =>
  perRecipient((recipient, now) => ({
    RecordType,
    MessageID: uuid(),
    ServerID: 23,
    MessageStream: 'outbound',
    [address]: recipient,
    [at]: now.toISOString(),
    Tag: 'welcome',
    Metadata: { campaign: 'welcome' },
    ...fields,
    // Postmark's own record id, fresh per record (its eventId where the record has one).
    ...('ID' in fields ? { ID: _recordId() } : {}),
  }));

const _bounce = (Type: string, TypeCode: number, Name: string, Description: string) =>
  _record(
    'Bounce',
    'BouncedAt',
    {
      ID: 0,
      Type,
      TypeCode,
      Name,
      Description,
      Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      From: 'sender@example.com',
      Inactive: Type === 'HardBounce',
      CanActivate: true,
      Subject: 'mailhooks sample',
    },
    'Email',
  );

export const postmarkSamples: CliProvider = {
  name: 'postmark',
  credentials: 'shared-secret',
  signing: 'HTTP Basic (--password [--username]) or a custom header (--header "Name: value")',
  events: {
    delivered: _record('Delivery', 'DeliveredAt', { Details: 'smtp;250 2.0.0 OK' }),
    bounced: _bounce(
      'HardBounce',
      1,
      'Hard bounce',
      'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    ),
    deferred: _bounce(
      'Transient',
      2,
      'Message delayed',
      'The server could not temporarily deliver your message.',
    ),
    rejected: _bounce(
      'BadEmailAddress',
      100000,
      'Invalid email address',
      'The address is not a valid email address.',
    ),
    opened: _record('Open', 'ReceivedAt', {
      FirstOpen: true,
      UserAgent: USER_AGENT,
      Platform: 'Desktop',
    }),
    clicked: _record('Click', 'ReceivedAt', {
      ClickLocation: 'HTML',
      OriginalLink: 'https://example.com/welcome',
      UserAgent: USER_AGENT,
      Platform: 'Desktop',
    }),
    complained: _record(
      'SpamComplaint',
      'BouncedAt',
      {
        ID: 0,
        Type: 'SpamComplaint',
        TypeCode: 512,
        Name: 'Spam complaint',
        Details: 'The subscriber explicitly marked this message as spam.',
        From: 'sender@example.com',
      },
      'Email',
    ),
    unsubscribed: _record('SubscriptionChange', 'ChangedAt', {
      Origin: 'Recipient',
      SuppressSending: true,
      SuppressionReason: 'ManualSuppression',
    }),
  },
  sign: async (payload, credentials) => ({
    headers: { 'content-type': 'application/json', ...sharedSecretHeaders(credentials) },
    body: JSON.stringify(payload),
  }),
};
