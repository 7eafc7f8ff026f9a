/** Scaleway TEM's whole event vocabulary (reference/esps.md §3.12), signed and verified, row by row. */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  type CertificateAuthority,
  createAuthority,
  createScalewaySigner,
  type ScalewaySigner,
  scalewayHandler,
  scalewayRequest,
  TOPIC_ARN,
} from '../scaleway/helpers.js';
import { DEFAULTS, seen } from './helpers.js';

let ca: CertificateAuthority;
let signer: ScalewaySigner;

beforeAll(async () => {
  ca = await createAuthority();
  signer = await createScalewaySigner({ issuer: ca.keys });
});

const event = (type: string, extra: Record<string, unknown> = {}) => ({
  id: '0a1b2c3d-0000-4000-8000-00000000e001',
  type,
  created_at: '2026-01-05T10:00:00Z',
  email_id: '5e0d8a3b-0000-4000-8000-00000000a001',
  email_from: 'sender@example.com',
  email_to: 'recipient@example.com',
  email_headers: [
    { key: 'Subject', value: 'Hello' },
    { key: 'X-Tag', value: 'welcome' },
    { key: 'X-Metadata-User', value: '42' },
  ],
  ...extra,
});

async function contexts(message: object) {
  const { handle, received } = scalewayHandler(
    { topicArns: [TOPIC_ARN], trustAnchors: ca.pem },
    signer.fetch,
  );
  const response = await handle(scalewayRequest(await signer.sign(signer.notification(message))));
  expect(response.status).toBe(200);
  return received.map(seen);
}

const base = {
  ...DEFAULTS,
  messageId: '5e0d8a3b-0000-4000-8000-00000000a001',
  recipient: 'recipient@example.com',
  timestamp: '2026-01-05T10:00:00.000Z',
  espName: 'scaleway',
  eventId: '0a1b2c3d-0000-4000-8000-00000000e001',
  tags: ['welcome'],
  metadata: { User: '42' },
};

const SMTP = { email_response_code: 550, email_response_message: '5.1.1 mailbox unavailable' };

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['email_queued', {}, { eventType: 'queued' }],
  [
    'email_delivered',
    { email_response_code: 250, email_response_message: '2.0.0 OK' },
    { eventType: 'delivered', mtaResponse: '250 2.0.0 OK' },
  ],
  [
    'email_deferred',
    { email_response_code: 421, email_response_message: '421 4.7.0 try later' },
    { eventType: 'deferred', mtaResponse: '421 4.7.0 try later' },
  ],
  [
    'email_dropped',
    SMTP,
    {
      eventType: 'bounced',
      rejectReason: 'email_dropped',
      description: '5.1.1 mailbox unavailable',
      mtaResponse: '550 5.1.1 mailbox unavailable',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'email_mailbox_not_found',
    SMTP,
    {
      eventType: 'bounced',
      rejectReason: 'email_mailbox_not_found',
      description: '5.1.1 mailbox unavailable',
      mtaResponse: '550 5.1.1 mailbox unavailable',
      rejectCategory: 'invalid',
      permanent: true,
    },
  ],
  [
    'email_spam',
    { email_response_code: 554, email_response_message: '5.7.1 spam detected' },
    {
      eventType: 'rejected',
      rejectReason: 'email_spam',
      mtaResponse: '554 5.7.1 spam detected',
      rejectCategory: 'spam',
      permanent: false,
    },
  ],
  [
    'email_blocklisted',
    { blocklist_type: 'mailbox_full', blocklist_reason: 'repeated bounces' },
    {
      eventType: 'rejected',
      rejectReason: 'mailbox_full',
      description: 'repeated bounces',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  ['unknown_type', {}, { eventType: 'unknown' }],
];

/** The SMTP answer when TEM leaves out the code, or sends only its `email_error` line. */
const SMTP_ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'email_delivered',
    { email_response_message: '2.0.0 OK' },
    { eventType: 'delivered', mtaResponse: '2.0.0 OK' },
  ],
  [
    'email_deferred',
    { email_error: '451 4.7.1 Try again later' },
    { eventType: 'deferred', mtaResponse: '451 4.7.1 Try again later' },
  ],
];

describe('Scaleway TEM events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s', async (type, extra, want) => {
    expect(await contexts(event(type, extra))).toEqual([{ ...base, ...want }]);
  });

  test.each(SMTP_ROWS)('%s %j: mtaResponse is the text as sent', async (type, extra, want) => {
    expect(await contexts(event(type, extra))).toEqual([{ ...base, ...want }]);
  });

  test('blocklist_created is about no message: 200, no events', async () => {
    expect(
      await contexts({
        id: 'e',
        type: 'blocklist_created',
        created_at: '2026-01-05T10:00:00Z',
        domain_id: 'd',
      }),
    ).toEqual([]);
  });
});
