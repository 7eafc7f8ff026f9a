// Blind tests of finer points in DESIGN's letter.
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  createMailWebhookHandler,
  EmailTrackingEvent,
  EventBus,
  handleMailWebhook,
  ses,
} from '../../src/index.js';
import { bounce, envelope, ses as fixture, make, post, TOPIC } from './core-helpers.js';

describe('string to sign', () => {
  it('a Timestamp without milliseconds is signed exactly as received', async () => {
    const { h, events } = make({ topicArns: [TOPIC] });
    const res = await h(post(envelope(bounce(), { Timestamp: '2026-12-31T23:59:00Z' })));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('an empty Subject is present, so it is signed', async () => {
    const { h } = make({ topicArns: [TOPIC] });
    const res = await h(post(envelope(bounce(), { Subject: '' })));
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it('a Message with non-ASCII text and a JSON surrogate pair verifies as UTF-8', async () => {
    const m = bounce() as { mail: { commonHeaders: Record<string, unknown> } };
    m.mail.commonHeaders.subject = 'Grüße 🍌';
    const env = envelope(m);
    const text = JSON.stringify(env).replace('🍌', '\\uD83C\\uDF4C');
    const { h, events } = make({ topicArns: [TOPIC] });
    const res = await h(
      post(text, {
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': env.MessageId as string,
      }),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(events).toHaveLength(1);
  });
});

describe('start-up warnings are said once', () => {
  it('verification off warns once', async () => {
    const { h, lines } = make({ verifySignature: false });
    await h(post(envelope(bounce(), {}, { sign: false })));
    await h(post(envelope(bounce(), {}, { sign: false })));
    const warns = lines.filter((l) => l.level === 'warn' && /verif|signature/i.test(l.message));
    expect(warns).toHaveLength(1);
  });

  it('no topicArns and no secret warns once', async () => {
    const { h, lines } = make({});
    await h(post(envelope(bounce())));
    await h(post(envelope(bounce())));
    const warns = lines.filter(
      (l) => l.level === 'warn' && /TOPIC_ARNS|topicArns|allowAnyTopic/.test(l.message),
    );
    expect(warns).toHaveLength(1);
  });
});

describe('headers of the SES message', () => {
  it('X-Tag and X-Metadata-* headers are matched case-insensitively, the key kept as written', async () => {
    const m = fixture('event-publishing-send') as {
      mail: { headers: { name: string; value: string }[] };
    };
    m.mail.headers.push(
      { name: 'x-tag', value: 'lower' },
      { name: 'x-metadata-OrderRef', value: 'A-9' },
    );
    const { h, events } = make({ verifySignature: false });
    await h(post(envelope(m, {}, { sign: false })));
    expect(events[0]?.tags).toContain('lower');
    expect(events[0]?.metadata).toMatchObject({ OrderRef: 'A-9' });
  });

  it('an X-Metadata header that is not a JSON object is no error', async () => {
    const m = fixture('event-publishing-send') as {
      mail: { headers: { name: string; value: string }[] };
    };
    m.mail.headers.push({ name: 'X-Metadata', value: 'not json' });
    const { h, events } = make({ verifySignature: false });
    const res = await h(post(envelope(m, {}, { sign: false })));
    expect(res.status).toBe(200);
    expect(events).toHaveLength(1);
  });
});

describe('timestamps, more forms', () => {
  async function at(value: string) {
    const m = bounce() as { bounce: Record<string, unknown> };
    m.bounce.timestamp = value;
    const { h, events } = make({ verifySignature: false });
    const res = await h(post(envelope(m, {}, { sign: false })));
    return { status: res.status, body: await res.json(), events };
  }
  it('fractions beyond milliseconds are read', async () => {
    const r = await at('2017-08-05T00:41:02.6691234Z');
    expect(r.status).toBe(200);
    expect(r.events[0]?.timestamp.toISOString()).toBe('2017-08-05T00:41:02.669Z');
  });
  it('year 10000 is refused 400', async () => {
    const r = await at('+010000-01-01T00:00:00.000Z');
    expect(r.status).toBe(400);
  });
  it('1969 is refused 400', async () => {
    const r = await at('1969-12-31T23:59:59.000Z');
    expect(r.status).toBe(400);
  });
  it('the edges 1970-01-01 and 9999-12-31 are accepted', async () => {
    expect((await at('1970-01-01T00:00:00.000Z')).status).toBe(200);
    expect((await at('9999-12-31T23:59:59.999Z')).status).toBe(200);
  });
  it('02-29 on a leap year is accepted, on another year refused', async () => {
    expect((await at('2016-02-29T00:00:00.000Z')).status).toBe(200);
    expect((await at('2017-02-29T00:00:00.000Z')).status).toBe(400);
  });
});

describe('API details', () => {
  it('subscribing with a key that is not the event key is a TypeError', () => {
    const bus = new EventBus();
    expect(() => bus.subscribe('EmailTrackingEvent' as never, () => undefined)).toThrow(TypeError);
    expect(() => bus.subscribe(undefined as never, () => undefined)).toThrow(TypeError);
  });

  it('handleMailWebhook with bad options rejects with the ConfigError', async () => {
    await expect(handleMailWebhook(post('{}'), { basePth: '/x' } as never)).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it('ses() with a misspelt key names the closest known one', () => {
    expect(() => ses({ secrt: 'x' } as never)).toThrow(/secret/);
    expect(() => ses({ allowAnyTopics: true } as never)).toThrow(/allowAnyTopic/);
  });

  it('a listener unsubscribed twice does nothing more', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const offA = bus.subscribe(EmailTrackingEvent, (c, n) => {
      seen.push('a');
      return n(c);
    });
    bus.subscribe(EmailTrackingEvent, (c, n) => {
      seen.push('b');
      return n(c);
    });
    offA();
    offA();
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
    });
    await h(post(envelope(bounce(), {}, { sign: false })));
    expect(seen).toEqual(['b']);
  });

  it('a listener that does not call next stops the chain; the answer is still 200', async () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.subscribe(EmailTrackingEvent, () => {
      seen.push('first');
    });
    bus.subscribe(EmailTrackingEvent, (c, n) => {
      seen.push('second');
      return n(c);
    });
    const h = createMailWebhookHandler({
      sinks: [bus],
      providers: [ses({ verifySignature: false })],
    });
    const res = await h(post(envelope(fixture('notification-bounce-no-dsn'), {}, { sign: false })));
    expect(res.status).toBe(200);
    expect(seen).toEqual(['first', 'first']);
  });
});

describe('SubscribeURL forms', () => {
  it('https://host?Action=... (no path) is the same URL and is confirmed', async () => {
    const url = `https://sns.us-east-1.amazonaws.com?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=tok`;
    const { h, calls } = make({ topicArns: [TOPIC], autoConfirm: true });
    const res = await h(
      post(envelope('c', { Type: 'SubscriptionConfirmation', Token: 'tok', SubscribeURL: url })),
    );
    expect(res.status, await res.clone().text()).toBe(200);
    expect(calls.some((c) => c.includes('ConfirmSubscription'))).toBe(true);
  });

  it('an http: SubscribeURL is refused', async () => {
    const url = `http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=tok`;
    const { h, calls } = make({ topicArns: [TOPIC], autoConfirm: true });
    const res = await h(
      post(envelope('c', { Type: 'SubscriptionConfirmation', Token: 'tok', SubscribeURL: url })),
    );
    expect(res.status).toBe(403);
    expect(calls.some((c) => c.includes('ConfirmSubscription'))).toBe(false);
  });
});

describe('log levels of the no-event answers', () => {
  it('the SES set-up message is logged, not as a warning; a non-SES Message is a warning', async () => {
    const setup = make({ topicArns: [TOPIC] });
    const res = await setup.h(
      post(envelope('Successfully validated SNS topic for Amazon SES event publishing.')),
    );
    expect(res.status).toBe(200);
    expect(setup.events).toHaveLength(0);
    expect(setup.lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect(setup.lines.some((l) => l.level === 'info')).toBe(true);

    const other = make({ topicArns: [TOPIC] });
    expect((await other.h(post(envelope('{"hello":"world"}')))).status).toBe(200);
    expect(other.lines.some((l) => l.level === 'warn')).toBe(true);
  });

  it('an UnsubscribeConfirmation is logged, not as a warning', async () => {
    const { h, lines } = make({ topicArns: [TOPIC] });
    const url = `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC)}&Token=tok`;
    const res = await h(
      post(envelope('bye', { Type: 'UnsubscribeConfirmation', Token: 'tok', SubscribeURL: url })),
    );
    expect(res.status).toBe(200);
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect(lines.some((l) => l.level === 'info')).toBe(true);
  });

  it('a TopicArn of another partition than the certificate host is refused', async () => {
    const topic = 'arn:aws-cn:sns:us-east-1:123456789012:ses-events';
    const { h } = make({ topicArns: [topic] });
    expect((await h(post(envelope(bounce(), { TopicArn: topic })))).status).toBe(403);
  });
});
