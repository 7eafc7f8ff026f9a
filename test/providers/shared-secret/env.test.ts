/** Brevo, Mailjet and SparkPost from MAIL_WEBHOOK_<NAME>_* variables. */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import { memoryLogger } from '../../helpers/envelope.js';
import { basic, routeOf } from '../../helpers/provider-harness.js';

const fixture = (path: string) =>
  readFileSync(new URL(`../../fixtures/esps/${path}`, import.meta.url), 'utf8');

const ESPS = [
  { name: 'brevo', prefix: 'MAIL_WEBHOOK_BREVO', body: fixture('brevo/symfony_delivered.json') },
  { name: 'mailjet', prefix: 'MAIL_WEBHOOK_MAILJET', body: fixture('mailjet/symfony_sent.json') },
  {
    name: 'sparkpost',
    prefix: 'MAIL_WEBHOOK_SPARKPOST',
    body: fixture('sparkpost/anymail_delivery_event.json'),
  },
];

for (const { name, prefix, body } of ESPS) {
  const fromEnv = (env: Record<string, string>) => {
    const { logger, lines } = memoryLogger();
    const all = { MAIL_WEBHOOK_ENABLED: 'true', MAIL_WEBHOOK_PROVIDERS: name, ...env };
    return { handle: createHandlerFromEnv(all, { logger }), lines };
  };
  const post = (handle: (r: Request) => Promise<Response>, headers: Record<string, string>) =>
    handle(new Request(routeOf(name), { method: 'POST', body, headers })).then((r) => r.status);

  describe(`${name} from the environment`, () => {
    test(`${prefix}_PASSWORD and _PREVIOUS guard the route`, async () => {
      const { handle, lines } = fromEnv({
        [`${prefix}_PASSWORD`]: 'new',
        [`${prefix}_PASSWORD_PREVIOUS`]: 'old',
      });
      const statuses = [];
      for (const password of ['new', 'old', 'other']) {
        statuses.push(await post(handle, { authorization: basic(name, password) }));
      }
      expect(statuses).toEqual([200, 200, 403]);
      expect(await post(handle, {})).toBe(401);
      expect(lines.some((l) => l.msg === 'event' && l.fields.esp === name)).toBe(true);
    });

    test(`${prefix}_TOKEN, and _HEADER with _VALUE`, async () => {
      const { handle } = fromEnv({
        [`${prefix}_TOKEN`]: 'tk',
        [`${prefix}_HEADER`]: 'X-Hook-Key',
        [`${prefix}_VALUE`]: 'hv',
      });
      expect(await post(handle, { authorization: 'Bearer tk' })).toBe(200);
      expect(await post(handle, { 'x-hook-key': 'hv' })).toBe(200);
      expect(await post(handle, { 'x-hook-key': 'no' })).toBe(403);
    });

    test(`${prefix}_USERNAME pins the user name`, async () => {
      const { handle } = fromEnv({ [`${prefix}_PASSWORD`]: 'pw', [`${prefix}_USERNAME`]: 'u1' });
      expect(await post(handle, { authorization: basic('u2', 'pw') })).toBe(403);
      expect(await post(handle, { authorization: basic('u1', 'pw') })).toBe(200);
    });

    test(`without a credential, start-up stops naming ${prefix}_PASSWORD`, () => {
      try {
        fromEnv({});
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).setting).toBe(`${prefix}_PASSWORD`);
      }
    });

    test('a value without its header names the header variable, never the secret', () => {
      expect(() => fromEnv({ [`${prefix}_VALUE`]: 'very-secret-value' })).toThrow(
        new RegExp(`^${prefix}_HEADER:`),
      );
      try {
        fromEnv({ [`${prefix}_VALUE`]: 'very-secret-value' });
      } catch (error) {
        expect((error as Error).message).not.toContain('very-secret-value');
      }
    });

    test(`${prefix}_VERIFY_SIGNATURE=false runs without a credential, with a warning`, async () => {
      const { handle, lines } = fromEnv({ [`${prefix}_VERIFY_SIGNATURE`]: 'false' });
      expect(await post(handle, {})).toBe(200);
      expect(lines.some((l) => l.level === 'warn' && /OFF/.test(l.msg))).toBe(true);
    });
  });
}
