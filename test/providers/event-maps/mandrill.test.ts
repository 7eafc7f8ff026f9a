/** Mandrill's whole event vocabulary, message and sync events (anymail's mapping), row by row. */
import { describe, expect, test } from 'vitest';
import { mandrill } from '../../../src/index.js';
import { digestOf, harness, NOW } from '../../helpers/provider-harness.js';
import { contextsOf, DEFAULTS } from './helpers.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (events: unknown[]) =>
  new URLSearchParams({ mandrill_events: JSON.stringify(events) }).toString();
const M = () => mandrill({ verifySignature: false });

const message = (
  name: string,
  msg: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) => ({
  event: name,
  _id: 'exampleaaaaaaaaaaaaaaaaaaaaaaaaa',
  ts: 1692999005,
  msg: {
    ts: 1692999000,
    _id: 'exampleaaaaaaaaaaaaaaaaaaaaaaaaa',
    state: 'sent',
    subject: 'This an example webhook message',
    email: 'example.webhook@mandrillapp.com',
    tags: ['webhook-example', 'welcome'],
    metadata: { user_id: 111, plan: 'pro' },
    sender: 'example.sender@mandrillapp.com',
    ...msg,
  },
  ...extra,
});

const base = {
  ...DEFAULTS,
  messageId: 'exampleaaaaaaaaaaaaaaaaaaaaaaaaa',
  recipient: 'example.webhook@mandrillapp.com',
  timestamp: '2023-08-25T21:30:05.000Z',
  espName: 'mandrill',
  tags: ['webhook-example', 'welcome'],
  metadata: { user_id: '111', plan: 'pro' },
};

const ROWS: [string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>][] =
  [
    ['send', {}, {}, { eventType: 'sent' }],
    ['delivered', { diag: '250 OK' }, {}, { eventType: 'delivered', mtaResponse: '250 OK' }],
    [
      'deferral',
      { state: 'deferred', diag: '451 4.3.5 Temporary failure' },
      {},
      { eventType: 'deferred', mtaResponse: '451 4.3.5 Temporary failure' },
    ],
    [
      'hard_bounce',
      { state: 'bounced', bounce_description: 'bad_mailbox', diag: 'smtp;550 5.1.1 unknown user' },
      {},
      {
        eventType: 'bounced',
        rejectReason: 'bad_mailbox',
        mtaResponse: 'smtp;550 5.1.1 unknown user',
        rejectCategory: 'bounced',
        permanent: true,
      },
    ],
    [
      'soft_bounce',
      { state: 'soft-bounced', bounce_description: 'mailbox_full', diag: '452 4.2.2 Over Quota' },
      {},
      {
        eventType: 'bounced',
        rejectReason: 'mailbox_full',
        mtaResponse: '452 4.2.2 Over Quota',
        rejectCategory: 'bounced',
        permanent: false,
      },
    ],
    [
      'open',
      {},
      { ip: '127.0.0.1', user_agent: 'Mozilla/5.0 (open)' },
      { eventType: 'opened', userAgent: 'Mozilla/5.0 (open)' },
    ],
    [
      'click',
      {},
      { ip: '127.0.0.1', url: 'https://mandrill.com', user_agent: 'Mozilla/5.0 (click)' },
      { eventType: 'clicked', clickUrl: 'https://mandrill.com', userAgent: 'Mozilla/5.0 (click)' },
    ],
    ['spam', {}, {}, { eventType: 'complained', rejectCategory: 'spam' }],
    ['unsub', {}, {}, { eventType: 'unsubscribed', rejectCategory: 'unsubscribed' }],
    [
      'reject',
      { state: 'rejected' },
      {},
      { eventType: 'rejected', rejectCategory: 'blocked', permanent: true },
    ],
    ['something_new', {}, {}, { eventType: 'unknown' }],
  ];

describe('Mandrill message events: each gives its type and every context field as mapped', () => {
  test.each(ROWS)('%s', async (name, msg, extra, want) => {
    const element = message(name, msg, extra);
    expect(await contextsOf(M(), form([element]), FORM)).toEqual([
      { ...base, eventId: await digestOf('mandrill', JSON.stringify(element)), ...want },
    ]);
  });
});

describe('Mandrill elements that are not events', () => {
  test('a field of the wrong type skips its element with a warning naming the field; the rest are delivered', async () => {
    const { post, events, warnings } = harness(M());
    const answer = await post(form([message('open', { _id: 7 }), message('send')]), FORM);
    expect(answer).toEqual({ status: 200, body: { ok: true, events: 1 } });
    expect(events.map((e) => e.eventType)).toEqual(['sent']);
    const skipped = warnings().filter((l) => /skipped/.test(l.msg));
    expect(skipped.map((l) => [l.fields.index, l.fields.problem])).toEqual([
      [0, expect.stringContaining('"msg._id"')],
    ]);
  });
});

describe('Mandrill sync events', () => {
  test('blacklist: unknown, for reject.email, described by reject.detail', async () => {
    const element = {
      type: 'blacklist',
      action: 'add',
      reject: {
        reason: 'hard-bounce',
        detail: 'Example detail',
        last_event_at: '2014-05-01 12:54:01',
        email: 'example.webhook@mandrillapp.com',
        created_at: '2014-05-01 12:54:01',
        expires_at: '2014-05-01 12:54:01',
        expired: false,
        subaccount: 'example_subaccount',
        sender: 'example.sender@mandrillapp.com',
      },
      ts: 1692999005,
    };
    expect(await contextsOf(M(), form([element]), FORM)).toEqual([
      {
        ...DEFAULTS,
        eventType: 'unknown',
        messageId: '',
        recipient: 'example.webhook@mandrillapp.com',
        timestamp: '2023-08-25T21:30:05.000Z',
        espName: 'mandrill',
        eventId: await digestOf('mandrill', JSON.stringify(element)),
        description: 'Example detail',
      },
    ]);
  });

  test('whitelist: unknown, for entry.email, at the time it arrived when it has no ts', async () => {
    const element = {
      type: 'whitelist',
      action: 'add',
      entry: {
        email: 'example.webhook@mandrillapp.com',
        detail: 'example details',
        created_at: '2014-01-15 12:03:19',
      },
    };
    expect(await contextsOf(M(), form([element]), FORM)).toEqual([
      {
        ...DEFAULTS,
        eventType: 'unknown',
        messageId: '',
        recipient: 'example.webhook@mandrillapp.com',
        timestamp: NOW.toISOString(),
        espName: 'mandrill',
        eventId: await digestOf('mandrill', JSON.stringify(element)),
      },
    ]);
  });
});
