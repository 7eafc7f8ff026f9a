/** The signed vectors, sent as the bytes on file, accepted or refused as marked. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { answer, mailgunRequest, setup } from './helpers.js';

const DIR = new URL('../../fixtures/esps/mailgun/vectors/', import.meta.url);

interface Vector {
  readonly name: string;
  readonly body_file?: string;
  readonly body?: string;
  readonly signing_key: string;
  readonly expect_valid: boolean;
}

const { vectors } = JSON.parse(readFileSync(new URL('vectors.json', DIR), 'utf8')) as {
  vectors: Vector[];
};

describe('mailgun signature vectors', () => {
  test('the file holds the vectors the README lists', () => {
    expect(vectors).toHaveLength(15);
    expect(vectors.filter((v) => !v.expect_valid).map((v) => v.name)).toEqual([
      'delivered_wrong_key',
    ]);
  });

  for (const vector of vectors) {
    test(`${vector.name}: ${vector.expect_valid ? 'accepted' : 'refused'}`, async () => {
      const body = vector.body_file
        ? readFileSync(new URL(vector.body_file, DIR))
        : new TextEncoder().encode(vector.body ?? '');
      const { handle, events } = setup({ signingKey: vector.signing_key });
      const result = await answer(await handle(mailgunRequest(new Uint8Array(body))));
      if (vector.expect_valid) {
        // hand_computed carries `{"event":"delivered"}` only: verified, reported with no recipient.
        expect(result).toEqual({ status: 200, body: { ok: true, events: 1 } });
        expect(events).toHaveLength(1);
      } else {
        expect(result.status).toBe(403);
        expect(result.body).toMatchObject({ error: 'signature-invalid' });
        expect(events).toEqual([]);
      }
    });
  }

  test('one handler per key (no maxAgeSeconds, the default) accepts every valid vector, those whose files share a signature block included', async () => {
    const byKey = new Map<string, Vector[]>();
    for (const v of vectors.filter((v) => v.expect_valid && v.body_file)) {
      byKey.set(v.signing_key, [...(byKey.get(v.signing_key) ?? []), v]);
    }
    const answers: string[] = [];
    for (const [key, group] of byKey) {
      const { handle } = setup({ signingKey: key });
      for (const vector of group) {
        const body = readFileSync(new URL(vector.body_file ?? '', DIR));
        const { status } = await answer(await handle(mailgunRequest(new Uint8Array(body))));
        answers.push(`${vector.name} ${status}`);
      }
    }
    // symfony_clicks reuses symfony_accepted's block; two failure files reuse the permanent one.
    expect(answers).toHaveLength(13);
    expect(answers.filter((a) => !a.endsWith(' 200'))).toEqual([]);
  });

  test('the wrong-key vector verifies under the anymail key, so only the key made it fail', async () => {
    const wrong = vectors.find((v) => v.name === 'delivered_wrong_key');
    const body = readFileSync(new URL(wrong?.body_file ?? '', DIR));
    const { handle } = setup({ signingKey: 'TEST_WEBHOOK_SIGNING_KEY' });
    expect((await handle(mailgunRequest(new Uint8Array(body)))).status).toBe(200);
  });
});
