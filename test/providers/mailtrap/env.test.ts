/** mailtrap from MAIL_WEBHOOK_* variables, through createHandlerFromEnv. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import * as entry from '../../../src/index.js';
import { mailtrap, mailtrapProvider } from '../../../src/providers/mailtrap/index.js';
import { BUILTIN_PROVIDERS } from '../../../src/providers/registry.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { mailtrapRequest, OTHER_SECRET, SECRET, sign } from './helpers.js';

const BASE = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'mailtrap' };
const BODY = readFileSync(
  new URL('../../fixtures/esps/mailtrap/symfony_delivery.json', import.meta.url),
  'utf8',
);

function fromEnv(env: Record<string, string>) {
  const { logger, lines } = memoryLogger();
  return { handle: createHandlerFromEnv({ ...BASE, ...env }, { logger }), lines };
}

describe('mailtrap from MAIL_WEBHOOK_* variables', () => {
  test('mailtrap is exported from the package entry and listed in the registry', () => {
    expect(entry.mailtrap).toBe(mailtrap);
    expect(BUILTIN_PROVIDERS).toContain(mailtrapProvider);
  });

  test('MAIL_WEBHOOK_MAILTRAP_SECRET verifies; _PREVIOUS keeps the old one working', async () => {
    const { handle, lines } = fromEnv({
      MAIL_WEBHOOK_MAILTRAP_SECRET: SECRET,
      MAIL_WEBHOOK_MAILTRAP_SECRET_PREVIOUS: OTHER_SECRET,
    });
    for (const secret of [SECRET, OTHER_SECRET]) {
      const response = await handle(await mailtrapRequest(BODY, await sign(BODY, secret)));
      expect([response.status, await response.json()]).toEqual([200, { ok: true, events: 1 }]);
    }
    expect((await handle(await mailtrapRequest(BODY, await sign(BODY, 'x')))).status).toBe(403);
    expect(lines.filter((l) => l.msg.includes('unknown variable'))).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  test('without MAIL_WEBHOOK_MAILTRAP_SECRET start-up stops, naming it', () => {
    const start = () => fromEnv({});
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/^MAIL_WEBHOOK_MAILTRAP_SECRET:/);
  });

  test('MAIL_WEBHOOK_MAILTRAP_VERIFY_SIGNATURE=false needs no secret', async () => {
    const { handle } = fromEnv({ MAIL_WEBHOOK_MAILTRAP_VERIFY_SIGNATURE: 'false' });
    expect((await handle(await mailtrapRequest(BODY, null))).status).toBe(200);
  });
});
