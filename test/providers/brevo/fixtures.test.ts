import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { brevo } from '../../../src/index.js';
import { type Expected, expectContext, expected } from '../../helpers/expected-context.js';
import { basic, digestOf, harness, NOW } from '../../helpers/provider-harness.js';

const DIR = new URL('../../fixtures/esps/brevo/', import.meta.url);
const raw = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

const AUTH = { authorization: basic('brevo', 'pw') };
const RELAY = '<201803011158.9876543210@smtp-relay.mailin.fr>';
const DOMAIN_ID = '201798300811.5787683@relay.domain.com';
const SYMFONY_1 = '<201798300811.5787683@smtp-relay.mailin.fr>';
const MARCH_6 = '2018-03-06T19:10:23.000Z';
const NOW_ISO = NOW.toISOString();
const GMAIL_BOUNCE =
  "550-5.1.1 The email account that you tried to reach does not exist. Please try\n   550-5.1.1 double-checking the recipient's email address for typos or\n   550-5.1.1 unnecessary spaces. Learn more at\n   550 5.1.1  https://support.google.com/mail/?p=NoSuchUser g14-20020a5d698e000000b0030aefbb8608si2668200wru.496 - gsmtp";
const DEFERRED_REASON =
  '550 RecipientError: 550 5.1.1 <notauser@example.com>: Recipient address rejected: User unknown in virtual alias table';

const bounced = (reason: string, category: 'bounced' | 'invalid', permanent: boolean) => ({
  eventType: 'bounced' as const,
  rejectReason: reason,
  rejectCategory: category,
  permanent,
});
// `reason` is the MTA's answer: mtaResponse only (anymail leaves description unset).
const failureText = (text: string) => ({ mtaResponse: text });

