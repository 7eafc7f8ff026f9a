/** Every Postal fixture, signed with a test key, through the real handler, field by field. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../../src/index.js';
import { EMPTY_FIELDS, type Expected as Fields } from '../../helpers/expected-context.js';
import { answer, postalRequest, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/postal/', import.meta.url);

type Expected = Fields & { eventId: string };

const anymail = { ...EMPTY_FIELDS, description: 'details', mtaResponse: 'server output' };
const docs = {
  ...EMPTY_FIELDS,
  recipient: 'test@example.com',
  messageId: '12345',
  eventId: '820b47a4-4dfd-42e4-ae6a-1e5bed5a33fd',
  timestamp: '2016-10-31T20:19:37.000Z',
  tags: ['welcome'],
};
const CHROME_54 =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/54.0.2840.98 Safari/537.36';

const CASES: Record<string, Expected | null> = {
  // anymail's test sends a bounce payload under the MessageDelayed name; like anymail, the payload decides.
  anymail_bounce_event: {
    ...anymail,
    eventType: 'bounced',
    recipient: 'bounce@example.com',
    messageId: '233843',
    eventId: '0fcc831f-92b9-4e2b-97f2-d873abc77fab',
    timestamp: '2020-11-30T16:18:21.000Z',
    rejectCategory: 'bounced',
    permanent: true,
  },
  anymail_deferred_event: {
    ...anymail,
    eventType: 'deferred',
    recipient: 'deferred@example.com',
    messageId: '1564',
    eventId: '0fcc831f-92b9-4e2b-97f2-d873abc77fab',
    timestamp: '2020-11-30T16:18:21.000Z',
  },
  anymail_delivered_event: {
    ...EMPTY_FIELDS,
    eventType: 'delivered',
    recipient: 'recipient@example.com',
    messageId: '1563',
    eventId: '58e8d7ee-2cd5-4db2-9af3-3f436105795a',
    timestamp: '2020-11-30T16:18:21.000Z',
    tags: ['welcome-email'],
    description: 'Message for recipient@example.com accepted',
    mtaResponse: '250 2.0.0 OK\n',
  },
  anymail_failed_event: {
    ...anymail,
    eventType: 'failed',
    recipient: 'failed@example.com',
    messageId: '1571',
    eventId: '5fec5077-dae7-4989-94d5-e1963f3e9181',
    timestamp: '2020-11-30T16:18:21.000Z',
    description: 'Could not deliver',
    rejectCategory: 'other',
    permanent: true,
  },
  anymail_ignore_incoming_events: null,
  anymail_queued_event: {
    ...anymail,
    eventType: 'queued',
    recipient: 'suppressed@example.com',
    messageId: '1568',
    eventId: '9be13015-2e54-456c-bf66-eacbe33da824',
    timestamp: '2020-11-30T16:18:21.000Z',
    description: 'Recipient (suppressed@example.com) is on the suppression list',
  },
  docs_DomainDNSError: null,
  docs_MessageBounced: {
    ...docs,
    eventType: 'bounced',
    rejectCategory: 'bounced',
    permanent: true,
  },
  docs_MessageLinkClicked: {
    ...docs,
    eventType: 'clicked',
    clickUrl: 'https://atech.media',
    userAgent: CHROME_54,
  },
  docs_MessageLoaded: { ...docs, eventType: 'opened', userAgent: CHROME_54 },
  docs_MessageSent: {
    ...docs,
    eventType: 'delivered',
    description:
      'Message sent by SMTP to aspmx.l.google.com (2a00:1450:400c:c0b::1b) (from 2a00:67a0:a:15::2)',
    mtaResponse: '250 2.0.0 OK 1477944899 ly2si31746747wjb.95 - gsmtp',
  },
  docs_SendLimitApproaching: null,
};

describe('Postal fixtures through the handler', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  test('every fixture in the folder has a case', () => {
    expect(files.map((f) => f.slice(0, -5)).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const file of files) {
    const expected = CASES[file.slice(0, -5)] ?? null;
    test(`${file} → ${expected?.eventType ?? 'no event'}`, async () => {
      const body = readFileSync(new URL(file, DIR), 'utf8');
      const { handle, events, lines } = await setup();
      const result = await answer(await handle(await postalRequest(body)));
      expect(result).toEqual({ status: 200, body: { ok: true, events: expected ? 1 : 0 } });
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
      if (!expected) return expect(events).toEqual([]);
      const [event] = events as [EmailTrackingContext];
      const { timestamp, ...fields } = expected;
      expect({ ...event, timestamp: event.timestamp.toISOString() }).toEqual({
        ...fields,
        timestamp,
        espName: 'postal',
        rawEvent: JSON.parse(body),
      });
    });
  }
});
