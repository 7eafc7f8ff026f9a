/** Every Mailtrap fixture (JSON batches and JSON Lines) through the real handler, field by field. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EMPTY_FIELDS, type Expected as Fields } from '../../helpers/expected-context.js';
import { answer, mailtrapRequest, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailtrap/', import.meta.url);

type Expected = Fields & { eventId: string };

const ID = 'bede7236-2284-43d6-a953-1fdcafd0fdbc';
const anymail = {
  ...EMPTY_FIELDS,
  recipient: 'receiver@example.com',
  messageId: '1df37d17-0286-4d8b-8edf-bc4ec5be86e6',
  eventId: ID,
  timestamp: '2017-06-22T01:05:27.000Z',
};
const openapi = { ...anymail, timestamp: '2024-10-11T18:01:40.000Z' };
const symfony = {
  ...anymail,
  messageId: '00000000-0000-0000-0000-000000000000',
  timestamp: '2024-09-14T23:53:54.000Z',
  tags: ['Password reset'],
  metadata: { variable_a: 'value', variable_b: 'value2' },
};
const CHROME_103 =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/103.0.0.0 Safari/537.36';
// A bounce is Mailtrap's hard bounce: bounced and permanent whatever its bounce_category (anymail).
const SPAM_BOUNCE = {
  eventType: 'bounced' as const,
  rejectReason: 'spam',
  rejectCategory: 'bounced' as const,
  permanent: true,
};
const SUPPRESSED = {
  eventType: 'rejected' as const,
  rejectReason: 'Recipient in suppression list. Reason: unsubscription',
  description: 'Recipient in suppression list. Reason: unsubscription',
  rejectCategory: 'blocked' as const,
  permanent: true,
};
const GREYLISTED = {
  eventType: 'deferred' as const,
  rejectReason: 'greylisting',
  mtaResponse: '4.7.1 Temporary error, please retry',
};
const LIMIT = {
  eventType: 'deferred' as const,
  rejectReason: 'Your account has reached its daily sending limit.',
  description: 'Your account has reached its daily sending limit.',
};
const symfonyClick = {
  ...symfony,
  eventType: 'clicked' as const,
  clickUrl: 'https://mailtrap.io/email-api',
  userAgent: CHROME_103,
};
const symfonyBounce = {
  ...symfony,
  ...SPAM_BOUNCE,
  mtaResponse: '[CS01] Message rejected due to local policy',
};

const CASES: Record<string, Expected[]> = {
  anymail_bounce_event: [
    {
      ...anymail,
      eventType: 'bounced',
      recipient: 'invalid@example.com',
      tags: ['custom-value'],
      metadata: { testing: 'true' },
      rejectReason: 'hard',
      mtaResponse:
        'bounced (550 5.1.1 The email account that you tried to reach does not exist. a67bc12345def.22 - gsmtp)',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  anymail_click_event: [
    {
      ...anymail,
      eventType: 'clicked',
      tags: ['custom-value'],
      metadata: { testing: 'true' },
      clickUrl: 'http://example.com/anymail',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_5) Chrome/58.0.3029.110)',
    },
  ],
  anymail_open_event: [
    { ...anymail, eventType: 'opened', userAgent: 'Mozilla/5.0 (via ggpht.com GoogleImageProxy)' },
  ],
  anymail_reject_event: [
    {
      ...anymail,
      eventType: 'rejected',
      rejectReason: 'unknown',
      description: 'unknown',
      rejectCategory: 'blocked',
      permanent: false,
    },
  ],
  anymail_sent_event: [
    {
      ...anymail,
      eventType: 'delivered',
      tags: ['password-reset'],
      metadata: { variable_a: 'value', variable_b: 'value2' },
    },
  ],
  anymail_soft_bounce_event: [
    {
      ...anymail,
      eventType: 'deferred',
      rejectReason: 'unavailable',
      mtaResponse:
        'soft bounce (450 4.2.0 The email account that you tried to reach is temporarily unavailable. a67bc12345def.22 - gsmtp)',
    },
  ],
  anymail_spam_event: [{ ...anymail, eventType: 'complained', rejectCategory: 'spam' }],
  anymail_suspension_event: [
    { ...anymail, eventType: 'deferred', rejectReason: 'other', description: 'other' },
  ],
  anymail_unsubscribe_event: [
    {
      ...anymail,
      eventType: 'unsubscribed',
      rejectCategory: 'unsubscribed',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_12_5) Chrome/58.0.3029.110)',
    },
  ],
  openapi_Activity_Log_Profile_Update: [],
  openapi_Activity_Log_User_Login: [],
  openapi_Bounce: [
    { ...openapi, ...SPAM_BOUNCE, mtaResponse: '[CS01] Message rejected due to local policy' },
  ],
  openapi_Click: [
    {
      ...openapi,
      eventType: 'clicked',
      clickUrl: 'https://mailtrap.io/email-api',
      userAgent: 'Mozilla/5.0 (Windows NT x.y; Win64; x64)',
    },
  ],
  openapi_Delivery: [
    { ...openapi, eventType: 'delivered', tags: ['Password reset'], metadata: { user_id: '123' } },
  ],
  openapi_Open: [
    {
      ...openapi,
      eventType: 'opened',
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)',
    },
  ],
  openapi_Reject: [{ ...openapi, ...SUPPRESSED }],
  openapi_Soft_Bounce: [{ ...openapi, ...GREYLISTED }],
  openapi_Spam: [{ ...openapi, eventType: 'complained', rejectCategory: 'spam' }],
  openapi_Suspension: [{ ...openapi, ...LIMIT }],
  openapi_Unsubscribe: [{ ...openapi, eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
  // JSON Lines: one event per line (a single line is one JSON object).
  openapi_Bounce_events: [
    {
      ...openapi,
      ...SPAM_BOUNCE,
      timestamp: '2024-10-11T18:05:27.000Z',
      mtaResponse: '[CS01] Message rejected',
    },
  ],
  openapi_Delivery_events: [
    {
      ...openapi,
      eventType: 'delivered',
      timestamp: '2024-10-11T18:05:27.000Z',
      tags: ['Password reset'],
    },
    {
      ...openapi,
      eventType: 'delivered',
      timestamp: '2024-10-11T18:05:27.000Z',
      recipient: 'another@example.com',
      messageId: 'ca7974af-7212-42aa-99fb-cc4742d0658b',
      eventId: '657b8544-6a95-4c47-997f-6e47922a5052',
      tags: ['Email confirmation'],
    },
  ],
  openapi_Mixed_events: [
    {
      ...EMPTY_FIELDS,
      eventType: 'delivered',
      recipient: 'user1@example.com',
      messageId: 'abc-123',
      eventId: 'evt-1',
      timestamp: '2024-10-11T18:05:27.000Z',
    },
    {
      ...EMPTY_FIELDS,
      eventType: 'opened',
      recipient: 'user1@example.com',
      messageId: 'abc-123',
      eventId: 'evt-2',
      timestamp: '2024-10-11T18:05:30.000Z',
    },
    {
      ...EMPTY_FIELDS,
      eventType: 'clicked',
      recipient: 'user1@example.com',
      messageId: 'abc-123',
      eventId: 'evt-3',
      timestamp: '2024-10-11T18:05:35.000Z',
      clickUrl: 'https://example.com',
    },
  ],
  symfony_batch: [
    { ...symfonyBounce, messageId: '00000000-0000-0000-0000-000000000001' },
    { ...symfonyClick, messageId: '00000000-0000-0000-0000-000000000002' },
  ],
  symfony_bounce: [symfonyBounce],
  symfony_click: [symfonyClick],
  symfony_delivery: [{ ...symfony, eventType: 'delivered' }],
  symfony_open: [{ ...symfony, eventType: 'opened', userAgent: CHROME_103 }],
  symfony_reject: [{ ...symfony, ...SUPPRESSED }],
  symfony_soft_bounce: [{ ...symfony, ...GREYLISTED }],
  symfony_spam: [{ ...symfony, eventType: 'complained', rejectCategory: 'spam' }],
  symfony_suspension: [{ ...symfony, ...LIMIT }],
  symfony_unsubscribe: [{ ...symfony, eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
};

const FILES = readdirSync(DIR).filter((f) => /\.jsonl?$/.test(f));

/** The elements each context's rawEvent must be: the batch's `events`, or each JSON line. */
function elements(text: string): unknown[] {
  try {
    const json = JSON.parse(text) as { events?: unknown[] };
    return json.events ?? [json];
  } catch {
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
  }
}

describe('Mailtrap fixtures through the handler', () => {
  test('every fixture in the folder has a case', () => {
    expect(FILES.map((f) => f.replace(/\.jsonl?$/, '')).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const file of FILES) {
    const expected = CASES[file.replace(/\.jsonl?$/, '')] ?? [];
    test(`${file} → ${expected.map((e) => e.eventType).join(', ') || 'no events'}`, async () => {
      const { handle, events, lines } = setup();
      const body = readFileSync(new URL(file, DIR), 'utf8');
      const type = file.endsWith('.jsonl') ? 'application/jsonl' : 'application/json';
      const result = await answer(await handle(await mailtrapRequest(body, undefined, type)));
      expect(result).toEqual({ status: 200, body: { ok: true, events: expected.length } });
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
      const raw = elements(body).filter(
        (e) => !String((e as { event: string }).event).startsWith('activity_log.'),
      );
      expect(events.map((e) => ({ ...e, timestamp: e.timestamp.toISOString() }))).toEqual(
        expected.map((e, i) => ({ ...e, espName: 'mailtrap', rawEvent: raw[i] })),
      );
    });
  }
});