const CASES: Record<string, Expected> = {
  'anymail_blocked.json': expected({
    eventType: 'rejected',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    rejectReason: 'blocked',
    rejectCategory: 'blocked',
    permanent: true,
    ...failureText('blocked : due to blacklist user'),
  }),
  'anymail_clicked_event.json': expected({
    eventType: 'clicked',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    clickUrl: 'https://example.com/click/me',
  }),
  // No ts_epoch: the handler's clock stands in (never the account-timezone `ts`).
  'anymail_complaint.json': expected({
    eventType: 'complained',
    recipient: 'example@domain.com',
    messageId: DOMAIN_ID,
    timestamp: NOW_ISO,
    tags: ['transac_messages'],
    metadata: { meta: 'data' },
    rejectCategory: 'spam',
  }),
  'anymail_deferred_event.json': expected({
    eventType: 'deferred',
    recipient: 'notauser@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    ...failureText(DEFERRED_REASON),
  }),
  'anymail_delivered_event.json': expected({
    eventType: 'delivered',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
  }),
  // ts_epoch 1604933623 is seconds (Brevo's documented sample), not 1970-01-19.
  'anymail_error_email.json': expected({
    eventType: 'failed',
    recipient: 'example@domain.com',
    messageId: DOMAIN_ID,
    timestamp: '2020-11-09T14:53:43.000Z',
    tags: ['transac_messages'],
    metadata: { meta: 'data' },
    rejectReason: 'error',
    rejectCategory: 'other',
    permanent: false,
  }),
  'anymail_hard_bounce.json': expected({
    recipient: 'not-a-user@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    tags: ['header-tag'],
    ...bounced('hard_bounce', 'bounced', true),
    ...failureText(' RecipientError: 550 5.5.0 Requested action not taken: mailbox unavailable.'),
  }),
  'anymail_invalid_email.json': expected({
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    ...bounced('invalid_email', 'invalid', true),
    ...failureText('(guessing invalid_email includes a reason)'),
  }),
  'anymail_opened_event.json': expected({
    eventType: 'opened',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
  }),
  // `s_epoch` (milliseconds), as Brevo's proxy-open samples spell it; `tag` as an array.
  'anymail_proxy_open_event.json': expected({
    eventType: 'opened',
    recipient: 'example@domain.com',
    messageId: DOMAIN_ID,
    timestamp: '2018-08-17T06:18:02.000Z',
    tags: ['transactionalTag'],
  }),
  'anymail_sent_event.json': expected({
    eventType: 'queued',
    recipient: 'recipient@example.com',
    messageId: '<201803062010.27287306012@smtp-relay.mailin.fr>',
    timestamp: MARCH_6,
    tags: ['tag1', 'tag2'],
    metadata: { meta: 'data' },
  }),
  'anymail_soft_bounce_event.json': expected({
    recipient: 'recipient@no-mx.example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    ...bounced('soft_bounce', 'bounced', false),
    ...failureText('undefined Unable to find MX of domain no-mx.example.com'),
  }),
  'anymail_spam.json': expected({
    eventType: 'complained',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    rejectCategory: 'spam',
  }),
  'anymail_unique_opened_event.json': expected({
    eventType: 'opened',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
  }),
  'anymail_unique_proxy_open_event.json': expected({
    eventType: 'opened',
    recipient: 'example@domain.com',
    messageId: DOMAIN_ID,
    timestamp: '2018-08-17T06:18:02.000Z',
    tags: ['transactionalTag'],
  }),
  'anymail_unsubscribe.json': expected({
    eventType: 'unsubscribed',
    recipient: 'recipient@example.com',
    messageId: RELAY,
    timestamp: MARCH_6,
    rejectCategory: 'unsubscribed',
  }),
  'symfony_blocked.json': expected({
    eventType: 'rejected',
    recipient: 'example@gmail.com',
    messageId: '<202305311400.29297141656@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T14:00:08.993Z',
    tags: ['tag1', 'tag2'],
    rejectReason: 'blocked',
    rejectCategory: 'blocked',
    permanent: true,
    ...failureText('blocked : due to unsubscribed user'),
  }),
  'symfony_click.json': expected({
    eventType: 'clicked',
    recipient: 'example@gmail.com',
    messageId: '<202305311408.17112967225@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T14:08:28.462Z',
    tags: ['welcome', 'tag2'],
    clickUrl: 'https://www.google.com',
  }),
  // X-Mailin-custom that is not JSON is kept under its own name.
  'symfony_complaint.json': expected({
    eventType: 'complained',
    recipient: 'example@gmail.com',
    messageId: SYMFONY_1,
    timestamp: NOW_ISO,
    tags: ['transac_messages'],
    metadata: { 'X-Mailin-custom': 'some_custom_header' },
    rejectCategory: 'spam',
  }),
  'symfony_defered.json': expected({
    eventType: 'deferred',
    recipient: 'example@domain.com',
    messageId: '<202305311400.29297141656@smtp-relay.mailin.fr>',
    timestamp: '2020-11-09T14:54:14.000Z',
    tags: ['transac_messages'],
    metadata: { 'X-Mailin-custom': 'some_custom_header' },
    ...failureText('spam'),
  }),
  'symfony_delivered.json': expected({
    eventType: 'delivered',
    recipient: 'example@gmail.com',
    messageId: '<202305311328.81899448177@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T13:28:33.018Z',
    tags: ['tag1', 'tag2'],
    mtaResponse: 'sent',
  }),
  'symfony_error.json': expected({
    recipient: 'example@gmail.com',
    messageId: SYMFONY_1,
    timestamp: '2020-11-09T14:53:43.000Z',
    tags: ['transac_messages'],
    metadata: { 'X-Mailin-custom': 'some_custom_header' },
    ...bounced('invalid_email', 'invalid', true),
  }),
  'symfony_hard_bounce.json': expected({
    recipient: 'example@gmail.com',
    messageId: '<202305311437.85220493321@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T14:37:07.372Z',
    tags: ['welcome', 'tag2'],
    ...bounced('hard_bounce', 'bounced', true),
    ...failureText(GMAIL_BOUNCE),
  }),
  'symfony_invalid_email.json': expected({
    recipient: 'example@gmail.com',
    messageId: SYMFONY_1,
    timestamp: '2020-11-09T14:53:43.000Z',
    tags: ['transac_messages'],
    metadata: { 'X-Mailin-custom': 'some_custom_header' },
    ...bounced('invalid_email', 'invalid', true),
  }),
  // An empty `link` is no click URL.
  'symfony_opened.json': expected({
    eventType: 'opened',
    recipient: 'example@gmail.com',
    messageId: '<202305311408.17112967225@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T14:45:09.368Z',
    tags: ['welcome', 'tag2'],
  }),
  'symfony_proxy_open.json': expected({
    eventType: 'opened',
    recipient: 'example@gmail.com',
    messageId: '<201798300811.5787683@relay.domain.com>',
    timestamp: '2018-08-17T06:18:02.000Z',
    tags: ['transactionalTag'],
  }),
  'symfony_request.json': expected({
    eventType: 'queued',
    recipient: 'example@gmail.com',
    messageId: '<202305311313.92192897094@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T13:13:08.179Z',
    tags: ['tag1', 'tag2'],
    mtaResponse: 'sent',
  }),
  'symfony_request_without_tags.json': expected({
    eventType: 'queued',
    recipient: 'example@gmail.com',
    messageId: '<202305311313.92192897094@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T13:13:08.179Z',
    mtaResponse: 'sent',
  }),
  'symfony_soft_bounce.json': expected({
    recipient: 'example@gmail.com',
    messageId: SYMFONY_1,
    timestamp: NOW_ISO,
    tags: ['transac_messages'],
    metadata: { 'X-Mailin-custom': 'some_custom_header' },
    ...bounced('soft_bounce', 'bounced', false),
    ...failureText('server is down'),
  }),
  'symfony_unique_opened.json': expected({
    eventType: 'opened',
    recipient: 'example@gmail.com',
    messageId: '<202305311447.66548003588@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T14:48:52.962Z',
    tags: ['welcome', 'tag2'],
  }),
  // Symfony's sample says `unsubscribed` where Brevo's documentation says `unsubscribe`.
  'symfony_unsubscribed.json': expected({
    eventType: 'unsubscribed',
    recipient: 'example@gmail.com',
    messageId: '<202305311328.81899448177@smtp-relay.mailin.fr>',
    timestamp: '2023-05-31T13:52:01.606Z',
    tags: ['tag1', 'tag2'],
    rejectCategory: 'unsubscribed',
  }),
};

describe('Brevo fixtures through the handler', () => {
  test('every fixture in the folder has a case', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [file, want] of Object.entries(CASES)) {
    test(`${file}: one ${want.eventType} event, every field as mapped`, async () => {
      const { post, events } = harness(brevo({ password: 'pw' }));
      const body = raw(file);
      expect(await post(body, AUTH)).toEqual({ status: 200, body: { ok: true, events: 1 } });
      expectContext(events[0], want, 'brevo');
      expect(events[0]?.rawEvent).toEqual(JSON.parse(new TextDecoder().decode(body)));
      // Brevo sends no event id: the digest of the body, the same on every retry.
      expect(events[0]?.eventId).toBe(await digestOf('brevo', body));
    });
  }
});
