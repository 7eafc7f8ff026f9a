// Blind tests (written from DESIGN "The mailhooks command" receiver paragraph only).
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createFanoutSink, type EmailTrackingContext } from '../../src/index.js';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver.js';
import { context as acmeContext, SECRET_A, SECRET_B } from './delivery-helpers.js';

const context = (overrides: Partial<EmailTrackingContext> = {}) =>
  acmeContext({
    eventType: 'complained',
    messageId: 'msg-9',
    recipient: 'bob@example.com',
    timestamp: new Date('2026-03-04T05:06:07.089Z'),
    espName: 'resend',
    rawEvent: { type: 'email.complained' },
    eventId: 'evt-9',
    rejectCategory: 'spam',
    ...overrides,
  });

async function fanoutRequest(
  secret = SECRET_A,
): Promise<{ url: string; headers: Headers; body: string }> {
  let captured: { url: string; headers: Headers; body: string } | undefined;
  const sink = createFanoutSink({
    endpoints: [{ url: 'https://app.example.com/hooks', secret }],
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = new Request(input, init);
      captured = { url: request.url, headers: request.headers, body: await request.text() };
      return new Response(null, { status: 204 });
    }) as typeof fetch,
  });
  await sink.send([context()]);
  if (!captured) throw new Error('nothing sent');
  return captured;
}

function rebuild(
  c: { url: string; headers: Headers; body: string },
  headers: Record<string, string | null> = {},
  body?: string,
) {
  const h = new Headers(c.headers);
  for (const [k, v] of Object.entries(headers)) {
    if (v === null) h.delete(k);
    else h.set(k, v);
  }
  return new Request(c.url, { method: 'POST', headers: h, body: body ?? c.body });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError & { reason: string }).reason;
  }
  throw new Error('expected a WebhookVerificationError');
}

function signed(secret: string, body: string, at: Date, id = 'msg_1') {
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  };
  const signature = new Webhook(secret).sign(id, at, body);
  return new Request('https://app.example.com/hooks', {
    method: 'POST',
    headers: { ...headers, 'webhook-signature': signature, 'content-type': 'application/json' },
    body,
  });
}

describe('verifyTrackingWebhook', () => {
  it('verifies what the fan-out sent and returns the context with a Date timestamp', async () => {
    const sent = await fanoutRequest();
    const got = await verifyTrackingWebhook(rebuild(sent), SECRET_A);
    expect(got.timestamp).toBeInstanceOf(Date);
    expect(got.timestamp.toISOString()).toBe('2026-03-04T05:06:07.089Z');
    expect(got).toMatchObject({
      eventType: 'complained',
      recipient: 'bob@example.com',
      eventId: 'evt-9',
      rejectCategory: 'spam',
      espName: 'resend',
    });
  });

  it('accepts a list of secrets (rotation)', async () => {
    const sent = await fanoutRequest(SECRET_B);
    const got = await verifyTrackingWebhook(rebuild(sent), [SECRET_A, SECRET_B]);
    expect(got.recipient).toBe('bob@example.com');
  });

  it('accepts any of several signatures', async () => {
    const sent = await fanoutRequest();
    const sig = sent.headers.get('webhook-signature') as string;
    const got = await verifyTrackingWebhook(
      rebuild(sent, {
        'webhook-signature': `v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= ${sig}`,
      }),
      SECRET_A,
    );
    expect(got.eventId).toBe('evt-9');
  });

  it('refuses a changed body with signature-invalid', async () => {
    const sent = await fanoutRequest();
    const changed = sent.body.replace('bob@example.com', 'eve@example.com');
    expect(await reasonOf(verifyTrackingWebhook(rebuild(sent, {}, changed), SECRET_A))).toBe(
      'signature-invalid',
    );
  });

  it('refuses the wrong secret with signature-invalid', async () => {
    const sent = await fanoutRequest();
    expect(await reasonOf(verifyTrackingWebhook(rebuild(sent), SECRET_B))).toBe(
      'signature-invalid',
    );
  });

  it('refuses a missing signature with signature-missing', async () => {
    const sent = await fanoutRequest();
    expect(
      await reasonOf(verifyTrackingWebhook(rebuild(sent, { 'webhook-signature': null }), SECRET_A)),
    ).toBe('signature-missing');
  });

  it('refuses a timestamp older than 5 minutes with message-too-old', async () => {
    const sent = await fanoutRequest();
    const body = sent.body;
    const old = new Date(Date.now() - 6 * 60 * 1000);
    expect(await reasonOf(verifyTrackingWebhook(signed(SECRET_A, body, old), SECRET_A))).toBe(
      'message-too-old',
    );
    const fine = new Date(Date.now() - 4 * 60 * 1000);
    expect((await verifyTrackingWebhook(signed(SECRET_A, body, fine), SECRET_A)).recipient).toBe(
      'bob@example.com',
    );
  });

  it('refuses a timestamp more than 5 minutes ahead with timestamp-in-future', async () => {
    const sent = await fanoutRequest();
    const ahead = new Date(Date.now() + 6 * 60 * 1000);
    expect(
      await reasonOf(verifyTrackingWebhook(signed(SECRET_A, sent.body, ahead), SECRET_A)),
    ).toBe('timestamp-in-future');
  });

  it('refuses a non-numeric timestamp with timestamp-invalid', async () => {
    const sent = await fanoutRequest();
    expect(
      await reasonOf(
        verifyTrackingWebhook(rebuild(sent, { 'webhook-timestamp': 'soon' }), SECRET_A),
      ),
    ).toBe('timestamp-invalid');
  });

  it('refuses a correctly signed body that is not a tracking event with body-invalid', async () => {
    const body = JSON.stringify({
      type: 'email.bounced',
      timestamp: new Date().toISOString(),
      data: { nope: 1 },
    });
    expect(
      await reasonOf(verifyTrackingWebhook(signed(SECRET_A, body, new Date()), SECRET_A)),
    ).toBe('body-invalid');
  });

  it('a secret that is not a whsec_ key (unset variable) is a TypeError', async () => {
    const sent = await fanoutRequest();
    await expect(verifyTrackingWebhook(rebuild(sent), undefined as never)).rejects.toThrow(
      TypeError,
    );
  });
});
