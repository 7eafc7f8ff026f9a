import { describe, expect, test } from 'vitest';
import { HttpError } from '../../src/index.js';
import { parseSesEvent, parseSesMessage } from '../../src/providers/ses/parse.js';
import { parseTimestamp } from '../../src/timestamp.js';
import click from '../fixtures/ses/event-publishing-click.json' with { type: 'json' };
import delivery from '../fixtures/ses/event-publishing-delivery.json' with { type: 'json' };
import subscription from '../fixtures/ses/event-publishing-subscription.json' with { type: 'json' };
import legacyBounce from '../fixtures/ses/notification-bounce-no-dsn.json' with { type: 'json' };
import { memoryLogger } from '../helpers/envelope.js';

const FALLBACK = new Date('2026-01-01T00:00:00.000Z');

function parse(event: unknown) {
  const { logger, lines } = memoryLogger();
  return {
    result: parseSesEvent(event, { eventId: 'e1', fallback: FALLBACK, logger }),
    lines,
  };
}

function events(event: unknown) {
  const { result } = parse(event);
  if (result instanceof HttpError || result.kind !== 'events')
    throw new Error(`not events: ${JSON.stringify(result)}`);
  return result.events;
}

const clone = <T>(value: T): T => structuredClone(value);

describe('tags and metadata', () => {
  test('the contexts of one message share its tags and metadata (no copy per recipient: linear work)', () => {
    const event = clone(click) as Record<string, any>;
    event.eventType = 'Send';
    event.mail.destination = Array.from({ length: 2000 }, (_, i) => `r${i}@example.com`);
    event.mail.tags = Object.fromEntries(
      Array.from({ length: 500 }, (_, i) => [`metadata:k${i}`, [`v${i}`]]),
    );
    const all = events(event);
    expect(all).toHaveLength(2000);
    expect(Object.keys(all[0]?.metadata ?? {})).toHaveLength(500);
    expect(all.every((c) => c.metadata === all[0]?.metadata && c.tags === all[0]?.tags)).toBe(true);
  });

  test('a mail.tags of 50,000 bad entries is refused naming the first, in work linear in their number', () => {
    // Each bad entry's issue was appended by copying every issue before it: quadratic, some
    // 10 s of CPU for a 700 KB body (found by fuzzing). Appended in place, it takes milliseconds.
    const event = clone(click) as Record<string, any>;
    event.mail.tags = Object.fromEntries(
      Array.from({ length: 50_000 }, (_, i) => [`k${i}`, `v${i}`]),
    );
    const { result } = parse(event);
    expect(result).toBeInstanceOf(HttpError);
    expect((result as HttpError).message).toMatch(/^SES event field "mail\.tags\.k0" is invalid/);
    // One tag of 200,000 bad values: as many issues at once, still a 400 naming the first.
    event.mail.tags = { k: Array.from({ length: 200_000 }, () => 1) };
    const one = parse(event).result;
    expect((one as HttpError).message).toMatch(/^SES event field "mail\.tags\.k\.0" is invalid/);
  });

  const withHeaders = (
    headers: { name: string; value: string }[],
    tags?: Record<string, string[]>,
  ) => {
    const event = clone(click) as Record<string, any>;
    event.mail.headers = headers;
    if (tags) event.mail.tags = tags;
    return event;
  };

  test('reads repeatable X-Tag headers before mail.tags, skipping ses: and metadata: tags', () => {
    const [context] = events(
      withHeaders(
        [
          { name: 'X-Tag', value: 'welcome' },
          { name: 'x-tag', value: 'onboarding' },
        ],
        {
          'ses:configuration-set': ['Set'],
          'metadata:user': ['42'],
          campaign: ['spring'],
          vip: ['true'],
        },
      ),
    );
    expect(context?.tags).toEqual(['welcome', 'onboarding', 'campaign:spring', 'vip']);
  });

  test('an X-Tag value is trimmed; a blank one and a repeat add no tag', () => {
    const [context] = events(
      withHeaders(
        [
          { name: 'X-Tag', value: ' welcome ' },
          { name: 'X-Tag', value: '   ' },
          { name: 'X-Tag', value: 'welcome' },
          { name: 'X-Tag', value: 'onboarding' },
        ],
        {},
      ),
    );
    expect(context?.tags).toEqual(['welcome', 'onboarding']);
    for (const second of ['welcome', ' ']) {
      const twice = [
        { name: 'X-Tag', value: 'welcome' },
        { name: 'X-Tag', value: second },
      ];
      expect(events(withHeaders(twice, {}))[0]?.tags).toEqual(['welcome']);
    }
  });

  test('an X-Metadata- header with no key after the prefix adds no metadata', () => {
    const [context] = events(
      withHeaders(
        [
          { name: 'X-Metadata-', value: 'lost' },
          { name: 'X-Metadata-Plan', value: 'pro' },
        ],
        {},
      ),
    );
    expect(context?.metadata).toEqual({ Plan: 'pro' });
  });

  test('merges X-Metadata JSON, X-Metadata-<Key> headers and metadata: tags', () => {
    const [context] = events(
      withHeaders(
        [
          { name: 'X-Metadata', value: '{"tenant":"acme","count":3}' },
          { name: 'X-Metadata-User-Id', value: 'u-1' },
        ],
        { 'metadata:plan': ['pro'] },
      ),
    );
    expect(context?.metadata).toEqual({
      tenant: 'acme',
      count: '3',
      'User-Id': 'u-1',
      plan: 'pro',
    });
  });

  test('a key given twice keeps the later value: headers in the order sent, then metadata: tags', () => {
    const headers = (first: string, second: string) => [
      {
        name: first === 'json' ? 'X-Metadata' : 'X-Metadata-plan',
        value: first === 'json' ? '{"plan":"json"}' : 'header',
      },
      {
        name: second === 'json' ? 'X-Metadata' : 'X-Metadata-plan',
        value: second === 'json' ? '{"plan":"json"}' : 'header',
      },
    ];
    expect(events(withHeaders(headers('json', 'key')))[0]?.metadata).toEqual({ plan: 'header' });
    expect(events(withHeaders(headers('key', 'json')))[0]?.metadata).toEqual({ plan: 'json' });
    expect(
      events(withHeaders(headers('key', 'json'), { 'metadata:plan': ['tag'] }))[0]?.metadata,
    ).toEqual({ plan: 'tag' });
  });

  test('keys such as __proto__ and constructor are kept as ordinary keys, from every source', () => {
    const event = withHeaders(
      [
        { name: 'X-Metadata', value: '{"__proto__":"p","constructor":"c"}' },
        { name: 'X-Metadata-prototype', value: 'h' },
        { name: 'X-Metadata-__proto__', value: 'h2' },
      ],
      // JSON.parse, as SNS delivers it: an own "__proto__" key, not a prototype.
      JSON.parse('{"metadata:toString":["t"],"constructor":["x"],"__proto__":["y"]}'),
    );
    const [context] = events(event);
    const metadata = context?.metadata ?? {};
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.entries(metadata)).toEqual([
      ['__proto__', 'h2'],
      ['constructor', 'c'],
      ['prototype', 'h'],
      ['toString', 't'],
    ]);
    expect(context?.tags).toEqual(['constructor:x', '__proto__:y']);
  });

  test('ignores an X-Metadata header that is not a JSON object, with a warning', () => {
    const { result, lines } = parse(withHeaders([{ name: 'X-Metadata', value: 'not json' }]));
    expect(result).toMatchObject({ kind: 'events' });
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('X-Metadata'))).toBe(true);
  });
});

