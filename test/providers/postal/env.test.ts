/** postal from MAIL_WEBHOOK_* variables, through createHandlerFromEnv. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import * as entry from '../../../src/index.js';
import { postal, postalProvider } from '../../../src/providers/postal/index.js';
import { BUILTIN_PROVIDERS } from '../../../src/providers/registry.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { KEY, OTHER_KEY, postalRequest } from './helpers.js';

const BASE = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'postal' };
const BODY = readFileSync(
  new URL('../../fixtures/esps/postal/docs_MessageSent.json', import.meta.url),
  'utf8',
);

function fromEnv(env: Record<string, string>) {
  const { logger, lines } = memoryLogger();
  return { handle: createHandlerFromEnv({ ...BASE, ...env }, { logger }), lines };
}

describe('postal from MAIL_WEBHOOK_* variables', () => {
  test('postal is exported from the package entry and listed in the registry', () => {
    expect(entry.postal).toBe(postal);
    expect(BUILTIN_PROVIDERS).toContain(postalProvider);
  });

  test('MAIL_WEBHOOK_POSTAL_PUBLIC_KEY (+ _PREVIOUS) verifies', async () => {
    const [key, old] = [await KEY, await OTHER_KEY];
    const { handle } = fromEnv({
      MAIL_WEBHOOK_POSTAL_PUBLIC_KEY: key.publicKey,
      MAIL_WEBHOOK_POSTAL_PUBLIC_KEY_PREVIOUS: old.publicKey,
    });
    for (const k of [key, old]) {
      const response = await handle(await postalRequest(BODY, { key: k }));
      expect([response.status, await response.json()]).toEqual([200, { ok: true, events: 1 }]);
    }
    expect((await handle(await postalRequest(BODY, { headers: [] }))).status).toBe(403);
  });

  test('a missing or malformed key stops start-up, naming the variable', () => {
    expect(() => fromEnv({})).toThrow(ConfigError);
    expect(() => fromEnv({})).toThrow(/^MAIL_WEBHOOK_POSTAL_PUBLIC_KEY:/);
    expect(() => fromEnv({ MAIL_WEBHOOK_POSTAL_PUBLIC_KEY: 'abc' })).toThrow(
      /^MAIL_WEBHOOK_POSTAL_PUBLIC_KEY:/,
    );
  });

  test('a malformed key stops start-up with verification off too, naming the variable', () => {
    const env = {
      MAIL_WEBHOOK_POSTAL_VERIFY_SIGNATURE: 'false',
      MAIL_WEBHOOK_POSTAL_PUBLIC_KEY: 'abc',
    };
    expect(() => fromEnv(env)).toThrow(/^MAIL_WEBHOOK_POSTAL_PUBLIC_KEY:/);
  });

  test('MAIL_WEBHOOK_POSTAL_VERIFY_SIGNATURE=false needs no key', async () => {
    const { handle } = fromEnv({ MAIL_WEBHOOK_POSTAL_VERIFY_SIGNATURE: 'false' });
    expect((await handle(await postalRequest(BODY, { headers: [] }))).status).toBe(200);
  });
});
