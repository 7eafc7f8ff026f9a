/** mailgun from MAIL_WEBHOOK_* variables, through createHandlerFromEnv. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import * as entry from '../../../src/index.js';
import { mailgun, mailgunProvider } from '../../../src/providers/mailgun/index.js';
import { BUILTIN_PROVIDERS } from '../../../src/providers/registry.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { mailgunRequest, OTHER_KEY, resign, TEST_KEY } from './helpers.js';

const BASE = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'mailgun' };
const EVENT = {
  'event-data': {
    event: 'delivered',
    id: 'env-1',
    recipient: 'a@example.com',
    timestamp: 1700000000,
  },
};
const nowSeconds = () => String(Math.floor(Date.now() / 1000));

function fromEnv(env: Record<string, string>) {
  const { logger, lines } = memoryLogger();
  return { handle: createHandlerFromEnv({ ...BASE, ...env }, { logger }), lines };
}

describe('mailgun from MAIL_WEBHOOK_* variables', () => {
  test('mailgun is exported from the package entry and listed in the registry', () => {
    expect(entry.mailgun).toBe(mailgun);
    expect(BUILTIN_PROVIDERS).toContain(mailgunProvider);
  });

  test('MAIL_WEBHOOK_MAILGUN_SIGNING_KEY verifies; another key is 403', async () => {
    const { handle, lines } = fromEnv({ MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: TEST_KEY });
    const ok = await handle(mailgunRequest(await resign(EVENT)));
    expect([ok.status, await ok.json()]).toEqual([200, { ok: true, events: 1 }]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'event',
        fields: expect.objectContaining({ esp: 'mailgun' }),
      }),
    );
    const wrong = await handle(mailgunRequest(await resign(EVENT, { key: OTHER_KEY })));
    expect(wrong.status).toBe(403);
    expect(lines.filter((l) => l.msg.includes('unknown variable'))).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain(TEST_KEY);
  });

  test('MAIL_WEBHOOK_MAILGUN_SIGNING_KEY_PREVIOUS keeps the old key working', async () => {
    const { handle } = fromEnv({
      MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: TEST_KEY,
      MAIL_WEBHOOK_MAILGUN_SIGNING_KEY_PREVIOUS: OTHER_KEY,
    });
    for (const key of [TEST_KEY, OTHER_KEY]) {
      expect((await handle(mailgunRequest(await resign(EVENT, { key })))).status).toBe(200);
    }
  });

  test('MAIL_WEBHOOK_MAILGUN_MAX_AGE_SECONDS turns the age rule on', async () => {
    const { handle } = fromEnv({
      MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: TEST_KEY,
      MAIL_WEBHOOK_MAILGUN_MAX_AGE_SECONDS: '600',
    });
    const fresh = await handle(mailgunRequest(await resign(EVENT, { timestamp: nowSeconds() })));
    expect(fresh.status).toBe(200);
    const old = await handle(mailgunRequest(await resign(EVENT, { timestamp: '1700000000' })));
    expect([old.status, ((await old.json()) as { error: string }).error]).toEqual([
      403,
      'message-too-old',
    ]);
  });

  test('without MAIL_WEBHOOK_MAILGUN_SIGNING_KEY start-up stops, naming it', () => {
    const start = () => fromEnv({});
    expect(start).toThrow(ConfigError);
    expect(start).toThrow(/^MAIL_WEBHOOK_MAILGUN_SIGNING_KEY:/);
  });

  test('MAIL_WEBHOOK_MAILGUN_VERIFY_SIGNATURE=false needs no key', async () => {
    const { handle, lines } = fromEnv({ MAIL_WEBHOOK_MAILGUN_VERIFY_SIGNATURE: 'false' });
    expect((await handle(mailgunRequest(JSON.stringify(EVENT)))).status).toBe(200);
    expect(lines.some((l) => l.level === 'warn' && l.msg.includes('OFF'))).toBe(true);
  });

  test('a bad MAIL_WEBHOOK_MAILGUN_MAX_AGE_SECONDS names the variable', () => {
    expect(() =>
      fromEnv({
        MAIL_WEBHOOK_MAILGUN_SIGNING_KEY: TEST_KEY,
        MAIL_WEBHOOK_MAILGUN_MAX_AGE_SECONDS: 'soon',
      }),
    ).toThrow(/MAIL_WEBHOOK_MAILGUN_MAX_AGE_SECONDS/);
  });
});
