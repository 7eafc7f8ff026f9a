import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { mailjet } from '../../../src/index.js';
import { type Expected, expectContext, expected } from '../../helpers/expected-context.js';
import { basic, digestOf, harness } from '../../helpers/provider-harness.js';

const DIR = new URL('../../fixtures/esps/mailjet/', import.meta.url);
const raw = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

const AUTH = { authorization: basic('mailjet', 'pw') };
const ID = '12345678901234567';
const JUNE_22 = '2017-06-22T01:05:27.000Z';
const GMAIL_OK = 'sent (250 2.0.0 OK 1498093527 a67bc12345def.22 - gsmtp)';
const SYMFONY_AGENT =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36 CCleaner/113.0.21244.129';
const YAHOO_421 =
  '421 4.7.0 [TSS04] Messages from 87.253.233.123 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes';

// MessageIDs are past 2^53 and read from the text: through a JSON number, anymail's
// 12345678901234567 (sent without mj_message_id) would come out as 12345678901234568.
const CASES: Record<string, Expected> = {
  'anymail_blocked_event.json': expected({
    eventType: 'rejected',
    recipient: 'bad@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    rejectReason: 'typofix',
    rejectCategory: 'invalid',
    permanent: true,
  }),
  'anymail_bounce_event.json': expected({
    eventType: 'bounced',
    recipient: 'invalid@invalid',
    messageId: ID,
    timestamp: JUNE_22,
    rejectReason: 'invalid domain',
    rejectCategory: 'bounced',
    permanent: true,
  }),
  // Greylisting is retried by Mailjet: a deferral, not a bounce.
  'anymail_bounced_greylist_event.json': expected({
    eventType: 'deferred',
    recipient: 'protected@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    rejectReason: 'greylisted',
  }),
  // anymail's "click" sample says event "open": it is an open, whatever its url says.
  'anymail_click_event.json': expected({
    eventType: 'opened',
    recipient: 'recipient@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    clickUrl: 'http://example.com',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_5) Chrome/58.0.3029.110',
  }),
  'anymail_non_grouped_event.json': expected({
    eventType: 'delivered',
    recipient: 'recipient@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    mtaResponse: GMAIL_OK,
  }),
  'anymail_open_event.json': expected({
    eventType: 'opened',
    recipient: 'recipient@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)',
  }),
  'anymail_sent_event.json': expected({
    eventType: 'delivered',
    recipient: 'recipient@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    tags: ['tag1'],
    metadata: { meta1: 'simple string', meta2: '2' },
    mtaResponse: GMAIL_OK,
  }),
  'anymail_spam_event.json': expected({
    eventType: 'complained',
    recipient: 'spam@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    rejectCategory: 'spam',
  }),
  'anymail_unsub_event.json': expected({
    eventType: 'unsubscribed',
    recipient: 'recipient@example.com',
    messageId: ID,
    timestamp: JUNE_22,
    userAgent: 'List-Unsubscribe',
    rejectCategory: 'unsubscribed',
  }),
  'symfony_blocked.json': expected({
    eventType: 'rejected',
    recipient: 'bounce@mailjet.com',
    messageId: '13792286917004336',
    timestamp: '2015-05-05T07:49:55.000Z',
    rejectReason: 'preblocked',
    rejectCategory: 'blocked',
    permanent: true,
  }),
  'symfony_bounce.json': expected({
    eventType: 'bounced',
    recipient: 'event-bounce@yahoo.fr',
    messageId: '104427216766056450',
    timestamp: '2023-05-31T09:24:10.000Z',
    description: YAHOO_421,
    rejectCategory: 'bounced',
    permanent: false,
  }),
  'symfony_click.json': expected({
    eventType: 'clicked',
    recipient: 'event-click@hotmail.com',
    messageId: '93449692684977140',
    timestamp: '2023-05-31T07:47:04.000Z',
    clickUrl: 'https://mailjet.com',
    userAgent: SYMFONY_AGENT,
  }),
  'symfony_open.json': expected({
    eventType: 'opened',
    recipient: 'event-open@gmail.com',
    messageId: '102175416994919440',
    timestamp: '2023-05-31T07:44:15.000Z',
    userAgent:
      'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
  }),
  'symfony_sent.json': expected({
    eventType: 'delivered',
    recipient: 'event-sent@gmail.com',
    messageId: '92042317804662640',
    timestamp: '2023-05-31T07:39:02.000Z',
    mtaResponse:
      '250 2.0.0 OK  1685518742 k22-20020a05600c0b5600b003f6020d9976si8376621wmr.181 - gsmtp',
  }),
  'symfony_spam.json': expected({
    eventType: 'complained',
    recipient: 'bounce@mailjet.com',
    messageId: '13792286917004336',
    timestamp: '2015-05-05T07:49:55.000Z',
    rejectCategory: 'spam',
  }),
  'symfony_unsub.json': expected({
    eventType: 'unsubscribed',
    recipient: 'api@mailjet.com',
    messageId: '20547674933128000',
    timestamp: '2015-06-03T12:35:41.000Z',
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/42.0.2311.135 Safari/537.36',
    rejectCategory: 'unsubscribed',
  }),
};

describe('Mailjet fixtures through the handler', () => {
  test('every fixture in the folder has a case', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [file, want] of Object.entries(CASES)) {
    test(`${file}: one ${want.eventType} event, every field as mapped`, async () => {
      const { post, events } = harness(mailjet({ password: 'pw' }));
      const body = raw(file);
      expect(await post(body, AUTH)).toEqual({ status: 200, body: { ok: true, events: 1 } });
      expectContext(events[0], want, 'mailjet');
      const text = new TextDecoder().decode(body);
      // rawEvent is the event (the element of a grouped array) as JSON.parse reads it; only
      // messageId carries the exact digits.
      const sent = JSON.parse(text);
      const element = Array.isArray(sent) ? sent[0] : sent;
      expect(events[0]?.rawEvent).toEqual(element);
      // No event id from Mailjet: the body's digest, or in a grouped array the element's JSON's.
      expect(events[0]?.eventId).toBe(
        await digestOf('mailjet', Array.isArray(sent) ? JSON.stringify(element) : body),
      );
    });
  }
});
