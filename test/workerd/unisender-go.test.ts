/** Unisender Go inside workerd: the signed vectors (pure-JS MD5), tampering, rotation, the GET probe. */
import { describe, expect, it, test } from 'vitest';
import { unisenderGo } from '../../src/index.js';
import { harness, routeOf } from '../helpers/provider-harness.js';
import { tamperCases, vectorCases } from '../providers/unisender-go/vector-cases.js';

describe('Unisender Go inside workerd', () => {
  for (const { name, run } of [...vectorCases, ...tamperCases]) it(name, run);

  test('GET (the set-up probe) is 200 with no events', async () => {
    const { handle } = harness(unisenderGo({ apiKey: 'k' }));
    const response = await handle(new Request(routeOf('unisender-go')));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 0 });
  });
});
