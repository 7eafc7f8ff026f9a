/** SendGrid's own signed vectors (sendgrid-nodejs) through the real handler; shared by Node and workerd. */
import { expect } from 'vitest';
import vectors from '../../fixtures/esps/sendgrid/vectors/vectors.json' with { type: 'json' };
import { answer, fromBase64, makeKey, sendgridRequest, setup, signedHeaders } from './harness.js';

interface Vector {
  readonly name: string;
  readonly body_file: string;
  readonly body_base64?: string;
  readonly public_key_spki_base64: string;
  readonly headers: Record<string, string>;
  readonly expect_valid: boolean;
}

const all = vectors.vectors as Vector[];
const bodies = new Map(
  all.flatMap((v) => (v.body_base64 ? [[v.body_file, fromBase64(v.body_base64)] as const] : [])),
);

/** What each accepted vector must deliver, element by element. */
const EXPECTED: Record<
  string,
  { eventType: string; rejectCategory: string | null; permanent: boolean | null }[]
> = {
  single_event: [{ eventType: 'rejected', rejectCategory: 'bounced', permanent: true }],
  multi_event: [
    { eventType: 'queued', rejectCategory: null, permanent: null },
    { eventType: 'bounced', rejectCategory: 'blocked', permanent: false },
  ],
};

async function digest(text: string): Promise<string> {
  const hash = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  const hex = Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join('');
  return `sendgrid:${hex.slice(0, 32)}`;
}

export interface VectorCase {
  readonly name: string;
  readonly run: () => Promise<void>;
}

export const vectorCases: readonly VectorCase[] = all.map((vector) => ({
  name: `${vector.expect_valid ? 'accepts' : 'refuses'} SendGrid vector ${vector.name}`,
  async run() {
    const body = bodies.get(vector.body_file);
    if (!body) throw new Error(`no body for ${vector.body_file}`);
    const timestamp = vector.headers['X-Twilio-Email-Event-Webhook-Timestamp'] ?? '';
    // The clock stands at the vector's timestamp (the bad-timestamp one reuses its sibling's).
    const clock = /^\d+$/.test(timestamp) ? Number(timestamp) : 1600112502;
    const { handle, received } = setup({ publicKey: vector.public_key_spki_base64 }, clock);
    const result = await answer(await handle(sendgridRequest(body, vector.headers)));
    if (!vector.expect_valid) {
      // A non-numeric timestamp is refused before any signature check.
      const reason = timestamp === String(clock) ? 'signature-invalid' : 'timestamp-invalid';
      expect(result).toMatchObject({ status: 403, body: { ok: false, error: reason } });
      expect(received).toEqual([]);
      return;
    }
    const elements = JSON.parse(new TextDecoder().decode(body)) as Record<string, unknown>[];
    expect(result).toEqual({ status: 200, body: { ok: true, events: elements.length } });
    expect(
      received.map(({ eventType, rejectCategory, permanent }) => ({
        eventType,
        rejectCategory,
        permanent,
      })),
    ).toEqual(EXPECTED[vector.name]);
    for (const [i, element] of elements.entries()) {
      const context = received[i];
      expect(context?.rawEvent).toEqual(element);
      expect(context?.recipient).toBe(element.email);
      expect(context?.messageId).toBe(String(element.sg_message_id).split('.')[0]);
      expect(context?.eventId).toBe(
        await digest(
          [element.sg_message_id, element.event, element.email, element.timestamp, ''].join('\n'),
        ),
      );
    }
  },
}));

const FRESH_BODY = '[{"email":"r@example.com","event":"open","timestamp":1700000000}]\r\n';

/** The same path with a key made in this runtime: its key generation, export and DER signing. */
export const freshKeyCases: readonly VectorCase[] = [
  {
    name: 'accepts a batch signed with a P-256 key made at test time',
    async run() {
      const key = await makeKey();
      const { handle } = setup({ publicKey: key.publicKey }, 1700000000);
      const headers = await signedHeaders(key, '1700000000', FRESH_BODY);
      const result = await answer(await handle(sendgridRequest(FRESH_BODY, headers)));
      expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
    },
  },
  {
    name: 'refuses that batch tampered with, and unsigned',
    async run() {
      const key = await makeKey();
      const { handle } = setup({ publicKey: key.publicKey }, 1700000000);
      const headers = await signedHeaders(key, '1700000000', FRESH_BODY);
      const tampered = FRESH_BODY.replace('open', 'click');
      const refused = await answer(await handle(sendgridRequest(tampered, headers)));
      expect(refused).toMatchObject({ status: 403, body: { error: 'signature-invalid' } });
      const unsigned = await answer(await handle(sendgridRequest(FRESH_BODY)));
      expect(unsigned).toMatchObject({ status: 403, body: { error: 'signature-missing' } });
    },
  },
];