describe('which timestamp an event takes', () => {
  const reject = (timestamp: string) => {
    const event = clone(click) as Record<string, any>;
    event.eventType = 'Reject';
    event.reject = { reason: 'Bad content', timestamp };
    delete event.click;
    return event;
  };

  const send = (timestamp: string) => {
    const event = clone(click) as Record<string, any>;
    event.eventType = 'Send';
    event.send = { timestamp };
    delete event.click;
    return event;
  };

  test('Reject, Send and Rendering Failure take mail.timestamp: their detail carries no time of its own', () => {
    for (const [make, type] of [
      [reject, 'rejected'],
      [send, 'sent'],
    ] as const) {
      const event = make('2030-01-01T00:00:00.000Z');
      const [context] = events(event);
      expect([context?.eventType, context?.timestamp.toISOString()]).toEqual([
        type,
        parseTimestamp(event.mail.timestamp)?.toISOString(),
      ]);
      // Not read, so not refused either.
      expect(events(make('not a time'))[0]?.eventType).toBe(type);
    }
  });

  test('a detail that has its own timestamp (click) is read, and a bad one is a 400 naming it', () => {
    const event = clone(click) as Record<string, any>;
    event.click.timestamp = '2030-01-01T00:00:00.000Z';
    expect(events(event)[0]?.timestamp.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    event.click.timestamp = 'soon';
    const { result } = parse(event);
    expect(result).toBeInstanceOf(HttpError);
    expect((result as HttpError).message).toContain('click.timestamp');
  });

  test('with both the detail timestamp and mail.timestamp bad, the 400 names the one the event is timed by', () => {
    const event = clone(click) as Record<string, any>;
    event.click.timestamp = 'soon';
    event.mail.timestamp = 'later';
    const { result } = parse(event);
    expect((result as HttpError).message).toBe(
      'SES event field "click.timestamp" is not a timestamp between 1970 and 9999: soon',
    );
  });
});

describe('a timestamp that is not one', () => {
  test('the 400 quotes its first 64 characters, however long it is', () => {
    const event = clone(click) as Record<string, any>;
    const text = `2030-01-01T00:00:00.000Z${'x'.repeat(10_000)}`;
    event.mail.timestamp = text;
    const { result } = parse(event);
    expect(result).toBeInstanceOf(HttpError);
    expect([(result as HttpError).status, (result as HttpError).message]).toEqual([
      400,
      `SES event field "mail.timestamp" is not a timestamp between 1970 and 9999: ${text.slice(0, 64)}`,
    ]);
  });
});

describe('event types', () => {
  test('expands a multi-recipient legacy bounce into one context per bounced recipient, one eventId', () => {
    const list = events(legacyBounce);
    expect(list.map((c) => c.recipient)).toEqual(['jane@example.com', 'richard@example.com']);
    expect(new Set(list.map((c) => c.eventId))).toEqual(new Set(['e1']));
  });

  test('an unknown eventType becomes unknown, one per destination, never an error', () => {
    const event = { ...clone(click), eventType: 'SomethingNew' };
    expect(events(event).map((c) => [c.eventType, c.recipient])).toEqual([
      ['unknown', 'recipient@example.com'],
    ]);
  });

  test('a Subscription that does not opt out is unknown', () => {
    const event = clone(subscription) as Record<string, any>;
    event.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: 'News', subscriptionStatus: 'OptIn' }],
    };
    expect(events(event)[0]?.eventType).toBe('unknown');
  });

  test('a Subscription whose topic status is not text is a 400 naming the field', () => {
    const event = clone(subscription) as Record<string, any>;
    event.subscription.newTopicPreferences = {
      topicSubscriptionStatus: [{ topicName: 'News', subscriptionStatus: 5 }],
    };
    const { result } = parse(event);
    expect((result as HttpError).status).toBe(400);
    expect((result as HttpError).message).toContain(
      '"subscription.newTopicPreferences.topicSubscriptionStatus.0.subscriptionStatus"',
    );
  });

  test('a Subscription that opts out of one topic is unsubscribed, category unsubscribed', () => {
    const event = clone(subscription) as Record<string, any>;
    event.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [
        { topicName: 'News', subscriptionStatus: 'OptIn' },
        { topicName: 'Offers', subscriptionStatus: 'OptOut' },
      ],
    };
    const [context] = events(event);
    expect(context?.eventType).toBe('unsubscribed');
    expect(context?.rejectCategory).toBe('unsubscribed');
    expect(context?.permanent).toBeNull();
  });

  test('a Rendering Failure takes mail.timestamp: its failure object is not a timed detail', () => {
    const event = {
      eventType: 'Rendering Failure',
      mail: { messageId: 'm', timestamp: '2030-01-02T03:04:05.000Z', destination: ['a@x'] },
      failure: {
        templateName: 't',
        errorMessage: 'Attribute name is missing',
        timestamp: '2031-01-01T00:00:00.000Z',
      },
    };
    const [context] = events(event);
    expect(context?.eventType).toBe('failed');
    expect(context?.timestamp.toISOString()).toBe('2030-01-02T03:04:05.000Z');
  });

  test('falls back to the SNS timestamp when the event carries none', () => {
    const event = {
      notificationType: 'Bounce',
      mail: { messageId: 'm', destination: ['a@x'] },
      bounce: {
        bounceType: 'Transient',
        bounceSubType: 'MailboxFull',
        bouncedRecipients: [{ emailAddress: 'a@x' }],
      },
    };
    expect(events(event)[0]?.timestamp).toEqual(FALLBACK);
  });

  test('the SES subscription-succeeded notification is a set-up message', () => {
    expect(
      parse({ notificationType: 'AmazonSnsSubscriptionSucceeded', message: 'ok' }).result,
    ).toMatchObject({
      kind: 'setup',
    });
  });
});

