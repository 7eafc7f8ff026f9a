/** The MailPace signature vectors (RFC 8032 TEST 1 key), as cases runnable under Node and workerd. */
import { expect } from 'vitest';
import delivered from '../../fixtures/esps/mailpace/anymail_delivered_event_no_tags.json' with {
  type: 'json',
};
import queued from '../../fixtures/esps/mailpace/anymail_queued_event.json' with { type: 'json' };
import spam from '../../fixtures/esps/mailpace/anymail_rejected_event_reason.json' with {
  type: 'json',
};
import vectorFile from '../../fixtures/esps/mailpace/vectors/vectors.json' with { type: 'json' };
import { answer, mailpaceHandler, URL_MAILPACE } from './helpers.js';

// The .body files are these fixtures in compact JSON, byte for byte.
const BODIES: Record<string, unknown> = {
  'queued_event.body': queued,
  'delivered_event_no_tags.body': delivered,
  'rejected_event_reason.body': spam,
};

interface Vector {
  readonly name: string;
  readonly body?: string;
  readonly body_file?: string;
  readonly public_key_base64: string;
  readonly headers: Record<string, string>;
  readonly expect_valid: boolean;
}

const bodyOf = (vector: Vector): string =>
  vector.body ?? JSON.stringify(BODIES[vector.body_file ?? ''] ?? null);

export const vectorCases = (vectorFile.vectors as Vector[]).map((vector) => ({
  name: `vector ${vector.name} is ${vector.expect_valid ? 'accepted' : 'refused with 403 signature-invalid'}`,
  async run() {
    const { handle } = mailpaceHandler({ publicKey: vector.public_key_base64 });
    const request = new Request(URL_MAILPACE, {
      method: 'POST',
      body: bodyOf(vector),
      headers: vector.headers,
    });
    const response = await handle(request);
    if (!vector.expect_valid) {
      expect([response.status, (await answer(response)).error]).toEqual([403, 'signature-invalid']);
    } else if (vector.body === '') {
      // The RFC's empty message verifies; an empty body is then not JSON.
      expect([response.status, (await answer(response)).error]).toEqual([400, 'invalid-json']);
    } else {
      expect([response.status, (await answer(response)).ok]).toEqual([200, true]);
    }
  },
}));
