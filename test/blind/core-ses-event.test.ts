// Blind tests of DESIGN's "Normalized event": the SES mapping table, field by field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EmailTrackingContext } from '../../src/index.js';
import { createMailWebhookHandler, ses } from '../../src/index.js';
import {
  captureLogger,
  collector,
  envelope,
  FIXTURES,
  ses as fixture,
  post,
} from './core-helpers.js';

/** A handler with ses({ verifySignature: false }), a collecting bus and a captured logger. */
function unverified() {
  const { bus, events } = collector();
  const log = captureLogger();
  const h = createMailWebhookHandler({
    sinks: [bus],
    providers: [ses({ verifySignature: false })],
    logger: log.logger,
  });
  return { h, events, log };
}

async function run(message: unknown, over: Record<string, unknown> = {}) {
  const { h, events, log } = unverified();
  const env = envelope(message, over, { sign: false });
  const res = await h(post(env));
  const body = await res.json();
  return { res, body, events, env, lines: log.lines };
}

const ISO = (d: Date | undefined) => d?.toISOString();

describe('SES event publishing examples', () => {
  it('Bounce', async () => {
    const { res, body, events, env } = await run(fixture('event-publishing-bounce'));
    expect(res.status).toBe(200);
    expect(body).toEqual({ ok: true, events: 1 });
    const [e] = events as [EmailTrackingContext];
    expect(e.eventType).toBe('bounced');
    expect(e.messageId).toBe('EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000');
    expect(e.recipient).toBe('recipient@example.com');
    expect(ISO(e.timestamp)).toBe('2017-08-05T00:41:02.669Z');
    expect(e.espName).toBe('ses');
    expect(e.tags).toEqual([]);
    expect(e.metadata).toEqual({});
    expect(e.rejectReason).toBe('Permanent/General');
    expect(e.description).toBe('smtp; 550 5.1.1 user unknown');
    expect(e.mtaResponse).toBe('smtp; 550 5.1.1 user unknown');
    expect(e.clickUrl).toBeNull();
    expect(e.userAgent).toBeNull();
    expect(e.rawEvent).toEqual(fixture('event-publishing-bounce'));
    expect(e.eventId).toBe(env.MessageId);
    expect(e.rejectCategory).toBe('bounced');
    expect(e.permanent).toBe(true);
  });

  it('Transient and Undetermined bounces are not permanent', async () => {
    for (const bounceType of ['Transient', 'Undetermined']) {
      const m = fixture('event-publishing-bounce') as { bounce: Record<string, unknown> };
      m.bounce.bounceType = bounceType;
      m.bounce.bounceSubType = bounceType === 'Transient' ? 'MailboxFull' : 'Undetermined';
      const { events } = await run(m);
      expect(events[0]?.eventType).toBe('bounced');
      expect(events[0]?.permanent).toBe(false);
      expect(events[0]?.rejectCategory).toBe('bounced');
      expect(events[0]?.rejectReason).toBe(`${bounceType}/${m.bounce.bounceSubType}`);
    }
  });

  // One published example each: the fields DESIGN's SES table gives for it (timestamp as ISO).
  const tags1 = ['myCustomTag1:myCustomTagValue1', 'myCustomTag2:myCustomTagValue2'];
  const tags2 = ['myCustomTag1:myCustomValue1', 'myCustomTag2:myCustomValue2'];
  it.each<[string, string, Record<string, unknown>]>([
    [
      'Complaint',
      'complaint',
      {
        eventType: 'complained',
        recipient: 'recipient@example.com',
        timestamp: '2017-08-05T00:41:02.669Z',
        rejectReason: 'abuse',
        userAgent:
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/60.0.3112.90 Safari/537.36',
        rejectCategory: 'spam',
        permanent: null,
        description: null,
      },
    ],
    [
      'Delivery',
      'delivery',
      {
        eventType: 'delivered',
        timestamp: '2016-10-19T23:21:04.133Z',
        mtaResponse: '250 2.6.0 Message received',
        tags: tags1,
        rejectCategory: null,
        permanent: null,
        rejectReason: null,
        description: null,
      },
    ],
    [
      'Send',
      'send',
      {
        eventType: 'sent',
        timestamp: '2016-10-14T05:02:16.645Z',
        tags: tags1,
        rejectCategory: null,
        permanent: null,
      },
    ],
    [
      'Reject',
      'reject',
      {
        eventType: 'rejected',
        recipient: 'sender@example.com',
        timestamp: '2016-10-14T17:38:15.211Z',
        rejectReason: 'Bad content',
        rejectCategory: 'blocked',
        permanent: false,
      },
    ],
    [
      'Open',
      'open',
      {
        eventType: 'opened',
        timestamp: '2017-08-09T22:00:19.652Z',
        userAgent:
          'Mozilla/5.0 (iPhone; CPU iPhone OS 10_3_3 like Mac OS X) AppleWebKit/603.3.8 (KHTML, like Gecko) Mobile/14G60',
        tags: tags2,
        clickUrl: null,
        rejectCategory: null,
      },
    ],
    [
      'Click',
      'click',
      {
        eventType: 'clicked',
        timestamp: '2017-08-09T23:51:25.570Z',
        clickUrl: 'http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html',
        userAgent: expect.stringContaining('Chrome/60.0.3112.90'),
        tags: tags2,
      },
    ],
    [
      'Rendering Failure (with a space; detail key failure)',
      'failure',
      {
        eventType: 'failed',
        timestamp: '2018-01-22T18:43:06.197Z',
        description: "Attribute 'attributeName' is not present in the rendering data.",
        rejectCategory: 'other',
        permanent: false,
      },
    ],
    [
      'DeliveryDelay',
      'delayed-delivery',
      {
        eventType: 'deferred',
        timestamp: '2020-06-16T00:25:40.095Z',
        description: 'TransientCommunicationFailure',
        recipient: 'recipient@example.com',
        rejectCategory: null,
        permanent: null,
        // "mtaResponse: delivery.smtpResponse, or the recipient's diagnosticCode"
        mtaResponse: 'smtp; 421 4.4.1 Unable to connect to remote host',
      },
    ],
    [
      'Subscription that opts out is unsubscribed',
      'subscription',
      {
        eventType: 'unsubscribed',
        timestamp: '2022-01-12T01:00:17.910Z',
        messageId: 'EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000',
        rejectCategory: 'unsubscribed',
        permanent: null,
        tags: tags2,
      },
    ],
  ])('%s', async (_label, name, want) => {
    const { events } = await run(fixture(`event-publishing-${name}`));
    expect(events).toHaveLength(1);
    const [e] = events as [EmailTrackingContext];
    for (const [field, value] of Object.entries(want)) {
      const got = field === 'timestamp' ? ISO(e.timestamp) : e[field as keyof EmailTrackingContext];
      expect(got, field).toEqual(value);
    }
  });

  it('Subscription that opts in is unknown', async () => {
    const m = fixture('event-publishing-subscription') as {
      subscription: {
        newTopicPreferences: { unsubscribeAll: boolean; topicSubscriptionStatus: unknown[] };
      };
    };
    m.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'ExampleTopicName', subscriptionStatus: 'OptIn' }],
    };
    const { res, events } = await run(m);
    expect(res.status).toBe(200);
    expect(events.map((e) => e.eventType)).toEqual(['unknown']);
    expect(events[0]?.rejectCategory).toBeNull();
  });
});