describe('messages that are not SES events', () => {
  test.each([
    ['plain text', 'hello'],
    ['a JSON array', '[1,2]'],
    ['JSON without a type', '{"foo":1}'],
  ])('%s is not an SES event', (_name, message) => {
    const { logger } = memoryLogger();
    expect(parseSesMessage(message, { eventId: 'e', fallback: FALLBACK, logger })).toMatchObject({
      kind: 'not-ses',
    });
  });

  test('the SES set-up text is recognised', () => {
    const { logger } = memoryLogger();
    const text = 'Successfully validated SNS topic for Amazon SES event publishing.';
    expect(parseSesMessage(text, { eventId: 'e', fallback: FALLBACK, logger })).toMatchObject({
      kind: 'setup',
    });
  });
});

describe('events that claim to be SES but break the schema', () => {
  const broken = (mutate: (event: Record<string, any>) => void) => {
    const event = clone(click) as Record<string, any>;
    mutate(event);
    const { result } = parse(event);
    if (!(result instanceof HttpError)) throw new Error('expected a refusal');
    return result;
  };

  test.each([
    ['mail missing', (e: Record<string, any>) => delete e.mail, 'mail'],
    [
      'mail.messageId missing',
      (e: Record<string, any>) => delete e.mail.messageId,
      'mail.messageId',
    ],
    [
      'mail.destination not a list',
      (e: Record<string, any>) => {
        e.mail.destination = 'x';
      },
      'mail.destination',
    ],
    ['click missing', (e: Record<string, any>) => delete e.click, 'click'],
    [
      'click.link a number',
      (e: Record<string, any>) => {
        e.click.link = 5;
      },
      'click.link',
    ],
    [
      'click.userAgent a number',
      (e: Record<string, any>) => {
        e.click.userAgent = 5;
      },
      'click.userAgent',
    ],
    [
      'eventType not a string',
      (e: Record<string, any>) => {
        e.eventType = 7;
      },
      'eventType',
    ],
    [
      'unparsable timestamp',
      (e: Record<string, any>) => {
        e.click.timestamp = 'yesterday';
      },
      'click.timestamp',
    ],
  ])('%s is a 400 naming the field', (_name, mutate, field) => {
    const error = broken(mutate);
    expect(error.status).toBe(400);
    expect(error.message).toContain(`"${field}"`);
  });
});

