import { describe, expect, test } from 'vitest';
import type { EmailTrackingContext } from '../../src/events';
import { verifyTrackingWebhook, WebhookVerificationError } from '../../src/receiver';
import { importWebhookKey, signWebhook } from '../../src/sinks/webhook-signing';
import { encodeTrackingEvent } from '../../src/wire';

const SECRET = `whsec_${btoa('receiver-test-secret-thirty-two!')}`;
const OTHER = `whsec_${btoa('receiver-other-secret-thirty-two')}`;
const NOW = new Date('2026-03-01T12:00:00Z');
const now = () => NOW;
const SECONDS = Math.floor(NOW.getTime() / 1000);

const context: EmailTrackingContext = {
  eventType: 'bounced',
  eventId: 'evt-1',
  messageId: 'msg-1',
  recipient: 'a@example.com',
  timestamp: new Date('2026-03-01T11:59:00Z'),
  espName: 'ses',
  tags: ['welcome'],
  metadata: { campaign: 'spring' },
  rejectReason: 'Permanent/General',
  description: null,
  clickUrl: null,
  userAgent: null,
  rawEvent: { any: 'thing' },
  mtaResponse: null,
  rejectCategory: 'bounced',
  permanent: true,
};

const BODY = `{"type":"email.bounced","timestamp":"2026-03-01T11:59:00.000Z","data":${encodeTrackingEvent(context)}}`;

async function signed(
  options: {
    secret?: string;
    body?: string;
    timestamp?: number;
    signatures?: (s: string) => string;
  } = {},
) {
  const body = options.body ?? BODY;
  const timestamp = options.timestamp ?? SECONDS;
  const signature = await signWebhook(
    await importWebhookKey(options.secret ?? SECRET),
    'msg_abc',
    timestamp,
    body,
  );
  return new Request('http://app.test/hooks', {
    method: 'POST',
    body,
    headers: {
      'webhook-id': 'msg_abc',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': options.signatures ? options.signatures(signature) : signature,
    },
  });
}

async function reasonOf(request: Request, secret: string | string[] = SECRET): Promise<string> {
  try {
    await verifyTrackingWebhook(request, secret, { now });
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookVerificationError);
    return (error as WebhookVerificationError).reason;
  }
}

describe('verifyTrackingWebhook', () => {
  test('returns the decoded context with a Date timestamp', async () => {
    const decoded = await verifyTrackingWebhook(await signed(), SECRET, { now });
    expect(decoded).toEqual(context);
    expect(decoded.timestamp).toBeInstanceOf(Date);
  });

  test('accepts any of several v1 signatures, and any of several secrets', async () => {
    const several = await signed({ signatures: (s) => `v2,abc v1,AAAA${s.slice(7)} ${s}` });
    expect(await reasonOf(several)).toBe('accepted');
    expect(await reasonOf(await signed({ secret: OTHER }), [SECRET, OTHER])).toBe('accepted');
  });

  test('a delivery from an older sender (no rejectCategory or permanent in data) decodes them as null', async () => {
    const { rejectCategory: _, permanent: __, ...old } = JSON.parse(encodeTrackingEvent(context));
    const body = JSON.stringify({ type: 'email.bounced', timestamp: old.timestamp, data: old });
    const decoded = await verifyTrackingWebhook(await signed({ body }), SECRET, { now });
    expect(decoded).toEqual({ ...context, rejectCategory: null, permanent: null });
  });

  test('accepts up to 5 minutes either way', async () => {
    expect(await reasonOf(await signed({ timestamp: SECONDS - 300 }))).toBe('accepted');
    expect(await reasonOf(await signed({ timestamp: SECONDS + 300 }))).toBe('accepted');
  });

  test.each([
    [
      'signature-missing',
      async () => new Request('http://app.test/', { method: 'POST', body: BODY }),
    ],
    [
      'signature-missing',
      async () => {
        const request = await signed();
        const headers = new Headers(request.headers);
        headers.delete('webhook-timestamp');
        return new Request(request, { headers });
      },
    ],
    ['signature-invalid', () => signed({ secret: OTHER })],
    [
      'signature-invalid',
      async () => new Request(await signed(), { body: BODY.replace('a@example', 'b@example') }),
    ],
    ['signature-invalid', () => signed({ signatures: () => 'v1,bm90IGEgc2lnbmF0dXJl' })],
    [
      'timestamp-invalid',
      async () => {
        const request = await signed();
        const headers = new Headers(request.headers);
        headers.set('webhook-timestamp', 'yesterday');
        return new Request(request, { headers });
      },
    ],
    ['message-too-old', () => signed({ timestamp: SECONDS - 301 })],
    ['timestamp-in-future', () => signed({ timestamp: SECONDS + 301 })],
    ['body-invalid', () => signed({ body: 'not json' })],
    [
      'body-invalid',
      () => signed({ body: '{"type":"email.bounced","data":{"eventType":"bounced"}}' }),
    ],
    ['body-invalid', () => signed({ body: BODY.replace('"email.bounced"', '"email.delivered"') })],
    // The wire event as a JSON string inside the envelope is not the fan-out's body.
    [
      'body-invalid',
      () =>
        signed({
          body: JSON.stringify({
            type: 'email.bounced',
            timestamp: '2026-03-01T11:59:00.000Z',
            data: encodeTrackingEvent(context),
          }),
        }),
    ],
  ])('refuses with reason %s', async (reason, make) => {
    expect(await reasonOf(await make())).toBe(reason);
  });

  test('an unsigned request is refused before its body is read', async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new TextEncoder().encode(BODY));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const request = new Request('http://app.test/', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await reasonOf(request)).toBe('signature-missing');
    expect(pulled).toBe(false);
    expect(request.bodyUsed).toBe(false);
  });

  test('a refusal names the reason in its message, never the secret', async () => {
    const error = await verifyTrackingWebhook(await signed({ secret: OTHER }), SECRET, {
      now,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect(error.name).toBe('WebhookVerificationError');
    expect(error.message).not.toContain(SECRET.slice(6));
  });
});

describe('verifyTrackingWebhook with a secret that is no secret', () => {
  test.each([
    ['undefined (an unset variable)', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { secret: SECRET }],
    ['a list holding undefined', [SECRET, undefined]],
  ])('%s is a TypeError that says what a secret must be', async (_, secret) => {
    const error = await verifyTrackingWebhook(await signed(), secret as unknown as string, {
      now,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/whsec_/);
  });
});

describe('the Standard Webhooks reference vector (standard-webhooks spec, Svix docs)', () => {
  const vector = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };

  test('the fan-out signs it byte for byte as the spec does', async () => {
    const key = await importWebhookKey(vector.secret);
    expect(await signWebhook(key, vector.id, vector.timestamp, vector.body)).toBe(vector.signature);
  });

  test('the receiver takes its signature (then refuses the body: it is no tracking event)', async () => {
    const request = new Request('http://app.test/hooks', {
      method: 'POST',
      body: vector.body,
      headers: {
        'webhook-id': vector.id,
        'webhook-timestamp': String(vector.timestamp),
        'webhook-signature': vector.signature,
      },
    });
    const error = await verifyTrackingWebhook(request, vector.secret, {
      now: () => new Date(vector.timestamp * 1000),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as WebhookVerificationError).reason).toBe('body-invalid');
  });
});
