/** Every SendGrid fixture (anymail's and Symfony's), signed with a test key, through the real handler. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { EMPTY_FIELDS } from '../../helpers/expected-context.js';
import { answer, makeKey, setup, signedRequest, type TestKey } from './harness.js';

const NOW = 1_700_000_000;
const read = (name: string) =>
  readFileSync(new URL(`../../fixtures/esps/sendgrid/${name}`, import.meta.url));

/** The eventId rule, written out independently of src. */
function digest(event: Record<string, unknown>): string {
  const parts = ['sg_message_id', 'event', 'email', 'timestamp', 'url'].map((key) =>
    event[key] === undefined ? '' : String(event[key]),
  );
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex');
  return `sendgrid:${hex.slice(0, 32)}`;
}

const BOUNCE_TEXT = '550 5.1.1 The email account that you tried to reach does not exist.';
const GMAIL_OK = '250 2.0.0 OK 1461095248 m143si2210036ioe.159 - gsmtp ';
const SYMFONY_DROP = {
  ...EMPTY_FIELDS,
  eventType: 'rejected',
  recipient: 'hello@world.com',
  messageId: 'LRzXl_NHStOGhQ4kofSm_A',
  timestamp: 1600112492,
  rejectReason: 'Bounced Address',
  description: 'Bounced Address',
  rejectCategory: 'bounced',
  permanent: true,
};

/**
 * Fixture → the fields of each context it must give, in order (timestamp in Unix seconds).
 * `anymail_id` (a custom arg django-anymail adds on send) is not metadata, as anymail's own
 * tests assert (test_delivered_event: metadata {} with an anymail_id present).
 */
const CASES: Record<string, Record<string, unknown>[]> = {
  'anymail_bounce_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'bounced',
      recipient: 'noreply@example.com',
      messageId: 'Lli-03HcQ5-JLybO9fXsJg',
      timestamp: 1461095250,
      rejectReason: 'bounce',
      description: BOUNCE_TEXT,
      mtaResponse: BOUNCE_TEXT,
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  'anymail_click_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'clicked',
      recipient: 'recipient@example.com',
      messageId: '_fjPjuJfRW-IPs5SuvYotg',
      timestamp: 1461095250,
      clickUrl: 'http://www.example.com',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_4) AppleWebKit/537.36',
    },
  ],
  'anymail_compatibility_message_id_from_smtp_id.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
      timestamp: 1461095250,
      mtaResponse: GMAIL_OK,
    },
  ],
  'anymail_deferred_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'deferred',
      recipient: 'recipient@example.com',
      messageId: 'u9Gvi3mzT6iC2poAb58_qQ',
      timestamp: 1461200990,
      mtaResponse:
        'Email was deferred due to the following reason(s): [IPs were throttled by recipient server]',
    },
  ],
  'anymail_delivered_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'delivered',
      recipient: 'recipient@example.com',
      messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
      timestamp: 1461095250,
      mtaResponse: GMAIL_OK,
    },
  ],
  'anymail_dropped_bounced.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'rejected',
      recipient: 'example@example.com',
      // Old-style id with no X-Message-Id part: the rule still takes it up to the first dot.
      messageId: '14c5d75ce93',
      timestamp: 1513299569,
      tags: ['cat facts'],
      rejectReason: 'Bounced Address',
      description: 'Bounced Address',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  'anymail_dropped_invalid_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'rejected',
      recipient: 'invalid@invalid',
      messageId: 'filter0093p1las1',
      timestamp: 1461095250,
      rejectReason: 'Invalid',
      description: 'Invalid',
      rejectCategory: 'invalid',
      permanent: true,
    },
  ],
  'anymail_dropped_unsubscribed_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'rejected',
      recipient: 'unsubscribe@example.com',
      messageId: 'filter0199p1las1',
      timestamp: 1461095250,
      rejectReason: 'Unsubscribed Address',
      description: 'Unsubscribed Address',
      rejectCategory: 'unsubscribed',
      permanent: true,
    },
  ],
  'anymail_open_event.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'opened',
      recipient: 'recipient@example.com',
      messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
      timestamp: 1461095250,
      userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
    },
  ],
  'anymail_setUpClass.json': [
    {
      ...EMPTY_FIELDS,
      eventType: 'queued',
      recipient: 'recipient@example.com',
      messageId: 'wrfRRvF7Q0GgwUo2CvDmEA',
      timestamp: 1461095246,
      tags: ['tag1', 'tag2'],
      // anymail's test_processed_event: the custom args, without the anymail_id anymail adds.
      metadata: { custom1: 'value1', custom2: 'value2' },
    },
  ],
  'symfony_batch.json': [SYMFONY_DROP, { ...SYMFONY_DROP, ...EMPTY_FIELDS, eventType: 'clicked' }],
  'symfony_webhook.json': [SYMFONY_DROP],
};

let key: TestKey;
beforeAll(async () => {
  key = await makeKey();
});

describe('SendGrid fixtures through the handler', () => {
  for (const [file, expected] of Object.entries(CASES)) {
    test(`${file}: ${expected.map((e) => e.eventType).join(', ')}`, async () => {
      const body = read(file);
      const elements = JSON.parse(body.toString('utf8')) as Record<string, unknown>[];
      const { handle, received, lines } = setup({ publicKey: key.publicKey }, NOW);
      const result = await answer(await handle(await signedRequest(key, body, String(NOW))));
      expect(result).toEqual({ status: 200, body: { ok: true, events: expected.length } });
      expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
      expect(received).toHaveLength(expected.length);
      for (const [i, want] of expected.entries()) {
        const element = elements[i] as Record<string, unknown>;
        const { timestamp, ...fields } = want;
        expect(received[i]).toEqual({
          ...fields,
          timestamp: new Date(Number(timestamp) * 1000),
          espName: 'sendgrid',
          eventId: digest(element),
          rawEvent: element,
        });
      }
    });
  }

  test('the symfony batch gives two different event ids for one message', async () => {
    const elements = JSON.parse(read('symfony_batch.json').toString('utf8'));
    expect(digest(elements[0])).not.toBe(digest(elements[1]));
  });
});
