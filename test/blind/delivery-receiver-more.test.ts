// Blind tests: mailhooks/receiver edges.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { encodeTrackingEvent } from '../../src/index.js';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver.js';
import { context, SECRET_A, SECRET_B } from './delivery-helpers.js';

const wire = JSON.parse(
  encodeTrackingEvent(
    context({
      eventType: 'opened',
      recipient: 'r@example.com',
      espName: 'ses',
      userAgent: 'UA',
      eventId: 'e',
    }),
  ),
);
const body = JSON.stringify({ type: 'email.opened', timestamp: wire.timestamp, data: wire });

function request(headers: Record<string, string>, text = body) {
  return new Request('https://app.example.com/h', { method: 'POST', headers, body: text });
}

function signedHeaders(secret: string, at = new Date(), id = 'msg_abc', prefix = 'webhook') {
  return {
    [`${prefix}-id`]: id,
    [`${prefix}-timestamp`]: String(Math.floor(at.getTime() / 1000)),
    [`${prefix}-signature`]: new Webhook(secret).sign(id, at, body),
  };
}

async function reason(p: Promise<unknown>) {
  try {
    await p;
  } catch (error) {
    if (error instanceof WebhookVerificationError)
      return (error as unknown as { reason: string }).reason;
    throw error;
  }
  return 'accepted';
}

describe('verifyTrackingWebhook edges', () => {
  it('accepts svix-* headers as well', async () => {
    const got = await verifyTrackingWebhook(
      request(signedHeaders(SECRET_A, new Date(), 'msg_s', 'svix')),
      SECRET_A,
    );
    expect(got.userAgent).toBe('UA');
  });

  it('a v2 signature alone is not accepted', async () => {
    const headers = signedHeaders(SECRET_A);
    headers['webhook-signature'] = (headers['webhook-signature'] as string).replace('v1,', 'v2,');
    expect(await reason(verifyTrackingWebhook(request(headers), SECRET_A))).toBe(
      'signature-invalid',
    );
  });

  it('a signed body that is not JSON is body-invalid', async () => {
    const at = new Date();
    const text = 'not json';
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(SECRET_A).sign('msg_1', at, text),
    };
    expect(await reason(verifyTrackingWebhook(request(headers, text), SECRET_A))).toBe(
      'body-invalid',
    );
  });

  it('a signature made with another id does not verify (the id is signed)', async () => {
    const headers = signedHeaders(SECRET_A);
    headers['webhook-id'] = 'msg_other';
    expect(await reason(verifyTrackingWebhook(request(headers), SECRET_A))).toBe(
      'signature-invalid',
    );
  });

  it('rotation: the old secret still verifies while listed second', async () => {
    expect(
      await reason(verifyTrackingWebhook(request(signedHeaders(SECRET_B)), [SECRET_A, SECRET_B])),
    ).toBe('accepted');
  });

  it('a timestamp 4 minutes ahead is within the tolerance', async () => {
    const soon = new Date(Date.now() + 4 * 60_000);
    expect(
      await reason(verifyTrackingWebhook(request(signedHeaders(SECRET_A, soon)), SECRET_A)),
    ).toBe('accepted');
  });

  it('an empty secret list is a TypeError', async () => {
    await expect(verifyTrackingWebhook(request(signedHeaders(SECRET_A)), [])).rejects.toThrow(
      TypeError,
    );
  });
});
