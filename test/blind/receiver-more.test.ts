// DESIGN / docs/receiving.md "Receiving the fan-out", beyond sinks.test.ts: the reasons a
// WebhookVerificationError names, the 5-minute window both ways, svix-* headers, key forms.
import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import { type EmailTrackingContext, encodeTrackingEvent } from '../../src/index.js';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver.js';
import { newWhsec, standardSignature } from './helpers.js';

const context: EmailTrackingContext = {
  eventType: 'complained',
  messageId: 'm-1',
  recipient: 'c@example.com',
  timestamp: new Date('2024-06-01T08:00:00.000Z'),
  espName: 'resend',
  tags: [],
  metadata: {},
  rejectReason: null,
  description: null,
  clickUrl: null,
  userAgent: null,
  rawEvent: { type: 'email.complained' },
  eventId: 'msg_abc',
  mtaResponse: null,
  rejectCategory: 'spam',
  permanent: null,
};

const payload = (data: unknown = JSON.parse(encodeTrackingEvent(context))) =>
  JSON.stringify({ type: 'email.complained', timestamp: '2024-06-01T08:00:00.000Z', data });

function request(
  secret: string,
  options: {
    body?: string;
    id?: string;
    signedId?: string;
    ts?: number | string;
    prefix?: 'webhook' | 'svix';
    signature?: string;
  } = {},
): Request {
  const body = options.body ?? payload();
  const id = options.id ?? 'msg_1';
  const ts = options.ts ?? Math.floor(Date.now() / 1000);
  const p = options.prefix ?? 'webhook';
  return new Request('https://app.example/hooks', {
    method: 'POST',
    headers: {
      [`${p}-id`]: id,
      [`${p}-timestamp`]: String(ts),
      [`${p}-signature`]:
        options.signature ?? standardSignature(secret, options.signedId ?? id, ts, body),
    },
    body,
  });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error).toBeInstanceOf(Error);
    return (error as WebhookVerificationError).reason;
  }
  throw new Error('verified, but should not have');
}

describe('verifyTrackingWebhook', () => {
  test('returns the context with a Date timestamp and every field', async () => {
    const secret = newWhsec();
    const got = await verifyTrackingWebhook(request(secret), secret);
    expect(got).toEqual(context);
    expect(got.timestamp).toBeInstanceOf(Date);
  });

  test('within 5 minutes either way is accepted', async () => {
    const secret = newWhsec();
    const now = Math.floor(Date.now() / 1000);
    for (const ts of [now - 240, now + 240]) {
      await expect(verifyTrackingWebhook(request(secret, { ts }), secret)).resolves.toMatchObject({
        recipient: 'c@example.com',
      });
    }
    expect(await reasonOf(verifyTrackingWebhook(request(secret, { ts: now - 400 }), secret))).toBe(
      'message-too-old',
    );
    expect(await reasonOf(verifyTrackingWebhook(request(secret, { ts: now + 400 }), secret))).toBe(
      'timestamp-in-future',
    );
  });

  test('a timestamp that is not a number: timestamp-invalid', async () => {
    const secret = newWhsec();
    expect(await reasonOf(verifyTrackingWebhook(request(secret, { ts: 'soon' }), secret))).toBe(
      'timestamp-invalid',
    );
  });

  test('the id is signed: another webhook-id is signature-invalid', async () => {
    const secret = newWhsec();
    expect(
      await reasonOf(
        verifyTrackingWebhook(request(secret, { id: 'msg_2', signedId: 'msg_1' }), secret),
      ),
    ).toBe('signature-invalid');
  });

  test('signed but not a tracking event: body-invalid', async () => {
    const secret = newWhsec();
    for (const body of [
      'not json',
      '{}',
      payload({ ...JSON.parse(encodeTrackingEvent(context)), eventType: 'exploded' }),
      payload({ ...JSON.parse(encodeTrackingEvent(context)), timestamp: '2024-02-30T00:00:00Z' }),
    ]) {
      expect(await reasonOf(verifyTrackingWebhook(request(secret, { body }), secret)), body).toBe(
        'body-invalid',
      );
    }
  });

  test('svix-* headers are read like webhook-*', async () => {
    const secret = newWhsec();
    const got = await verifyTrackingWebhook(request(secret, { prefix: 'svix' }), secret);
    expect(got.eventType).toBe('complained');
  });

  test('several signatures: one v1 that matches is enough, other versions are ignored', async () => {
    const secret = newWhsec();
    const ts = Math.floor(Date.now() / 1000);
    const good = standardSignature(secret, 'msg_1', ts, payload());
    const signature = `v1a,${good.slice(3)} v1,${standardSignature(newWhsec(), 'msg_1', ts, payload()).slice(3)} ${good}`;
    expect(
      (await verifyTrackingWebhook(request(secret, { ts, signature }), secret)).recipient,
    ).toBe('c@example.com');
    // The right MAC under another version is not a v1 signature.
    expect(
      await reasonOf(
        verifyTrackingWebhook(request(secret, { ts, signature: `v2,${good.slice(3)}` }), secret),
      ),
    ).toBe('signature-invalid');
  });

  test('what standardwebhooks signs, the receiver verifies', async () => {
    const secret = newWhsec();
    const body = payload();
    const ts = new Date();
    const signature = new Webhook(secret).sign('msg_x', ts, body);
    const got = await verifyTrackingWebhook(
      new Request('https://app.example/hooks', {
        method: 'POST',
        headers: {
          'webhook-id': 'msg_x',
          'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body,
      }),
      secret,
    );
    expect(got.eventId).toBe('msg_abc');
  });

  test('a list of secrets: any one; none matching is signature-invalid', async () => {
    const secret = newWhsec();
    await expect(
      verifyTrackingWebhook(request(secret), [newWhsec(), newWhsec(), secret]),
    ).resolves.toMatchObject({ eventType: 'complained' });
    expect(await reasonOf(verifyTrackingWebhook(request(secret), [newWhsec(), newWhsec()]))).toBe(
      'signature-invalid',
    );
  });

  test('no secret at all is a programming error (TypeError), not a refusal', async () => {
    const secret = newWhsec();
    await expect(verifyTrackingWebhook(request(secret), '')).rejects.toBeInstanceOf(TypeError);
    await expect(
      verifyTrackingWebhook(request(secret), undefined as unknown as string),
    ).rejects.toBeInstanceOf(TypeError);
  });
});
