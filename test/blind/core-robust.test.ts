// Blind tests: malformed envelopes and certificates answer 4xx naming what was wrong, never 500.
import { describe, expect, it } from 'vitest';
import { bounce, CERT_URL, envelope, ses as fixture, make, post, TOPIC } from './core-helpers.js';

describe('malformed envelope fields are 4xx', () => {
  for (const [label, over] of [
    ['Signature not base64', { Signature: '!!!not base64!!!' }],
    ['Signature a number', { Signature: 42 }],
    ['SigningCertURL a number', { SigningCertURL: 7 }],
    ['SigningCertURL not a URL', { SigningCertURL: 'not a url' }],
    ['Message an object', { Message: { eventType: 'Bounce' } }],
    ['Timestamp absent', { Timestamp: undefined }],
    ['Timestamp a number', { Timestamp: 1700000000 }],
    ['TopicArn malformed', { TopicArn: 'arn:aws:sns' }],
    ['TopicArn absent', { TopicArn: undefined }],
    ['Message absent', { Message: undefined }],
  ] as const) {
    it(`${label}: 4xx JSON naming a reason`, async () => {
      const { h, events } = make({ allowAnyTopic: true });
      const env = { ...envelope(bounce()), ...over };
      const res = await h(post(env));
      expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.status, label).toBeLessThan(500);
      const body = await res.json();
      expect(body.ok).toBe(false);
      expect(typeof body.error).toBe('string');
      expect(events).toHaveLength(0);
    });
  }

  it('deeply nested JSON is a 400, not a crash', async () => {
    const { h } = make({ allowAnyTopic: true });
    const deep = `${'['.repeat(100000)}${']'.repeat(100000)}`;
    const res = await h(
      post(deep, { 'x-amz-sns-message-type': 'Notification', 'x-amz-sns-message-id': 'x' }),
    );
    expect(res.status).toBe(400);
  });

  it('a Message whose JSON nests deeply is no 500', async () => {
    const { h } = make({ allowAnyTopic: true });
    const res = await h(
      post(envelope(`{"eventType":"Bounce","x":${'['.repeat(50000)}${']'.repeat(50000)}}`)),
    );
    expect(res.status).toBeLessThan(500);
  });
});

describe('certificates that are not certificates', () => {
  for (const [label, response] of [
    [
      'garbage PEM',
      () => new Response('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
    ],
    ['an HTML page', () => new Response('<html>hi</html>')],
    ['a 404', () => new Response('no', { status: 404 })],
    ['a 403', () => new Response('no', { status: 403 })],
  ] as const) {
    it(`${label} is 403`, async () => {
      const fetcher = (async () => response()) as unknown as typeof fetch;
      const { h, events } = make({ topicArns: [TOPIC] }, { fetch: fetcher });
      const res = await h(post(envelope(bounce())));
      expect(res.status).toBe(403);
      expect(events).toHaveLength(0);
    });
  }

  it('a 503 from the certificate host is a 503', async () => {
    const fetcher = (async () => new Response('busy', { status: 503 })) as unknown as typeof fetch;
    const { h } = make({ topicArns: [TOPIC] }, { fetch: fetcher });
    expect((await h(post(envelope(bounce())))).status).toBe(503);
  });

  it('the certificate download goes through the fetch option, to the SigningCertURL', async () => {
    const { h, calls } = make({ topicArns: [TOPIC] });
    await h(post(envelope(bounce())));
    expect(calls).toEqual([CERT_URL]);
  });
});

describe('SES fields with odd values', () => {
  async function run(message: unknown) {
    const { h, events } = make({ verifySignature: false });
    const res = await h(post(envelope(message, {}, { sign: false })));
    return { status: res.status, body: await res.json(), events };
  }

  it('mail.tags with several values for one name', async () => {
    const m = fixture('event-publishing-send') as { mail: { tags: Record<string, string[]> } };
    m.mail.tags = { campaign: ['a', 'b'] };
    const r = await run(m);
    expect(r.status).toBe(200);
    // DESIGN: "as name, or name:value where the value is not true": one tag per value
    expect(r.events[0]?.tags).toEqual(['campaign:a', 'campaign:b']);
  });

  it('a Bounce without bounceSubType', async () => {
    const m = bounce() as { bounce: Record<string, unknown> };
    delete m.bounce.bounceSubType;
    const r = await run(m);
    expect(r.status).toBeLessThan(500);
    if (r.status === 200) expect(r.events[0]?.rejectReason).not.toContain('undefined');
  });

  it('a recipient address with display name is kept as sent', async () => {
    const m = fixture('event-publishing-send') as { mail: { destination: string[] } };
    m.mail.destination = ['"Jane Doe" <jane@example.com>'];
    const r = await run(m);
    expect(r.status).toBe(200);
    expect(r.events).toHaveLength(1);
  });

  it('an empty mail.destination on a Send is 200 with no events', async () => {
    const m = fixture('event-publishing-send') as { mail: { destination: string[] } };
    m.mail.destination = [];
    const r = await run(m);
    expect(r.status).toBeLessThan(500);
    expect(r.events).toHaveLength(0);
  });
});
