/** Every MailerSend fixture (v1 and v2 shapes) through the real handler, field by field. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../../src/index.js';
import { EMPTY_FIELDS, type Expected as Fields } from '../../helpers/expected-context.js';
import { answer, mailersendRequest, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailersend/', import.meta.url);
const read = (name: string) => readFileSync(new URL(`${name}.json`, DIR), 'utf8');

type Expected = Fields & { eventId: string };

const anymail = {
  ...EMPTY_FIELDS,
  recipient: 'recipient@example.com',
  messageId: '63fd1c1d5f010335ed07066b',
};
const symfony = {
  ...EMPTY_FIELDS,
  recipient: 'test@example.com',
  messageId: '62fb66bef54a112e920b5493',
  eventId: '62f114f8165fe0d8db0288e5',
  timestamp: '2024-01-01T12:00:00.000Z',
  tags: ['test-tag'],
};
const v2 = {
  ...symfony,
  messageId: '67f91abd69f79df391e9d78d',
  timestamp: '2026-01-01T12:00:00.000Z',
};
const hardBounce = {
  rejectReason: 'Host or domain name not found',
  description: 'Host or domain name not found',
  rejectCategory: 'bounced' as const,
  permanent: true,
};
const softBounce = {
  rejectReason: 'Unknown reason',
  description: 'Unknown reason',
  rejectCategory: 'bounced' as const,
  permanent: false,
};

const CASES: Record<string, Expected> = {
  anymail_clicked_event: {
    ...anymail,
    eventType: 'clicked',
    eventId: '63fd1d23afa3c770b00da7d3',
    timestamp: '2023-02-27T21:14:11.691Z',
    clickUrl: 'https://example.com/test',
  },
  anymail_delivered_event: {
    ...anymail,
    eventType: 'delivered',
    eventId: '63fd1c1fcfbe46145d003a7b',
    timestamp: '2023-02-27T21:09:51.865Z',
  },
  anymail_hard_bounced_event: {
    ...anymail,
    ...hardBounce,
    eventType: 'bounced',
    recipient: 'invalid@example.com',
    messageId: '63fd25194d5edba3da09e044',
    eventId: '63fd251d5c00f8e52001fce6',
    timestamp: '2023-02-27T21:48:13.593Z',
  },
  anymail_opened_event: {
    ...anymail,
    eventType: 'opened',
    eventId: '63fd1e05532bd6cc700a793b',
    timestamp: '2023-02-27T21:17:57.025Z',
  },
  anymail_sent_event: {
    ...anymail,
    eventType: 'sent',
    eventId: '63fd1c1d31b9c750540fe85c',
    timestamp: '2023-02-27T21:09:49.506Z',
    tags: ['tag1', 'Tag 2'],
  },
  anymail_soft_bounced_event: {
    ...anymail,
    ...softBounce,
    eventType: 'bounced',
    recipient: 'notauser@example.com',
    messageId: '62fb66bef54a112e920b5493',
    eventId: '62f114f8165fe0d8db0288e5',
    timestamp: '2022-08-08T13:51:52.747Z',
  },
  anymail_spam_complaint_event: {
    ...anymail,
    eventType: 'complained',
    messageId: '62fb66bef54a112e920b5493',
    eventId: '62f114f8165fe0d8db0288e5',
    timestamp: '2022-08-08T13:51:52.747Z',
    rejectCategory: 'spam',
  },
  anymail_unsubscribed_event: {
    ...anymail,
    eventType: 'unsubscribed',
    eventId: '63fd21c23f2bdd360e07d6b2',
    timestamp: '2023-02-27T21:33:54.791Z',
    rejectReason: 'option_3',
    description: 'I get too many emails',
    rejectCategory: 'unsubscribed',
  },
  symfony_clicked: { ...symfony, eventType: 'clicked', clickUrl: 'https://www.mailersend.com' },
  symfony_clicked_unique: {
    ...symfony,
    eventType: 'clicked',
    clickUrl: 'https://www.mailersend.com',
  },
  symfony_delivered: { ...symfony, eventType: 'delivered' },
  symfony_hard_bounced: { ...symfony, ...hardBounce, eventType: 'bounced' },
  symfony_opened: { ...symfony, eventType: 'opened' },
  symfony_opened_unique: { ...symfony, eventType: 'opened' },
  symfony_sent: { ...symfony, eventType: 'sent' },
  symfony_soft_bounced: { ...symfony, ...softBounce, eventType: 'bounced' },
  symfony_spam_complaint: { ...symfony, eventType: 'complained', rejectCategory: 'spam' },
  symfony_unsubscribed: {
    ...symfony,
    eventType: 'unsubscribed',
    rejectReason: 'NO_LONGER_WANT',
    description: 'I no longer want to receive these emails',
    rejectCategory: 'unsubscribed',
  },
  // v2: the event is the top-level type (data.type is the message's status).
  symfony_v2_clicked: {
    ...v2,
    eventType: 'clicked',
    clickUrl: 'https://example.com/link',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36',
  },
  symfony_v2_delivered: { ...v2, eventType: 'delivered' },
  symfony_v2_hard_bounced: { ...v2, ...hardBounce, eventType: 'bounced', mtaResponse: '550' },
};

describe('MailerSend fixtures through the handler', () => {
  test('every fixture in the folder has a case', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, expected] of Object.entries(CASES)) {
    test(`${name} → ${expected.eventType}`, async () => {
      const { handle, events, lines } = setup();
      const body = read(name);
      const result = await answer(await handle(await mailersendRequest(body)));
      expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
      const [event] = events as [EmailTrackingContext];
      const { timestamp, ...fields } = expected;
      expect({ ...event, timestamp: event.timestamp.toISOString() }).toEqual({
        ...fields,
        timestamp,
        espName: 'mailersend',
        rawEvent: JSON.parse(body),
      });
    });
  }
});
