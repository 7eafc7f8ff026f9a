/** Every Mailgun fixture through the real handler, re-signed with a test key, field by field. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../../src/index.js';
import { EMPTY_FIELDS, type Expected as Fields } from '../../helpers/expected-context.js';
import { answer, mailgunRequest, resign, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailgun/', import.meta.url);
const load = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`${name}.json`, DIR), 'utf8'));

const digest = (body: string) =>
  `mailgun:${createHash('sha256').update(body).digest('hex').slice(0, 32)}`;

type Expected = Fields & {
  /** undefined: the digest of the body sent. */
  eventId?: string;
};

const SYMFONY_TAGS = ['my_tag_1', 'my_tag_2'];
const SYMFONY_VARS = { my_var_1: 'Mailgun Variable #1', 'my-var-2': 'awesome' };
const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.31 (KHTML, like Gecko) Chrome/26.0.1410.43 Safari/537.31';
const symfony = {
  ...EMPTY_FIELDS,
  recipient: 'alice@example.com',
  tags: SYMFONY_TAGS,
  metadata: SYMFONY_VARS,
};

const SYMFONY_PERMANENT_FAILURE: Expected = {
  ...symfony,
  eventType: 'bounced',
  messageId: '20130503192659.13651.20287@app.symfony.com',
  eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
  timestamp: '2018-03-16T20:46:35.375Z',
  rejectReason: 'bounce',
  mtaResponse: 'No Such User Here',
  rejectCategory: 'bounced',
  permanent: true,
};

const CASES: Record<string, Expected> = {
  anymail_clicked_event: {
    ...EMPTY_FIELDS,
    eventType: 'clicked',
    recipient: 'recipient@example.com',
    messageId: '',
    timestamp: '2018-08-12T21:33:20.089Z',
    clickUrl: 'https://example.com/test',
  },
  anymail_complained_event: {
    ...EMPTY_FIELDS,
    eventType: 'complained',
    recipient: 'recipient@example.com',
    messageId: '20130718032413.263EE2E0926@example.org',
    eventId: 'ncV2XwymRUKbPek_MIM-Gw',
    timestamp: '2013-08-22T23:31:00.049Z',
    rejectCategory: 'spam',
  },
  anymail_delivered_event: {
    ...EMPTY_FIELDS,
    eventType: 'delivered',
    recipient: 'recipient@example.com',
    messageId: '20180812211713.1.DF5966851B4BAA99@example.org',
    eventId: 'hTWCTD81RtiDN-...',
    timestamp: '2018-08-12T21:17:17.153Z',
    // delivery-status.description is "" in the payload, and stays so (anymail passes it on).
    description: '',
    mtaResponse: 'OK',
  },
  anymail_failed_greylisted_event: {
    ...EMPTY_FIELDS,
    eventType: 'deferred',
    recipient: 'undeliverable@mx.example.com',
    messageId: '20180812214638.1.4A7D468E9BC18C5D@example.org',
    timestamp: '2018-08-12T22:11:39.659Z',
    rejectReason: 'greylisted',
    description: 'Recipient address rejected: Greylisted',
    mtaResponse: 'Recipient address rejected: Greylisted',
  },
  anymail_failed_permanent_event: {
    ...EMPTY_FIELDS,
    eventType: 'bounced',
    recipient: 'invalid@example.com',
    messageId: '20180812214658.1.0DF563D0B3597700@example.org',
    timestamp: '2018-08-12T21:47:02.389Z',
    rejectReason: 'bounce',
    description: '',
    mtaResponse:
      "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos",
    rejectCategory: 'bounced',
    permanent: true,
  },
  anymail_failed_temporary_event: {
    ...EMPTY_FIELDS,
    eventType: 'deferred',
    recipient: 'undeliverable@nomx.example.com',
    messageId: '20180812214638.1.4A7D468E9BC18C5D@example.org',
    timestamp: '2018-08-12T22:11:39.659Z',
    rejectReason: 'generic',
    description: 'No MX for nomx.example.com',
    mtaResponse: 'No MX for nomx.example.com',
  },
  anymail_opened_event: {
    ...EMPTY_FIELDS,
    eventType: 'opened',
    recipient: 'recipient@example.com',
    messageId: '20180812213139.1.BC6694A917BB7E6A@example.org',
    timestamp: '2018-08-12T21:33:20.089Z',
    tags: ['welcome', 'variation-A'],
    metadata: { cohort: '2018-08-B', user_id: '123456' },
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6)...',
  },
  anymail_rejected_event: {
    ...EMPTY_FIELDS,
    eventType: 'rejected',
    // No event-data.recipient: the single address of the To header, as anymail reads it.
    recipient: 'recipient@example.org',
    messageId: '20180622220256.1.B31A451A2E5422BB@sandbox55887.mailgun.org',
    timestamp: '2018-06-22T22:02:56.104Z',
    rejectReason: 'Sandbox subdomains are for test purposes only.',
    description: 'Sandbox subdomains are for test purposes only.',
    rejectCategory: 'other',
    permanent: false,
  },
  anymail_unsubscribed_event: {
    ...EMPTY_FIELDS,
    eventType: 'unsubscribed',
    recipient: 'recipient@example.com',
    messageId: '20130822232216.13966.79700@samples.mailgun.org',
    eventId: 'W3X4JOhFT-OZidZGKKr9iA',
    timestamp: '2013-08-22T23:23:11.421Z',
    rejectCategory: 'unsubscribed',
  },
  symfony_accepted: {
    ...EMPTY_FIELDS,
    eventType: 'queued',
    recipient: 'alice@example.com',
    messageId: '##REDACTED##',
    eventId: '4o7-z86dSkSI54c6IudeuA',
    timestamp: '2024-02-08T14:25:41.912Z',
  },
  symfony_clicks: {
    ...symfony,
    eventType: 'clicked',
    messageId: '20130503182626.18666.16540@app.symfony.com',
    eventId: 'Ase7i2zsRYeDXztHGENqRA',
    timestamp: '2018-03-16T23:35:39.873Z',
    userAgent: CHROME_LINUX,
  },
  symfony_delivered_messages: {
    ...symfony,
    eventType: 'delivered',
    messageId: '20130503182626.18666.16540@app.symfony.com',
    eventId: 'CPgfbmQMTCKtHW6uIWtuVe',
    timestamp: '2018-03-19T15:11:02.000Z',
    description: '',
    mtaResponse: 'OK',
  },
  symfony_opens: {
    ...symfony,
    eventType: 'opened',
    messageId: '20130503182626.18666.16540@app.symfony.com',
    eventId: 'Ase7i2zsRYeDXztHGENqRA',
    timestamp: '2018-03-16T23:35:39.873Z',
    userAgent: CHROME_LINUX,
  },
  symfony_permanent_failure: { ...SYMFONY_PERMANENT_FAILURE, description: '' },
  // The same failure without delivery-status.description: the message still comes through.
  symfony_permanent_failure_no_description: SYMFONY_PERMANENT_FAILURE,
  symfony_spam_complaints: {
    ...symfony,
    eventType: 'complained',
    messageId: '20110215055645.25246.63817@app.symfony.com',
    eventId: '-Agny091SquKnsrW2NEKUA',
    timestamp: '2018-03-16T20:45:23.501Z',
    rejectCategory: 'spam',
  },
  symfony_suppression_failure: {
    ...symfony,
    eventType: 'bounced',
    messageId: '20130503192659.13651.20287@app.symfony.com',
    eventId: 'G9Bn5sl1TC6nu79C8C0bwg',
    timestamp: '2018-03-16T20:46:35.375Z',
    rejectReason: 'suppress-bounce',
    description: 'Not delivering to previously bounced address',
    rejectCategory: 'bounced',
    permanent: true,
  },
  symfony_temporary_failure: {
    ...symfony,
    eventType: 'deferred',
    messageId: '20130503182626.18666.16540@app.symfony.com',
    eventId: 'Fs7-5t81S2ispqxqDw2U4Q',
    timestamp: '2018-03-19T15:11:02.908Z',
    rejectReason: 'generic',
    description: '',
    mtaResponse:
      '4.2.2 The email account that you tried to reach is over quota. Please direct\n4.2.2 the recipient to\n4.2.2  https://support.example.com/mail/?p=422',
  },
  symfony_unsubscribes: {
    ...symfony,
    eventType: 'unsubscribed',
    messageId: '20130503182626.18666.16540@app.symfony.com',
    eventId: 'Ase7i2zsRYeDXztHGENqRA',
    timestamp: '2018-03-16T23:35:39.873Z',
    userAgent: CHROME_LINUX,
    rejectCategory: 'unsubscribed',
  },
};

