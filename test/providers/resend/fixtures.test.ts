/** Every Resend fixture payload, signed, through the real handler: each field of each context. */
import { describe, expect, test } from 'vitest';
import clicked from '../../fixtures/esps/resend/anymail_clicked_event.json' with { type: 'json' };
import complained from '../../fixtures/esps/resend/anymail_complained_event.json' with {
  type: 'json',
};
import delivered from '../../fixtures/esps/resend/anymail_delivered_event.json' with {
  type: 'json',
};
import delayed from '../../fixtures/esps/resend/anymail_delivery_delayed_event.json' with {
  type: 'json',
};
import hardBounced from '../../fixtures/esps/resend/anymail_hard_bounced_event.json' with {
  type: 'json',
};
import opened from '../../fixtures/esps/resend/anymail_opened_event.json' with { type: 'json' };
import sent from '../../fixtures/esps/resend/anymail_sent_event.json' with { type: 'json' };
import suppressedBounce from '../../fixtures/esps/resend/anymail_suppressed_event.json' with {
  type: 'json',
};
import docsBounced from '../../fixtures/esps/resend/docs_email_bounced.json' with { type: 'json' };
import docsClicked from '../../fixtures/esps/resend/docs_email_clicked.json' with { type: 'json' };
import docsFailed from '../../fixtures/esps/resend/docs_email_failed.json' with { type: 'json' };
import docsReceived from '../../fixtures/esps/resend/docs_email_received.json' with {
  type: 'json',
};
import symfonySent from '../../fixtures/esps/resend/symfony_sent.json' with { type: 'json' };
import { EMPTY_FIELDS, type Expected } from '../../helpers/expected-context.js';
import { answer, resendHandler, signedRequest } from './helpers.js';

const ANYMAIL_ID = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SVIX_ID = 'msg_fixture';
const DOCS_ID = '56761188-7520-42d8-8898-ff6fc54ce618';

const expected = (
  fields: Partial<Expected> & Pick<Expected, 'eventType' | 'timestamp' | 'recipient'>,
): Expected => ({
  messageId: ANYMAIL_ID,
  ...EMPTY_FIELDS,
  ...fields,
});

const HARD_BOUNCE_TEXT = hardBounced.data.bounce.message;
const SUPPRESSED_TEXT = suppressedBounce.data.bounce.message;

