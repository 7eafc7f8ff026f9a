/** SendGrid from environment variables: MAIL_WEBHOOK_PROVIDERS=sendgrid and its key variables. */
import { beforeAll, describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { configErrorOf } from '../../helpers/config-error.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { makeKey, signedRequest, type TestKey } from './harness.js';

const BODY =
  '[{"email":"r@example.com","event":"open","sg_message_id":"M.f","timestamp":1700000000}]';
const nowSeconds = () => String(Math.floor(Date.now() / 1000));

let key: TestKey;
let previous: TestKey;
beforeAll(async () => {
  [key, previous] = await Promise.all([makeKey(), makeKey()]);
});

const env = (extra: Record<string, string>) => ({
  MAIL_WEBHOOK_ENABLED: 'true',
  MAIL_WEBHOOK_PROVIDERS: 'sendgrid',
  ...extra,
});

describe('createHandlerFromEnv with sendgrid', () => {
  test('MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY verifies a signed batch', async () => {
    const { logger } = memoryLogger();
    const handle = createHandlerFromEnv(env({ MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: key.publicKey }), {
      logger,
    });
    const response = await handle(await signedRequest(key, BODY, nowSeconds()));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, events: 1 });
    expect((await handle(await signedRequest(previous, BODY, nowSeconds()))).status).toBe(403);
  });

  test('_PREVIOUS adds a second key for rotation', async () => {
    const { logger } = memoryLogger();
    const handle = createHandlerFromEnv(
      env({
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: key.publicKey,
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY_PREVIOUS: previous.publicKey,
      }),
      { logger },
    );
    expect((await handle(await signedRequest(previous, BODY, nowSeconds()))).status).toBe(200);
    expect((await handle(await signedRequest(key, BODY, nowSeconds()))).status).toBe(200);
  });

  test('MAIL_WEBHOOK_SENDGRID_MAX_AGE_SECONDS is read', async () => {
    const { logger } = memoryLogger();
    const handle = createHandlerFromEnv(
      env({
        MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: key.publicKey,
        MAIL_WEBHOOK_SENDGRID_MAX_AGE_SECONDS: '10',
      }),
      { logger },
    );
    const stale = String(Math.floor(Date.now() / 1000) - 60);
    const response = await handle(await signedRequest(key, BODY, stale));
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: 'message-too-old' });
  });

  test('a missing key stops start-up naming MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY', () => {
    const error = configErrorOf(() =>
      createHandlerFromEnv(env({}), { logger: memoryLogger().logger }),
    );
    expect(error.setting).toBe('MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY');
  });

  test('a key that is not a P-256 SPKI stops start-up naming the variable, without the value', () => {
    const bad = `${key.publicKey.slice(0, 40)}AAAA`;
    const error = configErrorOf(() =>
      createHandlerFromEnv(env({ MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY: bad }), {
        logger: memoryLogger().logger,
      }),
    );
    expect(error.setting).toBe('MAIL_WEBHOOK_SENDGRID_PUBLIC_KEY');
    expect(error.message).not.toContain(bad);
  });

  test('MAIL_WEBHOOK_SENDGRID_VERIFY_SIGNATURE=false runs without a key, with a warning', async () => {
    const { logger, lines } = memoryLogger();
    const handle = createHandlerFromEnv(env({ MAIL_WEBHOOK_SENDGRID_VERIFY_SIGNATURE: 'false' }), {
      logger,
    });
    const request = new Request('https://h.example/webhooks/mail/sendgrid', {
      method: 'POST',
      body: BODY,
    });
    expect((await handle(request)).status).toBe(200);
    expect(lines.some((l) => l.level === 'warn' && /OFF/.test(l.msg))).toBe(true);
  });
});
