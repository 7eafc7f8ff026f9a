/** Brevo's whole event vocabulary (DESIGN "Providers", reference/esps.md §3.5), row by row. */
import { describe, expect, test } from 'vitest';
import { brevo } from '../../../src/index.js';
import { digestOf } from '../../helpers/provider-harness.js';
import { contextOf, contextsOf, DEFAULTS } from './helpers.js';

const event = (name: string, extra: Record<string, unknown> = {}) => ({
  event: name,
  email: 'example@example.com',
  id: 12345,
  date: '2024-01-02 03:04:05',
  ts: 1704160245,
  'message-id': '<201798300811.5787683@relay.domain.com>',
  ts_event: 1704160245,
  subject: 'My first Transactional',
  'X-Mailin-custom': '{"user":"42","n":1}',
  sending_ip: '185.41.28.109',
  ts_epoch: 1704164645123,
  tags: ['welcome', 'spring'],
  ...extra,
});

const ROWS: [string, Record<string, unknown>, Record<string, unknown>][] = [
  ['request', {}, { eventType: 'queued' }],
  ['delivered', { reason: '250 OK' }, { eventType: 'delivered', mtaResponse: '250 OK' }],
  [
    'deferred',
    { reason: '421 try later' },
    { eventType: 'deferred', mtaResponse: '421 try later' },
  ],
  [
    'hard_bounce',
    { reason: '550 unknown user' },
    {
      eventType: 'bounced',
      rejectReason: 'hard_bounce',
      mtaResponse: '550 unknown user',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  [
    'soft_bounce',
    { reason: '452 mailbox full' },
    {
      eventType: 'bounced',
      rejectReason: 'soft_bounce',
      mtaResponse: '452 mailbox full',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  [
    'invalid_email',
    {},
    {
      eventType: 'bounced',
      rejectReason: 'invalid_email',
      rejectCategory: 'invalid',
      permanent: true,
    },
  ],
  [
    'blocked',
    { reason: 'blocked : due to blacklist user' },
    {
      eventType: 'rejected',
      rejectReason: 'blocked',
      mtaResponse: 'blocked : due to blacklist user',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  [
    'error',
    { reason: 'template error' },
    {
      eventType: 'failed',
      rejectReason: 'error',
      mtaResponse: 'template error',
      rejectCategory: 'other',
      permanent: false,
    },
  ],
  ['spam', {}, { eventType: 'complained', rejectCategory: 'spam' }],
  ['complaint', {}, { eventType: 'complained', rejectCategory: 'spam' }],
  ['opened', {}, { eventType: 'opened' }],
  ['unique_opened', {}, { eventType: 'opened' }],
  ['proxy_open', {}, { eventType: 'opened' }],
  ['unique_proxy_open', {}, { eventType: 'opened' }],
  [
    'click',
    { link: 'https://example.com/a' },
    { eventType: 'clicked', clickUrl: 'https://example.com/a' },
  ],
  ['unsubscribe', {}, { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  ['unsubscribed', {}, { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  ['list_addition', {}, { eventType: 'unknown' }],
  ['something_new', {}, { eventType: 'unknown' }],
];

const want = (extra: Record<string, unknown>) => ({
  ...DEFAULTS,
  messageId: '<201798300811.5787683@relay.domain.com>',
  recipient: 'example@example.com',
  timestamp: '2024-01-02T03:04:05.123Z',
  espName: 'brevo',
  tags: ['welcome', 'spring'],
  metadata: { user: '42', n: '1' },
  ...extra,
});

describe('Brevo events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s %j', async (name, extra, fields) => {
    const text = JSON.stringify(event(name, extra));
    expect(await contextOf(brevo({ verifySignature: false }), text)).toEqual(
      want({ eventId: await digestOf('brevo', text), ...fields }),
    );
  });

  test('batched: each element, its digest over its JSON text', async () => {
    const elements = ROWS.map(([name, extra]) => event(name, extra));
    const got = await contextsOf(brevo({ verifySignature: false }), elements);
    expect(got).toEqual(
      await Promise.all(
        ROWS.map(async ([, , fields], i) =>
          want({ eventId: await digestOf('brevo', JSON.stringify(elements[i])), ...fields }),
        ),
      ),
    );
  });

  test('a single `tag` (X-Mailin-Tag) when there is no `tags`', async () => {
    const { tags: _t, ...rest } = event('delivered');
    expect(
      (await contextOf(brevo({ verifySignature: false }), { ...rest, tag: 'one' })).tags,
    ).toEqual(['one']);
  });
});
