/** Postal's whole event vocabulary: every status, MessageBounced, MessageLinkClicked, MessageLoaded. */
import { describe, expect, test } from 'vitest';
import { postal } from '../../../src/index.js';
import { contextsOf, DEFAULTS } from './helpers.js';

const message = {
  id: 12345,
  token: 'eCb2zIWUbJB3',
  direction: 'outgoing',
  message_id: 'b41e2a34-8f5c-4d02-8b33-4bf1b2e7d5a6@example.com',
  to: 'Test Person <test@example.net>',
  from: 'sender@example.com',
  subject: 'Welcome',
  timestamp: 1682449390.55,
  spam_status: 'NotChecked',
  tag: 'welcome',
};

const body = (event: string, payload: Record<string, unknown>) => ({
  event,
  timestamp: 1682449392.7519,
  uuid: 'a4c2a2c0-6a6c-4f4b-9d3b-9b6b0a6e7f11',
  payload,
});

const status = (s: string, extra: Record<string, unknown> = {}) => ({
  message,
  status: s,
  details: `Details for ${s}`,
  output: `Output for ${s}`,
  sent_with_ssl: true,
  timestamp: 1682449392.7,
  time: 0.2,
  ...extra,
});

const base = {
  ...DEFAULTS,
  messageId: '12345',
  recipient: 'test@example.net',
  timestamp: '2023-04-25T19:03:12.000Z',
  espName: 'postal',
  eventId: 'a4c2a2c0-6a6c-4f4b-9d3b-9b6b0a6e7f11',
  tags: ['welcome'],
};

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'MessageSent',
    status('Sent'),
    { eventType: 'delivered', description: 'Details for Sent', mtaResponse: 'Output for Sent' },
  ],
  [
    'MessageDelayed',
    status('SoftFail'),
    {
      eventType: 'deferred',
      description: 'Details for SoftFail',
      mtaResponse: 'Output for SoftFail',
    },
  ],
  [
    'MessageDeliveryFailed',
    status('HardFail'),
    {
      eventType: 'failed',
      description: 'Details for HardFail',
      mtaResponse: 'Output for HardFail',
      rejectCategory: 'other',
      permanent: true,
    },
  ],
  [
    'MessageHeld',
    status('Held'),
    { eventType: 'queued', description: 'Details for Held', mtaResponse: 'Output for Held' },
  ],
  [
    'MessageSomething',
    status('Bounced'),
    { eventType: 'unknown', description: 'Details for Bounced', mtaResponse: 'Output for Bounced' },
  ],
  [
    'MessageBounced',
    {
      original_message: message,
      bounce: { ...message, id: 99, to: 'sender@example.com', subject: 'Mail delivery failed' },
    },
    { eventType: 'bounced', rejectCategory: 'bounced', permanent: true },
  ],
  [
    'MessageLinkClicked',
    {
      url: 'https://example.com/a',
      token: 'VJzsFA0S',
      ip_address: '192.0.2.1',
      user_agent: 'Mozilla/5.0 (click)',
      message,
    },
    { eventType: 'clicked', clickUrl: 'https://example.com/a', userAgent: 'Mozilla/5.0 (click)' },
  ],
  [
    'MessageLoaded',
    { ip_address: '192.0.2.1', user_agent: 'Mozilla/5.0 (open)', message },
    { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
  ],
];

describe('Postal events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s', async (event, payload, want) => {
    expect(await contextsOf(postal({ verifySignature: false }), body(event, payload))).toEqual([
      { ...base, ...want },
    ]);
  });

  test.each([
    ['Test Person <test@example.net>', 'test@example.net'],
    [' test@example.net ', 'test@example.net'],
    ['"Person, Test" < test@example.net >', 'test@example.net'],
  ])('message.to %j: the recipient is the address alone', async (to, recipient) => {
    const payload = status('Sent', { message: { ...message, to } });
    const got = await contextsOf(postal({ verifySignature: false }), body('MessageSent', payload));
    expect(got.map((e) => e.recipient)).toEqual([recipient]);
  });

  test.each([
    [
      'DomainDNSError',
      { domain: 'example.com', uuid: 'u', dns_checked_at: 1682449392, spf_status: 'OK' },
    ],
    ['SendLimitApproaching', { server: { uuid: 'u', name: 's' }, volume: 90, limit: 100 }],
    ['SendLimitExceeded', { server: { uuid: 'u', name: 's' }, volume: 110, limit: 100 }],
    [
      'MessageDeliveryFailed',
      status('HardFail', { message: { ...message, direction: 'incoming' } }),
    ],
  ])('%s: 200 with no events', async (event, payload) => {
    expect(await contextsOf(postal({ verifySignature: false }), body(event, payload))).toEqual([]);
  });
});
