import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { createKeyCache } from '../../src/providers/ses/sns/key-cache.js';
import { createSigner, generateSigningKeys, serveCertificates } from '../helpers/signing.js';

/** Three served certificate URLs, and a cache that keeps two of them. */
async function _twoKept() {
  const keys = await generateSigningKeys();
  const signers = await Promise.all([1, 2, 3].map(() => createSigner({ keys })));
  const fetch = serveCertificates(Object.fromEntries(signers.map((s) => [s.certUrl, s.certPem])));
  const cache = createKeyCache({ fetch, logger: silentLogger, maxEntries: 2 });
  const [a, b, c] = signers.map((s) => s.certUrl) as [string, string, string];
  const kept = () => [cache.has(a), cache.has(b), cache.has(c)];
  return { cache, fetch, kept, a, b, c };
}

describe('certificate cache', () => {
  it('drops the least recently used certificate, not the first downloaded', async () => {
    const { cache, fetch, kept, a, b, c } = await _twoKept();
    await cache(a);
    await cache(b);
    // a used again, twice in a row: b is now the least recently used.
    await cache(a);
    await cache(a);
    await cache(c);
    expect(kept()).toEqual([true, false, true]);
    // c, just downloaded, came after a; a used again comes after c, so b drops c.
    await cache(a);
    await cache(b);
    expect(kept()).toEqual([true, true, false]);
    expect(fetch.calls).toEqual([a, b, c, b]);
  });

  it('counts a use of each certificate in turn, each moving it last', async () => {
    const { cache, kept, a, b, c } = await _twoKept();
    await cache(a);
    await cache(b);
    await cache(a);
    await cache(b);
    await cache(c);
    expect(kept()).toEqual([false, true, true]);
  });

  it('downloads a forgotten certificate again and keeps it as the newest', async () => {
    const { cache, fetch, kept, a, b, c } = await _twoKept();
    await cache(a);
    await cache(b);
    cache.forget(b);
    await cache(b);
    await cache(a);
    await cache(b);
    await cache(c);
    expect(kept()).toEqual([false, true, true]);
    expect(fetch.calls).toEqual([a, b, b, c]);
  });
});