describe('mailgun fixtures, re-signed with a test key', () => {
  for (const [name, expected] of Object.entries(CASES)) {
    test(name, async () => {
      const payload = load(name);
      const { handle, events } = setup();
      const body = await resign(payload);
      expect(await answer(await handle(mailgunRequest(body)))).toEqual({
        status: 200,
        body: { ok: true, events: 1 },
      });
      expect(events).toHaveLength(1);
      const [event] = events as [EmailTrackingContext];
      const { timestamp, eventId, ...fields } = expected;
      expect(event).toEqual({
        ...fields,
        eventId: eventId ?? digest(body),
        timestamp: new Date(timestamp),
        espName: 'mailgun',
        rawEvent: payload['event-data'],
      });
      // The signature block (a replayable credential) never reaches a sink.
      expect(JSON.stringify(event)).not.toContain('"signature"');
    });
  }

  test('every fixture file has a case (the legacy ones are refused, see security tests)', () => {
    const files = readFileSync(new URL('README.md', DIR), 'utf8').match(/`([a-z_]+)\.json`/g) ?? [];
    const names = files.map((f) => f.slice(1, -6));
    expect(names.filter((n) => !(n in CASES)).sort()).toEqual([
      'anymail_delivery_status_is_none_event',
    ]);
  });

  test('an event with no recipient (anymail test_delivery_status_is_none_event) is one queued event with an empty recipient', async () => {
    const { handle, events } = setup();
    const body = await resign(load('anymail_delivery_status_is_none_event'));
    expect(await answer(await handle(mailgunRequest(body)))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(events.map((e) => [e.eventType, e.recipient, e.messageId, e.description])).toEqual([
      ['queued', '', '', null],
    ]);
  });
});
