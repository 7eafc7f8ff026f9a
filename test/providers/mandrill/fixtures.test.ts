/** Every Mandrill fixture, form-encoded and signed, through the real handler, field by field. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { EMPTY_FIELDS, type Expected } from '../../helpers/expected-context.js';
import { answer, mandrillRequest, NOW, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/mandrill/', import.meta.url);

const anymail = {
  ...EMPTY_FIELDS,
  recipient: 'recipient@example.com',
  messageId: 'abcdef012345789abcdef012345789',
  timestamp: '2016-04-19T19:47:26.000Z',
};
const symfony = {
  ...EMPTY_FIELDS,
  recipient: 'foo@example.com',
  timestamp: '2013-04-04T21:13:19.000Z',
  tags: ['my_tag_1', 'my_tag_2'],
  metadata: { 'mandrill-var-1': 'foo', 'mandrill-var-2': 'bar' },
};
const click = { ...symfony, eventType: 'clicked' as const, messageId: '7761630' };
const deferral = { ...symfony, eventType: 'deferred' as const, messageId: '7761631' };

const CASES: Record<string, Expected[]> = {
  anymail_click_event: [
    {
      ...anymail,
      eventType: 'clicked',
      clickUrl: 'http://example.com',
      userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0',
    },
  ],
  anymail_hard_bounce_event: [
    {
      ...anymail,
      eventType: 'bounced',
      recipient: 'bounce@example.com',
      rejectReason: 'bad_mailbox',
      mtaResponse: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  anymail_send_event: [
    {
      ...anymail,
      eventType: 'sent',
      tags: ['tag1', 'tag2'],
      metadata: { custom1: 'value1', custom2: 'value2' },
    },
  ],
  // A sync (denylist) event: no message, no `ts` (the clock's time), the reason as description.
  anymail_sync_event: [
    {
      ...EMPTY_FIELDS,
      eventType: 'unknown',
      recipient: 'recipient@example.com',
      messageId: '',
      timestamp: NOW.toISOString(),
      description: 'manual edit',
    },
  ],
  symfony_batch: [click, deferral],
  symfony_click: [click],
  symfony_deferral: [deferral],
  symfony_delivered: [{ ...symfony, eventType: 'delivered', messageId: '7761632' }],
  symfony_hard_bounce: [
    {
      ...symfony,
      eventType: 'bounced',
      messageId: '7761633',
      rejectReason: 'hard bounce',
      rejectCategory: 'bounced',
      permanent: true,
    },
  ],
  symfony_opens: [{ ...symfony, eventType: 'opened', messageId: '7761634' }],
  symfony_reject: [
    {
      ...symfony,
      eventType: 'rejected',
      messageId: '7761635',
      rejectCategory: 'blocked',
      permanent: true,
    },
  ],
  symfony_send: [{ ...symfony, eventType: 'sent', messageId: '7761636' }],
  symfony_soft_bounce: [
    {
      ...symfony,
      eventType: 'bounced',
      messageId: '7761637',
      rejectReason: 'soft_bounce',
      rejectCategory: 'bounced',
      permanent: false,
    },
  ],
  symfony_spam: [
    { ...symfony, eventType: 'complained', messageId: '7761638', rejectCategory: 'spam' },
  ],
  symfony_unsub: [
    {
      ...symfony,
      eventType: 'unsubscribed',
      messageId: '7761639',
      rejectCategory: 'unsubscribed',
    },
  ],
};

const digest = (element: unknown) =>
  `mandrill:${createHash('sha256').update(JSON.stringify(element)).digest('hex').slice(0, 32)}`;

describe('Mandrill fixtures through the handler', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));

  test('every fixture in the folder has a case', () => {
    expect(files.map((f) => f.slice(0, -5)).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const file of files) {
    const expected = CASES[file.slice(0, -5)] ?? [];
    test(`${file} → ${expected.map((e) => e.eventType).join(', ')}`, async () => {
      const json = JSON.parse(readFileSync(new URL(file, DIR), 'utf8'));
      // Symfony's files wrap the array with the form's other parts; anymail's are the array.
      const elements: unknown[] = Array.isArray(json) ? json : json.mandrill_events;
      const { handle, events, lines } = setup();
      const result = await answer(await handle(await mandrillRequest(elements)));
      expect(result).toEqual({ status: 200, body: { ok: true, events: expected.length } });
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
      expect(events.map((e) => ({ ...e, timestamp: e.timestamp.toISOString() }))).toEqual(
        expected.map((e, i) => ({
          ...e,
          espName: 'mandrill',
          eventId: digest(elements[i]),
          rawEvent: elements[i],
        })),
      );
    });
  }
});