describe('timestamps', () => {
  test.each([
    ['2017-08-05T00:41:02.669Z', '2017-08-05T00:41:02.669Z'],
    ['2018-10-08T14:05:45 +0000', '2018-10-08T14:05:45.000Z'],
    ['2009-12-03T04:24:21.000-05:00', '2009-12-03T09:24:21.000Z'],
    ['2020-06-16T00:25:40.914123Z', '2020-06-16T00:25:40.914Z'],
    ['2020-06-16T00:25:40', '2020-06-16T00:25:40.000Z'],
  ])('parses %s', (text, iso) => {
    expect(parseTimestamp(text)?.toISOString()).toBe(iso);
  });

  test.each(['', 'yesterday', '2020-13-45T99:00:00Z', '1600000000'])('refuses %j', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });
});

describe('optional texts as sent', () => {
  test('an empty smtpResponse or click userAgent is "" in the event, as django-anymail passes it', () => {
    const delivered = clone(delivery) as Record<string, any>;
    delivered.delivery.smtpResponse = '';
    expect(events(delivered)[0]).toMatchObject({ eventType: 'delivered', mtaResponse: '' });
    const clicked = clone(click) as Record<string, any>;
    clicked.click.userAgent = '';
    expect(events(clicked)[0]).toMatchObject({ eventType: 'clicked', userAgent: '' });
  });
});
