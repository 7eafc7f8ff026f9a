import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { unisenderGo } from '../../../src/index.js';
import { type Expected, expectContext, expected } from '../../helpers/expected-context.js';
import { digestOf, harness, NOW } from '../../helpers/provider-harness.js';
import { API_KEY, signed } from './helpers.js';
import { BODIES } from './vector-cases.js';

const DIR = new URL('../../fixtures/esps/unisender_go/', import.meta.url);
const NOW_ISO = NOW.toISOString();
const JOB = '1sn15Z-0007Le-GtVN';

/** Each fixture's contexts; `batch` marks the `events_by_user` form (a digest per event element). */
const CASES: Record<string, { batch?: boolean; events: Expected[] }> = {
  'actual_clicked_multi_event_format.json': {
    batch: true,
    events: [
      expected({
        eventType: 'clicked',
        recipient: 'unisendergo@anymail.dev',
        messageId: JOB,
        timestamp: '2024-09-08T19:56:41.000Z',
        clickUrl: 'https://example.com',
        userAgent:
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36',
      }),
    ],
  },
  // anymail's single-event samples leave out event_time: the handler's clock stands in.
  'anymail_clicked_event.json': {
    events: [
      expected({
        eventType: 'clicked',
        recipient: 'to@example.com',
        messageId: '',
        timestamp: NOW_ISO,
        clickUrl: 'https://example.com',
        userAgent: 'Mozilla/5.0 AppleWebKit/537.36 ...',
      }),
    ],
  },
  'anymail_delivered_event.json': {
    events: [
      expected({
        eventType: 'delivered',
        recipient: 'recipient@example.com',
        messageId: '1smi9f-00057m-86zr',
        timestamp: '2024-09-06T23:14:24.000Z',
      }),
    ],
  },
  'anymail_error_includes_project_id_single_event.json': {
    events: [
      expected({
        eventType: 'sent',
        recipient: 'test@example.com',
        messageId: JOB,
        timestamp: '2024-09-07T19:27:17.000Z',
      }),
    ],
  },
  'anymail_hard_bounced_event.json': {
    events: [
      expected({
        eventType: 'bounced',
        recipient: 'bounce@example.com',
        messageId: '',
        timestamp: '2024-09-06T23:22:40.000Z',
        rejectReason: 'err_user_unknown',
        description: 'err_user_unknown',
        mtaResponse: "555 5.7.1 User unknown 'bounce@example.com'.",
        rejectCategory: 'bounced',
        permanent: true,
      }),
    ],
  },
  'anymail_multiple_event_option.json': {
    batch: true,
    events: [
      expected({
        eventType: 'sent',
        recipient: 'to@example.com',
        messageId: JOB,
        timestamp: '2024-09-07T19:27:17.000Z',
      }),
      expected({
        eventType: 'delivered',
        recipient: 'cc@example.com',
        messageId: JOB,
        timestamp: '2024-09-07T19:27:17.000Z',
      }),
    ],
  },
  'anymail_opened_event.json': {
    events: [
      expected({
        eventType: 'opened',
        recipient: 'to@example.com',
        messageId: '',
        timestamp: NOW_ISO,
        userAgent: '... via ggpht.com GoogleImageProxy',
      }),
    ],
  },
  'anymail_sent_event.json': {
    events: [
      expected({
        eventType: 'sent',
        recipient: 'recipient@example.com',
        // anymail's test_sent_event: metadata.anymail_id is the message id and leaves metadata.
        messageId: '00001111-2222-3333-4444-555566667777',
        timestamp: '2024-09-06T23:14:19.000Z',
        metadata: { cohort: 'group a121' },
      }),
    ],
  },
  // A soft bounce is retried by Unisender Go: deferred, so no category.
  'anymail_soft_bounced_event.json': {
    events: [
      expected({
        eventType: 'deferred',
        recipient: 'full@example.com',
        messageId: '',
        timestamp: '2024-09-06T23:22:40.000Z',
        rejectReason: 'err_mailbox_full',
        description: 'err_mailbox_full',
        mtaResponse: "554 5.2.2 Mailbox full 'full@example.com'.",
      }),
    ],
  },
  'anymail_spam_event.json': {
    events: [
      expected({
        eventType: 'complained',
        recipient: 'to@example.com',
        messageId: '',
        timestamp: NOW_ISO,
        rejectReason: 'err_spam_rejected',
        description: 'err_spam_rejected',
        mtaResponse: '550 Spam rejected',
        rejectCategory: 'spam',
      }),
    ],
  },
  'anymail_unsubscribed_event.json': {
    events: [
      expected({
        eventType: 'unsubscribed',
        recipient: 'to@example.com',
        messageId: '',
        timestamp: NOW_ISO,
        description: "From unsubscribe page 'comment' field",
        rejectCategory: 'unsubscribed',
      }),
    ],
  },
};

describe('Unisender Go fixtures through the handler, signed', () => {
  test('every fixture in the folder has a case', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  test('the embedded vector bodies are the .body files byte for byte', () => {
    for (const [file, text] of Object.entries(BODIES)) {
      expect(text, file).toBe(readFileSync(new URL(`vectors/${file}`, DIR), 'utf8'));
    }
  });

  for (const [file, { batch, events: want }] of Object.entries(CASES)) {
    test(`${file}: ${want.map((e) => e.eventType).join(', ')}`, async () => {
      const { post, events } = harness(unisenderGo({ apiKey: API_KEY }));
      const payload = JSON.parse(readFileSync(new URL(file, DIR), 'utf8'));
      const body = signed(payload);
      expect(await post(body)).toEqual({ status: 200, body: { ok: true, events: want.length } });
      const sent = JSON.parse(body);
      for (const [i, fields] of want.entries()) {
        expectContext(events[i], fields, 'unisender-go');
        if (batch) {
          // rawEvent is event_data; eventId the digest of the event element's JSON.
          const element = sent.events_by_user[0].events[i];
          expect(events[i]?.rawEvent).toEqual(element.event_data);
          expect(events[i]?.eventId).toBe(await digestOf('unisender-go', JSON.stringify(element)));
        } else {
          // The single-event form is the event itself; its digest is over the raw body.
          expect(events[i]?.rawEvent).toEqual(sent);
          expect(events[i]?.eventId).toBe(await digestOf('unisender-go', body));
        }
      }
    });
  }
});
