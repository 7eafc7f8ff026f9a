/**
 * Symfony's Scaleway webhook test payloads (symfony/symfony
 * src/Symfony/Component/Mailer/Bridge/Scaleway/Tests/Webhook/Fixtures/email_*.json: one per TEM
 * event type, Jan 2026), signed v1 by the test PKI and sent through the handler; the fields are
 * DESIGN's and reference/esps.md 3.12's. Django-anymail has no Scaleway tracking webhook.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import {
  answer,
  createAuthority,
  createScalewaySigner,
  type ScalewaySigner,
  scalewayHandler,
  scalewayRequest,
  TOPIC_ARN,
} from './helpers.js';

const EMAIL_ID = 'd4fbec9d-eed9-44d5-af47-c1126467a5ca';

/** The fields every Symfony fixture shares, then the event's own. */
const tem = (id: string, type: string, createdAt: string, own: Record<string, unknown>) => ({
  id,
  type,
  organization_id: '6d7fa23a-1c4f-44f4-9a1c-4a5b1f8b8f1a',
  project_id: '8c8bfa06-9d5f-4a3e-a6a5-1a4a4f2f0b7e',
  domain_id: 'b6a2f0a4-9d4f-46e3-9f1a-0b6a2f0a49d4',
  domain_name: 'example.com',
  created_at: createdAt,
  email_from: 'sender@example.com',
  email_to: 'recipient@example.com',
  email_headers: [{ key: 'Message-Id', value: '<42@example.com>' }],
  ...own,
});

const sent = (at: string) => ({ email_sent_at: at, email_id: EMAIL_ID });

const CASES: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'email_queued',
    tem('8fd54b7f-9f65-4bd2-b6b9-31d5c2e7a5c1', 'email_queued', '2026-01-15T10:29:57Z', {
      email_queued_at: '2026-01-15T10:29:57Z',
      email_id: EMAIL_ID,
    }),
    { eventType: 'queued', rejectCategory: null, permanent: null, mtaResponse: null },
  ],
  [
    'email_delivered',
    tem('af5c1aac-cf1b-4d4d-9e46-e6d0cd40b81c', 'email_delivered', '2026-01-15T10:30:00Z', {
      ...sent('2026-01-15T10:29:58Z'),
      email_response_code: 250,
      email_response_message: '2.0.0 OK',
    }),
    { eventType: 'delivered', rejectCategory: null, mtaResponse: '250 2.0.0 OK' },
  ],
  [
    'email_deferred',
    tem('1f0b7a55-8b3f-4a15-97cf-2d9f5a3cfa3b', 'email_deferred', '2026-01-15T10:31:00Z', {
      ...sent('2026-01-15T10:30:58Z'),
      email_error: '450 4.2.1 The user you are trying to contact is receiving mail too quickly',
      email_next_try: '2026-01-15T10:46:00Z',
      email_try_count: 2,
      email_response_code: 450,
      email_response_message:
        '4.2.1 The user you are trying to contact is receiving mail too quickly',
    }),
    {
      eventType: 'deferred',
      rejectCategory: null,
      permanent: null,
      mtaResponse: '450 4.2.1 The user you are trying to contact is receiving mail too quickly',
    },
  ],
  [
    'email_dropped',
    tem('efc57ea6-3f0c-4a4d-8b3a-6a6e3c1d2f0a', 'email_dropped', '2026-01-15T10:32:00Z', {
      ...sent('2026-01-15T10:31:58Z'),
      email_error: '550 5.1.1 The email account that you tried to reach does not exist',
      email_response_code: 550,
      email_response_message: '5.1.1 The email account that you tried to reach does not exist',
    }),
    {
      eventType: 'bounced',
      rejectCategory: 'bounced',
      permanent: true,
      mtaResponse: '550 5.1.1 The email account that you tried to reach does not exist',
    },
  ],
  [
    'email_mailbox_not_found',
    tem('0a1d3b58-2c4e-49b0-8d0e-7f3a5b1c9e2d', 'email_mailbox_not_found', '2026-01-15T10:33:00Z', {
      ...sent('2026-01-15T10:32:58Z'),
      email_response_code: 550,
      email_response_message: '5.1.1 Mailbox not found',
    }),
    {
      eventType: 'bounced',
      rejectCategory: 'invalid',
      permanent: true,
      mtaResponse: '550 5.1.1 Mailbox not found',
    },
  ],
  [
    // No email_id: the blocklist refused the address before any message existed.
    'email_blocklisted',
    tem('3c5a7e19-6b2d-4f80-9c1e-5d7b3a9f1c4e', 'email_blocklisted', '2026-01-15T10:34:00Z', {
      email_blocklisted_at: '2026-01-15T10:34:00Z',
      blocklist_id: '9e8d7c6b-5a49-4382-b1c0-d9e8f7a6b5c4',
      blocklist_type: 'mailbox_not_found',
      blocklist_reason: 'The recipient mailbox does not exist',
    }),
    {
      eventType: 'rejected',
      messageId: '',
      rejectCategory: 'blocked',
      permanent: true,
      description: 'The recipient mailbox does not exist',
    },
  ],
  [
    'email_spam',
    tem('7b9e1d3f-5a7c-4e90-b2d4-f6a8c0e2b4d6', 'email_spam', '2026-01-15T10:35:00Z', {
      ...sent('2026-01-15T10:34:58Z'),
      email_response_code: 571,
      email_response_message: '5.7.1 Message refused, listed as spam',
    }),
    {
      eventType: 'rejected',
      rejectCategory: 'spam',
      permanent: false,
      mtaResponse: '571 5.7.1 Message refused, listed as spam',
    },
  ],
];

let signer: ScalewaySigner;
let anchor: string;
beforeAll(async () => {
  const ca = await createAuthority();
  anchor = ca.pem;
  signer = await createScalewaySigner({ issuer: ca.keys });
});

describe("Symfony's Scaleway payloads, signed, through the handler", () => {
  test.each(CASES)('%s', async (_type, event, want) => {
    const { handle, received } = scalewayHandler(
      { topicArns: [TOPIC_ARN], trustAnchors: anchor },
      signer.fetch,
    );
    const response = await handle(scalewayRequest(await signer.sign(signer.notification(event))));
    expect([response.status, await answer(response)]).toEqual([200, { ok: true, events: 1 }]);
    expect(received[0]).toMatchObject({
      espName: 'scaleway',
      eventId: event.id,
      messageId: event.email_id ?? '',
      recipient: 'recipient@example.com',
      timestamp: new Date(String(event.created_at)),
      rawEvent: event,
      ...want,
    });
  });
});
