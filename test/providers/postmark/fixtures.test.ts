import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../../src/index.js';
import { EMPTY_FIELDS, type Expected as Fields } from '../../helpers/expected-context.js';
import { NOW, postmarkHandler, postmarkRequest } from './helpers.js';

const DIR = new URL('../../fixtures/esps/postmark/', import.meta.url);
const raw = (name: string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(readFileSync(new URL(name, DIR)));
/** The digest rule, computed independently of the code under test. */
const digest = (name: string): string =>
  `postmark:${createHash('sha256').update(raw(name)).digest('hex').slice(0, 32)}`;

const EXAMPLE_META = { example: 'value', example_2: 'value' };
const CHROME_35 =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/35.0.1916.153 Safari/537.36';
const HARD_BOUNCE_TEXT =
  'The server was unable to deliver your message (ex: unknown user, mailbox not found).';

type Expected = Fields & { eventId?: string };

const expected = (
  fields: Partial<Expected> & Pick<Expected, 'eventType' | 'timestamp' | 'messageId' | 'recipient'>,
): Expected => ({ ...EMPTY_FIELDS, ...fields });

const CASES: [string, Expected][] = [
  [
    'anymail_bounce_event.json',
    expected({
      eventType: 'bounced',
      recipient: 'bounce@example.com',
      messageId: '2706ee8a-737c-4285-b032-ccd317af53ed',
      eventId: '901542550',
      timestamp: '2016-04-27T20:28:50.396Z',
      rejectReason: 'HardBounce',
      description: HARD_BOUNCE_TEXT,
      mtaResponse: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      rejectCategory: 'bounced',
      permanent: true,
    }),
  ],
  [
    'anymail_click_event.json',
    expected({
      eventType: 'clicked',
      recipient: 'recipient@example.com',
      messageId: 'f4830d10-9c35-4f0c-bca3-3d9b459821f8',
      timestamp: '2017-10-25T15:21:11.906Z',
      tags: ['welcome-email'],
      clickUrl: 'https://example.com/click/me',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) etc.',
    }),
  ],
  [
    'anymail_delivered_event.json',
    expected({
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: '883953f4-6105-42a2-a16a-77a8eac79483',
      timestamp: '2014-08-01T17:28:10.273Z',
      tags: ['welcome-email'],
      metadata: { cohort: '2014-08-A', userid: '12345' },
      mtaResponse: 'Test delivery webhook details',
    }),
  ],
  [
    'anymail_open_event.json',
    expected({
      eventType: 'opened',
      recipient: 'recipient@example.com',
      messageId: 'f4830d10-9c35-4f0c-bca3-3d9b459821f8',
      timestamp: '2016-04-27T20:21:41.249Z',
      userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
    }),
  ],
  [
    'anymail_resubscribe.json',
    expected({
      eventType: 'unknown',
      recipient: 'john@example.com',
      messageId: 'a4909a96-73d7-4c49-b148-a54522d3f7ac',
      timestamp: '2022-06-05T17:17:32.000Z',
      tags: ['welcome-email'],
      metadata: EXAMPLE_META,
    }),
  ],
  [
    'anymail_spam_event.json',
    expected({
      eventType: 'complained',
      recipient: 'spam@example.com',
      messageId: '2706ee8a-737c-4285-b032-ccd317af53ed',
      eventId: '901542550',
      timestamp: '2016-04-27T20:28:50.396Z',
      tags: ['Test'],
      rejectReason: 'SpamComplaint',
      // Description is "" in the payload, and stays so (anymail's test_spam_event).
      description: '',
      mtaResponse: 'Test spam complaint details',
      rejectCategory: 'spam',
    }),
  ],
  [
    'anymail_subscription_change_bounce.json',
    expected({
      eventType: 'bounced',
      recipient: 'john@example.com',
      messageId: 'b4cb783d-78ed-43f2-983b-63f55c712dc8',
      timestamp: '2022-06-05T17:17:32.000Z',
      tags: ['my-tag'],
      metadata: EXAMPLE_META,
      rejectReason: 'HardBounce',
      rejectCategory: 'bounced',
      permanent: true,
    }),
  ],
  [
    'anymail_unsubscribe.json',
    expected({
      eventType: 'unsubscribed',
      recipient: 'john@example.com',
      messageId: 'a4909a96-73d7-4c49-b148-a54522d3f7ac',
      timestamp: '2022-06-05T17:17:32.000Z',
      tags: ['welcome-email'],
      metadata: EXAMPLE_META,
      rejectReason: 'ManualSuppression',
      rejectCategory: 'unsubscribed',
    }),
  ],
  [
    'symfony_bounce.json',
    expected({
      eventType: 'bounced',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      eventId: '42',
      timestamp: '2022-09-02T14:29:19.123Z',
      tags: ['Test'],
      metadata: EXAMPLE_META,
      rejectReason: 'HardBounce',
      description: HARD_BOUNCE_TEXT,
      mtaResponse: 'Test bounce details',
      rejectCategory: 'bounced',
      permanent: true,
    }),
  ],
  [
    'symfony_delivery.json',
    expected({
      eventType: 'delivered',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      timestamp: '2022-09-02T11:49:27.000Z',
      tags: ['welcome-email'],
      metadata: EXAMPLE_META,
      mtaResponse: 'Test delivery webhook details',
    }),
  ],
  [
    'symfony_link_click.json',
    expected({
      eventType: 'clicked',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      timestamp: '2022-09-02T14:31:09.000Z',
      tags: ['welcome-email'],
      metadata: EXAMPLE_META,
      clickUrl: 'https://example.com',
      userAgent: CHROME_35,
    }),
  ],
  [
    'symfony_open.json',
    expected({
      eventType: 'opened',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      timestamp: '2022-09-02T14:30:47.000Z',
      tags: ['welcome-email'],
      metadata: EXAMPLE_META,
      userAgent: CHROME_35,
    }),
  ],
  [
    'symfony_spam_complaint.json',
    expected({
      eventType: 'complained',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      eventId: '42',
      timestamp: '2022-09-02T14:29:57.123Z',
      tags: ['Test'],
      metadata: EXAMPLE_META,
      rejectReason: 'SpamComplaint',
      description: 'The subscriber explicitly marked this message as spam.',
      mtaResponse: 'Test spam complaint details',
      rejectCategory: 'spam',
    }),
  ],
  [
    'symfony_subscription_change.json',
    expected({
      eventType: 'bounced',
      recipient: 'john@example.com',
      messageId: '00000000-0000-0000-0000-000000000000',
      timestamp: '2022-09-02T14:32:30.000Z',
      tags: ['welcome-email'],
      metadata: EXAMPLE_META,
      rejectReason: 'HardBounce',
      rejectCategory: 'bounced',
      permanent: true,
    }),
  ],
  // Postmark's page: "MessageID is null for Manual Suppressions with Origin value of Customer or
  // Admin and Reactivations". Before, both were a 400 and Postmark retried them in vain.
  [
    'docs_subscription_change_manual.json',
    expected({
      eventType: 'unsubscribed',
      recipient: 'bounced-address@wildbit.com',
      messageId: '',
      timestamp: '2020-02-01T10:53:34.416Z',
      rejectReason: 'ManualSuppression',
      rejectCategory: 'unsubscribed',
    }),
  ],
  [
    'docs_subscription_change_reactivation.json',
    expected({
      eventType: 'unknown',
      recipient: 'bounced-address@wildbit.com',
      messageId: '',
      timestamp: '2020-02-01T10:53:34.416Z',
    }),
  ],
];