describe('SES legacy notifications', () => {
  it('Bounce without DSN expands to bouncedRecipients only', async () => {
    const { body, events, env } = await run(fixture('notification-bounce-no-dsn'));
    expect(body).toEqual({ ok: true, events: 2 });
    expect(events.map((e) => e.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
    for (const e of events) {
      expect(e.eventType).toBe('bounced');
      expect(e.eventId).toBe(env.MessageId);
      expect(e.messageId).toBe('00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000');
      expect(e.description).toBeNull();
      expect(e.mtaResponse).toBeNull();
      expect(e.rejectReason).toBe('Permanent/General');
      expect(e.permanent).toBe(true);
      expect(ISO(e.timestamp)).toBe('2016-01-27T14:59:38.237Z');
      expect(e.tags).toEqual([]);
    }
  });

  it('Bounce with DSN takes the diagnosticCode of that recipient', async () => {
    const { events } = await run(fixture('notification-bounce-with-dsn'));
    expect(events).toHaveLength(1);
    expect(events[0]?.recipient).toBe('jane@example.com');
    expect(events[0]?.description).toBe('smtp; 550 5.1.1 <jane@example.com>... User');
    expect(events[0]?.mtaResponse).toBe('smtp; 550 5.1.1 <jane@example.com>... User');
  });

  it('each recipient gets its own diagnosticCode', async () => {
    const m = fixture('notification-bounce-no-dsn') as {
      bounce: { bouncedRecipients: Record<string, string>[] };
    };
    m.bounce.bouncedRecipients = [
      { emailAddress: 'a@example.com', diagnosticCode: 'smtp; 550 a' },
      { emailAddress: 'b@example.com', diagnosticCode: 'smtp; 550 b' },
    ];
    const { events } = await run(m);
    expect(events.map((e) => [e.recipient, e.description, e.mtaResponse])).toEqual([
      ['a@example.com', 'smtp; 550 a', 'smtp; 550 a'],
      ['b@example.com', 'smtp; 550 b', 'smtp; 550 b'],
    ]);
  });

  it('Complaint with and without feedback', async () => {
    const withFb = await run(fixture('notification-complaint-with-feedback'));
    expect(withFb.events).toHaveLength(1);
    expect(withFb.events[0]?.recipient).toBe('richard@example.com');
    expect(withFb.events[0]?.rejectReason).toBe('abuse');
    expect(withFb.events[0]?.userAgent).toBe('AnyCompany Feedback Loop (V0.01)');
    expect(withFb.events[0]?.rejectCategory).toBe('spam');
    const noFb = await run(fixture('notification-complaint-no-feedback'));
    expect(noFb.events[0]?.eventType).toBe('complained');
    expect(noFb.events[0]?.rejectReason).toBeNull();
    expect(noFb.events[0]?.userAgent).toBeNull();
    expect(noFb.events[0]?.rejectCategory).toBe('spam');
  });

  it('Delivery keeps smtpResponse verbatim', async () => {
    const { events } = await run(fixture('notification-delivery'));
    expect(events).toHaveLength(1);
    expect(events[0]?.eventType).toBe('delivered');
    expect(events[0]?.recipient).toBe('jane@example.com');
    expect(events[0]?.mtaResponse).toBe('250 ok:  Message 64111812 accepted');
  });
});

describe('tags and metadata', () => {
  it('X-Tag headers, X-Metadata-<Key> headers, an X-Metadata JSON header and mail.tags', async () => {
    const m = fixture('event-publishing-send') as {
      mail: { headers: { name: string; value: string }[]; tags: Record<string, string[]> };
    };
    m.mail.headers = [
      ...m.mail.headers,
      { name: 'X-Tag', value: 'welcome' },
      { name: 'X-Tag', value: 'onboarding' },
      { name: 'X-Metadata-User-Id', value: '42' },
      { name: 'X-Metadata', value: '{"plan":"pro"}' },
    ];
    m.mail.tags = {
      'ses:configuration-set': ['ConfigSet'],
      campaign: ['spring'],
      flag: ['true'],
      'metadata:order': ['A1'],
    };
    const { events } = await run(m);
    const [e] = events as [EmailTrackingContext];
    expect(e.tags).toEqual(['welcome', 'onboarding', 'campaign:spring', 'flag']);
    expect(e.metadata).toEqual({ 'User-Id': '42', plan: 'pro', order: 'A1' });
  });
});

describe('recipients and expansion', () => {
  it('Send to three destinations is three contexts with one eventId', async () => {
    const m = fixture('event-publishing-send') as { mail: { destination: string[] } };
    m.mail.destination = ['a@example.com', 'b@example.com', 'c@example.com'];
    const { body, events, env } = await run(m);
    expect(body).toEqual({ ok: true, events: 3 });
    expect(events.map((e) => e.recipient)).toEqual([
      'a@example.com',
      'b@example.com',
      'c@example.com',
    ]);
    expect(new Set(events.map((e) => e.eventId))).toEqual(new Set([env.MessageId]));
  });

  it('Delivery uses delivery.recipients, not mail.destination', async () => {
    const m = fixture('event-publishing-delivery') as { mail: { destination: string[] } };
    m.mail.destination = ['recipient@example.com', 'other@example.com'];
    const { events } = await run(m);
    expect(events.map((e) => e.recipient)).toEqual(['recipient@example.com']);
  });

  it('Complaint uses complainedRecipients', async () => {
    const { events } = await run(fixture('notification-complaint-no-feedback'));
    expect(events.map((e) => e.recipient)).toEqual(['richard@example.com']);
  });
});

describe('types that are not a mapped SES type', () => {
  it('an unknown eventType gives unknown events for mail.destination, never an error', async () => {
    const m = fixture('event-publishing-send') as Record<string, unknown>;
    m.eventType = 'SomethingNew';
    const { res, events } = await run(m);
    expect(res.status).toBe(200);
    expect(events.map((e) => e.eventType)).toEqual(['unknown']);
    expect(events[0]?.rejectCategory).toBeNull();
    expect(events[0]?.permanent).toBeNull();
  });

  it('eventType "constructor" / "__proto__" is an unknown event, not a crash', async () => {
    for (const t of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const m = fixture('event-publishing-send') as Record<string, unknown>;
      m.eventType = t;
      const { res, events } = await run(m);
      expect(res.status, t).toBe(200);
      expect(
        events.map((e) => e.eventType),
        t,
      ).toEqual(['unknown']);
    }
  });

  it('a Received notification is not a tracking event: 200, a warning, no events', async () => {
    const { res, body, events, lines } = await run({
      notificationType: 'Received',
      mail: {
        timestamp: '2016-01-27T14:59:38.237Z',
        messageId: 'x',
        destination: ['in@example.com'],
      },
      receipt: {},
    });
    expect(res.status).toBe(200);
    expect(body.ok).toBe(true);
    expect(body.events ?? 0).toBe(0);
    expect(events).toHaveLength(0);
    expect(lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('a Message with neither eventType nor notificationType: 200, a warning, no events', async () => {
    const { res, events, lines } = await run({ hello: 'world' });
    expect(res.status).toBe(200);
    expect(events).toHaveLength(0);
    expect(lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('a plain-text Message (not JSON): 200, a warning, no events', async () => {
    const { res, events, lines } = await run('A message');
    expect(res.status).toBe(200);
    expect(events).toHaveLength(0);
    expect(lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('the SES set-up notification: 200, no events, logged', async () => {
    const env = JSON.parse(
      readFileSync(`${FIXTURES}/ses/sns-envelope-ses-setup-notification.json`, 'utf8'),
    );
    delete env._comment;
    const { h, events, log } = unverified();
    const res = await h(post(env));
    expect(res.status).toBe(200);
    expect(events).toHaveLength(0);
    expect(log.lines.length).toBeGreaterThan(0);
  });
});

describe('schema errors are 400 naming the field', () => {
  it('a tracking type without mail', async () => {
    const { res, body, events } = await run({
      eventType: 'Bounce',
      bounce: fixture('event-publishing-bounce').bounce,
    });
    expect(res.status).toBe(400);
    expect(body.ok).toBe(false);
    expect(JSON.stringify(body)).toContain('mail');
    expect(events).toHaveLength(0);
  });

  it('a Bounce without bouncedRecipients', async () => {
    const m = fixture('event-publishing-bounce') as { bounce: Record<string, unknown> };
    delete m.bounce.bouncedRecipients;
    const { res, body } = await run(m);
    expect(res.status).toBe(400);
    expect(body.message).toContain('bouncedRecipients');
  });

  it('a Bounce recipient without emailAddress', async () => {
    const m = fixture('event-publishing-bounce') as {
      bounce: { bouncedRecipients: Record<string, unknown>[] };
    };
    delete m.bounce.bouncedRecipients[0]?.emailAddress;
    const { res, body } = await run(m);
    expect(res.status).toBe(400);
    expect(body.message).toContain('emailAddress');
  });

  it('mail.messageId missing', async () => {
    const m = fixture('event-publishing-delivery') as { mail: Record<string, unknown> };
    delete m.mail.messageId;
    const { res, body } = await run(m);
    expect(res.status).toBe(400);
    expect(body.message).toContain('messageId');
  });
});

describe('timestamps', () => {
  it('reads "2018-10-08T14:05:45 +0000" and offsets like -05:00', async () => {
    const m = fixture('event-publishing-send') as { mail: Record<string, unknown> };
    m.mail.timestamp = '2018-10-08T14:05:45 +0000';
    const a = await run(m);
    expect(a.res.status).toBe(200);
    expect(ISO(a.events[0]?.timestamp)).toBe('2018-10-08T14:05:45.000Z');
    m.mail.timestamp = '2016-01-27T09:59:38.237-05:00';
    const b = await run(m);
    expect(ISO(b.events[0]?.timestamp)).toBe('2016-01-27T14:59:38.237Z');
  });

  it('falls back to mail.timestamp when the detail object has none', async () => {
    const m = fixture('event-publishing-open') as { open: Record<string, unknown> };
    delete m.open.timestamp;
    const { events } = await run(m);
    expect(ISO(events[0]?.timestamp)).toBe('2017-08-09T21:59:49.927Z');
  });

  for (const [label, value] of [
    ['02-30', '2017-02-30T00:41:02.669Z'],
    ['T24:00', '2017-08-05T24:00:00.000Z'],
    ['an offset past 9999', '9999-12-31T23:00:00.000-05:00'],
    ['an offset before 1970', '1970-01-01T00:30:00.000+01:00'],
    ['not a date', 'yesterday'],
    ['month 13', '2017-13-05T00:41:02.669Z'],
  ] as const) {
    it(`a detail timestamp that is ${label} is a 400 naming the field`, async () => {
      const m = fixture('event-publishing-bounce') as { bounce: Record<string, unknown> };
      m.bounce.timestamp = value;
      const { res, body, events } = await run(m);
      expect(res.status).toBe(400);
      expect(body.message).toContain('bounce.timestamp');
      expect(events).toHaveLength(0);
    });
  }

  it('a mail.timestamp of 02-30 on a Send is a 400 naming mail.timestamp', async () => {
    const m = fixture('event-publishing-send') as { mail: Record<string, unknown> };
    m.mail.timestamp = '2016-02-30T05:02:16.645Z';
    const { res, body } = await run(m);
    expect(res.status).toBe(400);
    expect(body.message).toContain('mail.timestamp');
  });
});
