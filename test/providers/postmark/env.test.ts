import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { basic, postmarkRequest } from './helpers.js';

const DELIVERY = readFileSync(
  new URL('../../fixtures/esps/postmark/symfony_delivery.json', import.meta.url),
  'utf8',
);

const BASE = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: 'postmark' };

function fromEnv(env: Record<string, string>) {
  const { logger, lines } = memoryLogger();
  return { handle: createHandlerFromEnv({ ...BASE, ...env }, { logger }), lines };
}

function settingOf(env: Record<string, string>): string | undefined {
  try {
    fromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).setting;
  }
  return undefined;
}

describe('postmark from MAIL_WEBHOOK_* variables', () => {
  test('MAIL_WEBHOOK_POSTMARK_PASSWORD guards the route; a wrong one is 403', async () => {
    const { handle, lines } = fromEnv({ MAIL_WEBHOOK_POSTMARK_PASSWORD: 'from-env' });
    const ok = await handle(postmarkRequest(DELIVERY, { authorization: basic('pm', 'from-env') }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, events: 1 });
    expect(lines.some((l) => l.msg === 'event' && l.fields.esp === 'postmark')).toBe(true);
    const wrong = await handle(postmarkRequest(DELIVERY, { authorization: basic('pm', 'nope') }));
    expect(wrong.status).toBe(403);
    const none = await handle(postmarkRequest(DELIVERY, {}));
    expect(none.status).toBe(401);
  });

  test('_PREVIOUS keeps the old password working during rotation', async () => {
    const { handle } = fromEnv({
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'new',
      MAIL_WEBHOOK_POSTMARK_PASSWORD_PREVIOUS: 'old',
    });
    for (const password of ['new', 'old']) {
      const response = await handle(
        postmarkRequest(DELIVERY, { authorization: basic('u', password) }),
      );
      expect(response.status).toBe(200);
    }
    const stale = await handle(postmarkRequest(DELIVERY, { authorization: basic('u', 'older') }));
    expect(stale.status).toBe(403);
  });

  test('MAIL_WEBHOOK_POSTMARK_USERNAME pins the user name', async () => {
    const { handle } = fromEnv({
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'pw',
      MAIL_WEBHOOK_POSTMARK_USERNAME: 'hooks',
    });
    expect(
      (await handle(postmarkRequest(DELIVERY, { authorization: basic('x', 'pw') }))).status,
    ).toBe(403);
    expect(
      (await handle(postmarkRequest(DELIVERY, { authorization: basic('hooks', 'pw') }))).status,
    ).toBe(200);
  });

  test('header and value variables', async () => {
    const { handle } = fromEnv({
      MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Webhook-Secret',
      MAIL_WEBHOOK_POSTMARK_VALUE: 'hv',
    });
    expect((await handle(postmarkRequest(DELIVERY, { 'x-webhook-secret': 'hv' }))).status).toBe(
      200,
    );
    expect((await handle(postmarkRequest(DELIVERY, {}))).status).toBe(401);
  });

  test('without any credential, start-up stops naming MAIL_WEBHOOK_POSTMARK_PASSWORD', () => {
    expect(settingOf({})).toBe('MAIL_WEBHOOK_POSTMARK_PASSWORD');
    expect(() => fromEnv({})).toThrow(/MAIL_WEBHOOK_POSTMARK_PASSWORD: is required/);
  });

  test('a header without its value names MAIL_WEBHOOK_POSTMARK_VALUE', () => {
    expect(settingOf({ MAIL_WEBHOOK_POSTMARK_HEADER: 'X-Secret' })).toBe(
      'MAIL_WEBHOOK_POSTMARK_VALUE',
    );
  });

  test('the start-up error never repeats a secret', () => {
    try {
      fromEnv({ MAIL_WEBHOOK_POSTMARK_VALUE: 'very-secret-value' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toMatch(/^MAIL_WEBHOOK_POSTMARK_HEADER:/);
      expect((error as Error).message).not.toContain('very-secret-value');
    }
  });
});
