/** MailPace's whole event vocabulary (anymail PR #355's mapping), row by row: every field. */
import { describe, expect, test } from 'vitest';
import { mailpace } from '../../../src/index.js';
import { digestOf } from '../../helpers/provider-harness.js';
import { contextsOf, DEFAULTS } from './helpers.js';

const event = (name: string, status: string) => ({
  event: name,
  payload: {
    status,
    id: 1,
    domain_id: 1,
    created_at: '2021-11-16T14:50:15.445Z',
    updated_at: '2021-11-16T14:50:15.445Z',
    from: 'sender@example.com',
    to: 'First <first@example.com>, second@example.com',
    subject: 'string',
    message_id: '<abc@mailpace.com>',
    tags: ['welcome', 'spring'],
  },
});

const ROWS: [string, string, Record<string, unknown>][] = [
  ['email.queued', 'queued', { eventType: 'queued' }],
  ['email.delivered', 'delivered', { eventType: 'delivered' }],
  ['email.deferred', 'deferred', { eventType: 'deferred' }],
  [
    'email.bounced',
    'bounced',
    { eventType: 'bounced', rejectReason: 'bounced', rejectCategory: 'bounced', permanent: true },
  ],
  [
    'email.spam',
    'spam',
    { eventType: 'rejected', rejectReason: 'spam', rejectCategory: 'spam', permanent: false },
  ],
  ['email.something_new', 'new', { eventType: 'unknown' }],
];

describe('MailPace events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s', async (name, status, want) => {
    const text = JSON.stringify(event(name, status));
    const eventId = await digestOf('mailpace', text);
    expect(await contextsOf(mailpace({ verifySignature: false }), text)).toEqual(
      ['first@example.com', 'second@example.com'].map((recipient) => ({
        ...DEFAULTS,
        messageId: '<abc@mailpace.com>',
        recipient,
        timestamp: '2021-11-16T14:50:15.445Z',
        espName: 'mailpace',
        eventId,
        tags: ['welcome', 'spring'],
        ...want,
      })),
    );
  });
});
