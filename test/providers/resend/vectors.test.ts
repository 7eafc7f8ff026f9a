/** The published Svix / Resend signature vectors, through the handler and the verifier alone. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { isHttpError } from '../../../src/errors.js';
import { createStandardWebhooksVerifier } from '../../../src/providers/standard-webhooks.js';
import vectorFile from '../../fixtures/esps/resend/vectors/vectors.json' with { type: 'json' };
import { answer, resendHandler, URL_RESEND } from './helpers.js';

interface Vector {
  name: string;
  secret: string;
  body?: string;
  body_file?: string;
  headers: Record<string, string>;
  expect_valid: boolean;
}

const VECTORS = vectorFile.vectors as Vector[];

/** The body bytes exactly as signed (the Symfony one has CRLF line ends). */
function bodyOf(vector: Vector): Uint8Array<ArrayBuffer> {
  if (vector.body !== undefined) return new TextEncoder().encode(vector.body);
  const url = new URL(`../../fixtures/esps/resend/vectors/${vector.body_file}`, import.meta.url);
  return new Uint8Array(readFileSync(url));
}

const clockOf = (vector: Vector) => new Date(Number(vector.headers['svix-timestamp']) * 1000);

const request = (vector: Vector) =>
  new Request(URL_RESEND, { method: 'POST', body: bodyOf(vector), headers: vector.headers });

describe('Svix vectors through the Resend handler', () => {
  test.each(VECTORS.filter((v) => v.expect_valid).map((v) => [v.name, v] as const))(
    '%s is accepted with 200',
    async (_name, vector) => {
      const { handle } = resendHandler({ secret: vector.secret }, clockOf(vector));
      const response = await handle(request(vector));
      expect(response.status).toBe(200);
      expect((await answer(response)).ok).toBe(true);
    },
  );

  test.each(VECTORS.filter((v) => !v.expect_valid).map((v) => [v.name, v] as const))(
    '%s is refused with 403 signature-invalid',
    async (_name, vector) => {
      const { handle, received } = resendHandler({ secret: vector.secret }, clockOf(vector));
      const response = await handle(request(vector));
      expect(response.status).toBe(403);
      expect((await answer(response)).error).toBe('signature-invalid');
      expect(received).toEqual([]);
    },
  );

  test('the Symfony vector (a real email.sent body, CRLF) gives its event keyed by svix-id', async () => {
    const vector = VECTORS.find((v) => v.name === 'symfony_resend_email_sent') as Vector;
    const { handle, received } = resendHandler({ secret: vector.secret }, clockOf(vector));
    expect((await handle(request(vector))).status).toBe(200);
    expect(received.map((c) => [c.eventType, c.recipient, c.messageId, c.eventId])).toEqual([
      [
        'sent',
        'test@example.com',
        '172c41ce-ba6d-4281-8a7a-541faa725748',
        vector.headers['svix-id'],
      ],
    ]);
  });

  test('the Svix reference body (no type) is verified, then answered 200 with no events', async () => {
    const vector = VECTORS.find((v) => v.name === 'svix_sign_reference') as Vector;
    const { handle, received, lines } = resendHandler({ secret: vector.secret }, clockOf(vector));
    const response = await handle(request(vector));
    expect(await answer(response)).toEqual({ ok: true, events: 0 });
    expect(received).toEqual([]);
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('not a Resend event'))).toBe(
      true,
    );
  });
});

describe('the Standard Webhooks verifier on the vectors', () => {
  test.each(VECTORS.map((v) => [v.name, v] as const))(
    '%s verifies as expected',
    async (_name, vector) => {
      const verify = createStandardWebhooksVerifier({
        secrets: [vector.secret],
        maxAgeSeconds: 300,
        now: () => clockOf(vector),
      });
      const result = await verify(new Headers(vector.headers), bodyOf(vector));
      if (vector.expect_valid) {
        expect(result).toEqual({
          id: vector.headers['svix-id'],
          timestamp: Number(vector.headers['svix-timestamp']),
        });
      } else {
        expect(isHttpError(result) && result.reason).toBe('signature-invalid');
      }
    },
  );

  test('the same vectors verify under the webhook-* header names', async () => {
    const vector = VECTORS.find((v) => v.name === 'svix_sign_reference') as Vector;
    const headers = new Headers(
      Object.entries(vector.headers).map(([k, value]) => [k.replace('svix-', 'webhook-'), value]),
    );
    const verify = createStandardWebhooksVerifier({
      secrets: [vector.secret],
      maxAgeSeconds: 300,
      now: () => clockOf(vector),
    });
    expect(isHttpError(await verify(headers, bodyOf(vector)))).toBe(false);
  });

  test('a secret without the whsec_ prefix is read as base64, as in the standardwebhooks library', async () => {
    const vector = VECTORS.find((v) => v.name === 'svix_sign_reference') as Vector;
    const verify = createStandardWebhooksVerifier({
      secrets: [vector.secret.slice('whsec_'.length)],
      maxAgeSeconds: 300,
      now: () => clockOf(vector),
    });
    expect(isHttpError(await verify(new Headers(vector.headers), bodyOf(vector)))).toBe(false);
  });
});