const CASES: [string, object, Expected[]][] = [
  [
    'email.clicked (anymail)',
    clicked,
    [
      expected({
        eventType: 'clicked',
        recipient: 'to@example.org',
        timestamp: '2023-09-28T17:21:35.257Z',
        clickUrl: 'https://example.com/test',
        userAgent: 'Mozilla/5.0 ...',
      }),
    ],
  ],
  [
    'email.complained (anymail)',
    complained,
    [
      expected({
        eventType: 'complained',
        recipient: 'complained@resend.dev',
        timestamp: '2023-10-02T18:10:03.690Z',
        rejectCategory: 'spam',
      }),
    ],
  ],
  [
    'email.delivered (anymail)',
    delivered,
    [
      expected({
        eventType: 'delivered',
        recipient: 'to@example.org',
        timestamp: '2023-09-28T17:19:44.823Z',
      }),
    ],
  ],
  [
    'email.delivery_delayed (anymail)',
    delayed,
    [
      expected({
        eventType: 'deferred',
        recipient: 'delivered@resend.dev',
        messageId: '56761188-7520-42d8-8898-ff6fc54ce618',
        timestamp: '2023-02-22T23:41:12.126Z',
      }),
    ],
  ],
  [
    'email.bounced without type/subType (anymail hard bounce)',
    hardBounced,
    [
      expected({
        eventType: 'bounced',
        recipient: 'bounced@resend.dev',
        timestamp: '2023-10-02T18:11:26.101Z',
        description: HARD_BOUNCE_TEXT,
        rejectCategory: 'bounced',
        // Only `bounce.type == "Permanent"` says permanent; this old payload has no type.
        permanent: false,
      }),
    ],
  ],
  [
    'email.opened (anymail)',
    opened,
    [
      expected({
        eventType: 'opened',
        recipient: 'to@example.org',
        timestamp: '2023-09-28T17:20:38.990Z',
      }),
    ],
  ],
  [
    'email.sent to two addresses, one with a display name, with data.tags and an X-Metadata header (anymail)',
    sent,
    ['to@example.org', 'to2@example.org'].map((recipient) =>
      expected({
        eventType: 'sent',
        recipient,
        timestamp: '2023-09-28T17:19:43.736Z',
        tags: ['tag1:Tag_1_value', 'tag2:Tag_2_value'],
        // anymail's test_sent_event: the X-Metadata header it sends, values as text.
        metadata: { cohort: '2018-08-B', user_id: '123456' },
      }),
    ),
  ],
  [
    'email.bounced for a suppressed address (anymail): bounced by its type',
    suppressedBounce,
    [
      expected({
        eventType: 'bounced',
        recipient: 'blocked@example.org',
        timestamp: '2023-10-01T20:01:01.598Z',
        description: SUPPRESSED_TEXT,
        rejectCategory: 'bounced',
        permanent: false,
      }),
    ],
  ],
  [
    'email.sent (symfony)',
    symfonySent,
    [
      expected({
        eventType: 'sent',
        recipient: 'test@example.com',
        messageId: '172c41ce-ba6d-4281-8a7a-541faa725748',
        timestamp: '2024-04-08T09:43:09.500Z',
      }),
    ],
  ],
  // Resend's own documentation pages (fixtures docs_*): tags as an object, a template and a
  // broadcast id beside the fields we read.
  [
    'email.clicked (Resend docs)',
    docsClicked,
    [
      expected({
        eventType: 'clicked',
        messageId: DOCS_ID,
        recipient: 'delivered@resend.dev',
        timestamp: '2024-11-22T23:41:12.126Z',
        tags: ['category:confirm_email'],
        clickUrl: 'https://resend.com',
        userAgent: docsClicked.data.click.userAgent,
      }),
    ],
  ],
  // Before, mtaResponse was null: the SMTP answer in bounce.diagnosticCode was not read.
  [
    'email.bounced (Resend docs)',
    docsBounced,
    [
      expected({
        eventType: 'bounced',
        messageId: DOCS_ID,
        recipient: 'bounced@resend.dev',
        timestamp: '2024-11-22T23:41:12.126Z',
        tags: ['category:confirm_email'],
        rejectReason: 'Permanent/General',
        description: docsBounced.data.bounce.message,
        mtaResponse: 'smtp; 550 5.1.1 The email account that you tried to reach does not exist.',
        rejectCategory: 'bounced',
        permanent: true,
      }),
    ],
  ],
  [
    'email.failed (Resend docs)',
    docsFailed,
    [
      expected({
        eventType: 'failed',
        messageId: DOCS_ID,
        recipient: 'delivered@resend.dev',
        timestamp: '2026-11-22T23:41:12.126Z',
        tags: ['category:confirm_email'],
        rejectReason: 'reached_daily_quota',
        rejectCategory: 'other',
        permanent: false,
      }),
    ],
  ],
];

describe('Resend fixtures through the handler', () => {
  test.each(CASES)(
    '%s gives one context per recipient, every field mapped',
    async (_name, payload, want) => {
      const { handle, received } = resendHandler();
      const response = await handle(signedRequest(payload, { id: SVIX_ID }));
      expect(response.status).toBe(200);
      expect(await answer(response)).toEqual({ ok: true, events: want.length });
      expect(received).toHaveLength(want.length);
      for (const [index, context] of received.entries()) {
        const { timestamp, rawEvent, eventId, espName, ...rest } = context;
        expect(timestamp.toISOString()).toBe(want[index]?.timestamp);
        expect({ ...rest, timestamp: timestamp.toISOString() }).toEqual(want[index]);
        expect(eventId).toBe(SVIX_ID);
        expect(espName).toBe('resend');
        expect(rawEvent).toEqual(payload);
      }
    },
  );

  test('email.received (Resend docs: inbound mail) is 200 with no events', async () => {
    const { handle, received } = resendHandler();
    const response = await handle(signedRequest(docsReceived, { id: SVIX_ID }));
    expect([response.status, await answer(response)]).toEqual([200, { ok: true, events: 0 }]);
    expect(received).toEqual([]);
  });

  test('every context of one message shares the svix-id as its eventId and the raw event', async () => {
    const { handle, received } = resendHandler();
    await handle(signedRequest(sent, { id: 'msg_shared' }));
    expect(received.map((c) => c.eventId)).toEqual(['msg_shared', 'msg_shared']);
    expect(received[0]?.rawEvent).toBe(received[1]?.rawEvent);
  });
});
