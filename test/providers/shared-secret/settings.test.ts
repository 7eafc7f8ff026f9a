/**
 * Shared-secret settings that no request could ever match stop start-up, in code and from the
 * environment, naming the setting and never repeating the secret.
 */
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../../src/from-env.js';
import {
  brevo,
  mailjet,
  type Provider,
  postmark,
  sesEventBridge,
  sparkpost,
} from '../../../src/index.js';
import { providerVariable } from '../../../src/providers/env.js';
import { configErrorOf } from '../../helpers/config-error.js';
import { memoryLogger } from '../../helpers/envelope.js';

const FACTORIES: Record<string, (options: Record<string, unknown>) => Provider> = {
  postmark,
  brevo,
  mailjet,
  sparkpost,
  'ses-eventbridge': sesEventBridge,
};

const fromEnv = (name: string, settings: Record<string, string>) =>
  createHandlerFromEnv(
    {
      MAIL_WEBHOOK_PROVIDERS: name,
      ...Object.fromEntries(
        Object.entries(settings).map(([option, value]) => [
          option.endsWith('_PREVIOUS')
            ? `${providerVariable(name, option.replace(/_PREVIOUS$/, ''))}_PREVIOUS`
            : providerVariable(name, option),
          value,
        ]),
      ),
    },
    { logger: memoryLogger().logger },
  );

for (const [name, create] of Object.entries(FACTORIES)) {
  describe(`${name}: a token no Authorization: Bearer header can carry`, () => {
    const BAD = [
      'tok en',
      's3cret-token\n',
      ' s3cret-token',
      'tok\ten',
      'nbsp\u00a0x',
      'euro\u20ac',
      'emoji\u{1f600}',
      'tok\x01en',
      'tok\x7fen',
    ];

    test.each(BAD)('token %j is a ConfigError naming token, not repeating it', (token) => {
      const error = configErrorOf(() => create({ token }));
      expect(error.setting).toBe(`${name}.token`);
      expect(error.message).not.toContain(token.trim());
      expect(configErrorOf(() => create({ token: ['good', token] })).setting).toBe(`${name}.token`);
    });

    test('from the environment, naming the variable (echo secret | wrangler secret put)', () => {
      const error = configErrorOf(() => fromEnv(name, { token: 's3cret-token\n' }));
      expect(error.setting).toBe(providerVariable(name, 'token'));
      expect(error.message).not.toContain('s3cret-token');
    });

    test('a token of visible characters (Latin-1 included) is accepted', () => {
      for (const token of ['t0ken', 'a.b-c_d~e+f/g=', 'x:y', 'caf\u00e9']) {
        expect(() => create({ token })).not.toThrow();
      }
    });
  });
}

for (const [name, create] of Object.entries(FACTORIES)) {
  describe(`${name}: a header value no header can carry`, () => {
    const BAD = [
      's3cret-value\n',
      ' s3cret-value',
      's3cret-value ',
      's3cret\r\nvalue',
      '\t',
      'euro \u20ac value',
      's3cret\x01value',
    ];

    test.each(BAD)('value %j is a ConfigError naming value, not repeating it', (value) => {
      const error = configErrorOf(() => create({ header: 'X-Hook-Key', value }));
      expect(error.setting).toBe(`${name}.value`);
      if (value.trim()) expect(error.message).not.toContain(value.trim());
      const listed = configErrorOf(() => create({ header: 'X-Hook-Key', value: ['good', value] }));
      expect(listed.setting).toBe(`${name}.value`);
    });

    test('from the environment, naming the variable (echo secret | wrangler secret put)', () => {
      const error = configErrorOf(() =>
        fromEnv(name, { header: 'X-Hook-Key', value: 's3cret-value\n' }),
      );
      expect(error.setting).toBe(providerVariable(name, 'value'));
      expect(error.message).not.toContain('s3cret-value');
    });

    test('inner spaces are part of a value a header carries: accepted, and it matches', async () => {
      const provider = create({ header: 'X-Hook-Key', value: 'Token abc  def' });
      const instance = await provider.start({
        fetch,
        now: () => new Date(),
        logger: memoryLogger().logger,
      });
      const request = (value: string) =>
        new Request('https://hooks.example.com/', {
          method: 'POST',
          headers: { 'x-hook-key': value },
        });
      expect(await instance.authenticate?.(request(' Token abc  def '))).toBeUndefined();
      expect((await instance.authenticate?.(request('Token abc def')))?.status).toBe(403);
    });

    test('a value with U+00A0 at its ends is carried as is (HTTP trims only spaces and tabs): accepted, and it matches', async () => {
      const value = '\u00a0abc\u00a0';
      const provider = create({ header: 'X-Hook-Key', value });
      const instance = await provider.start({
        fetch,
        now: () => new Date(),
        logger: memoryLogger().logger,
      });
      const request = new Request('https://hooks.example.com/', {
        method: 'POST',
        headers: { 'x-hook-key': value },
      });
      expect(await instance.authenticate?.(request)).toBeUndefined();
    });
  });
}

for (const [name, create] of Object.entries(FACTORIES)) {
  describe(`${name}: a header name no request can carry`, () => {
    // Each ends in header-name characters: the whole name is checked, not its tail.
    test.each(['X Hook-Key', ' X-Hook-Key', 'X-Hook-Key: X-Hook-Key', 'X-H\u00f6ok-Key'])(
      'header %j is a ConfigError naming header',
      (header) => {
        const error = configErrorOf(() => create({ header, value: 's3cret-value' }));
        expect(error.setting).toBe(`${name}.header`);
        expect(error.detail).toMatch(/header name/);
      },
    );

    test('from the environment, naming the variable', () => {
      const error = configErrorOf(() =>
        fromEnv(name, { header: 'X Hook-Key', value: 's3cret-value' }),
      );
      expect(error.setting).toBe(providerVariable(name, 'header'));
    });

    test("a token of RFC 9110's header-name characters is accepted", () => {
      for (const header of ['X-Hook-Key', 'x_hook.key', "X!#$%&'*+^`|~1"]) {
        expect(() => create({ header, value: 's3cret-value' })).not.toThrow();
      }
    });
  });
}

for (const [name, create] of Object.entries(FACTORIES)) {
  describe(`${name}: a username HTTP Basic cannot carry`, () => {
    test('a username with a colon is a ConfigError naming username', () => {
      const error = configErrorOf(() => create({ password: 'pw', username: 'hooks:eu' }));
      expect(error.setting).toBe(`${name}.username`);
      expect(error.detail).toMatch(/colon/);
    });

    test('from the environment, naming the variable', () => {
      const error = configErrorOf(() => fromEnv(name, { password: 'pw', username: 'hooks:eu' }));
      expect(error.setting).toBe(providerVariable(name, 'username'));
    });
  });
}