describe('Postmark fixtures through the handler', () => {
  test.each(CASES)('%s becomes one normalized context', async (name, want) => {
    const { handle, events } = postmarkHandler();
    const response = await handle(postmarkRequest(raw(name)));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect(events).toHaveLength(1);
    const [event] = events as [EmailTrackingContext];
    const { timestamp, rawEvent, espName, eventId, ...rest } = event;
    const { timestamp: wantTimestamp, eventId: wantId, ...wantRest } = want;
    expect(rest).toEqual(wantRest);
    expect(timestamp.toISOString()).toBe(wantTimestamp);
    expect(espName).toBe('postmark');
    expect(eventId).toBe(wantId ?? digest(name));
    expect(rawEvent).toEqual(JSON.parse(new TextDecoder().decode(raw(name))));
  });

  test('the Bounce "unsubscribe variant" (no Email, no BouncedAt) is one unsubscribed event, as anymail reports it', async () => {
    const { handle, events } = postmarkHandler();
    const response = await handle(postmarkRequest(raw('anymail_bounce_unsubscribe_variant.json')));
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect(events.map((e) => [e.eventType, e.recipient, e.eventId, e.rejectCategory])).toEqual([
      ['unsubscribed', '', '555555555', 'unsubscribed'],
    ]);
    expect(events[0]?.timestamp.toISOString()).toBe(NOW.toISOString());
  });

  test('every fixture file is covered here', () => {
    const listed = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    const covered = [...CASES.map(([name]) => name), 'anymail_bounce_unsubscribe_variant.json'];
    expect(listed.sort()).toEqual(covered.sort());
  });
});
