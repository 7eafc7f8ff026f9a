/** MailPace inside workerd: Ed25519 in the Workers runtime's WebCrypto, vectors and fresh keys. */
import { describe, expect, it, test } from 'vitest';
import delivered from '../fixtures/esps/mailpace/anymail_delivered_event_no_tags.json' with {
  type: 'json',
};
import { answer, mailpaceHandler, makeKey, signedRequest } from '../providers/mailpace/helpers.js';
import { vectorCases } from '../providers/mailpace/vector-cases.js';

describe('MailPace inside workerd', () => {
  for (const { name, run } of vectorCases) it(name, run);

  test('a body signed with a fresh key verifies; another key is 403', async () => {
    const [key, other] = await Promise.all([makeKey(), makeKey()]);
    const { handle, received } = mailpaceHandler({ publicKey: key.publicKey });
    expect(await answer(await handle(await signedRequest(key, delivered)))).toEqual({
      ok: true,
      events: 1,
    });
    expect(received[0]?.eventType).toBe('delivered');
    expect((await handle(await signedRequest(other, delivered))).status).toBe(403);
  });
});
