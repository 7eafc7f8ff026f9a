/** Postal RSA verification (SHA-256 and SHA-1) and parsing inside workerd (the Cloudflare Workers runtime). */
import { describe, expect, test } from 'vitest';
import sent from '../fixtures/esps/postal/docs_MessageLoaded.json' with { type: 'json' };
import messageSent from '../fixtures/esps/postal/docs_MessageSent.json' with { type: 'json' };
import vectors from '../fixtures/esps/postal/vectors/vectors.json' with { type: 'json' };
import {
  answer,
  OTHER_KEY,
  postalRequest,
  setup,
  URL_POSTAL,
} from '../providers/postal/helpers.js';

const BODY = JSON.stringify(sent);

describe('postal inside workerd', () => {
  test('MessageLoaded signed with both headers verifies and is an open', async () => {
    const { handle, events } = await setup();
    expect(await answer(await handle(await postalRequest(BODY)))).toEqual({
      status: 200,
      body: { ok: true, events: 1 },
    });
    expect(events[0]).toMatchObject({
      eventType: 'opened',
      recipient: 'test@example.com',
      eventId: '820b47a4-4dfd-42e4-ae6a-1e5bed5a33fd',
    });
  });

  test('the SHA-1 header alone verifies; a bad SHA-256 header is not rescued by it', async () => {
    const { handle } = await setup();
    expect((await handle(await postalRequest(BODY, { headers: ['SHA-1'] }))).status).toBe(200);
    const good = await postalRequest(BODY, { headers: ['SHA-1'] });
    const mixed = new Request(URL_POSTAL, {
      method: 'POST',
      body: BODY,
      headers: {
        'x-postal-signature': good.headers.get('x-postal-signature') ?? '',
        'x-postal-signature-256': good.headers.get('x-postal-signature') ?? '',
      },
    });
    expect((await handle(mixed)).status).toBe(403);
  });

  test('missing and wrong-key signatures are 403; the CI-key vector key imports', async () => {
    const { handle, events } = await setup();
    const missing = await answer(await handle(await postalRequest(BODY, { headers: [] })));
    expect([missing.status, (missing.body as { error: string }).error]).toEqual([
      403,
      'signature-missing',
    ]);
    const wrong = await handle(await postalRequest(BODY, { key: await OTHER_KEY }));
    expect(wrong.status).toBe(403);
    expect(events).toEqual([]);
    const ci = await setup({ publicKey: vectors.public_key_spki_base64 });
    expect((await ci.handle(await postalRequest(BODY))).status).toBe(403);
  });

  test("the vector signed with Postal's CI key verifies (SHA-256 and SHA-1)", async () => {
    // The vector body is docs_MessageSent.json serialized compactly, as JSON.stringify writes it.
    const body = JSON.stringify(messageSent);
    const [vector] = vectors.vectors;
    const { 'X-Postal-Signature-256': sha256, 'X-Postal-Signature': sha1 } = vector?.headers ?? {};
    for (const headers of [{ 'x-postal-signature-256': sha256 }, { 'x-postal-signature': sha1 }]) {
      const { handle, events } = await setup({ publicKey: vectors.public_key_spki_base64 });
      const request = new Request(URL_POSTAL, {
        method: 'POST',
        body,
        headers: headers as unknown as Record<string, string>,
      });
      expect((await handle(request)).status).toBe(200);
      expect(events.map((e) => e.eventType)).toEqual(['delivered']);
    }
  });
});
