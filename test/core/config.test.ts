import { describe, expect, test, vi } from 'vitest';
import { optionsFromEnv } from '../../src/env/index.js';
import { ConfigError } from '../../src/index.js';
import { sesProvider } from '../../src/providers/ses/index.js';

const settingOf = (env: Record<string, string>): string | undefined => {
  try {
    optionsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.setting;
    throw error;
  }
  return undefined;
};

describe('optionsFromEnv', () => {
  test('MAIL_WEBHOOK_ENABLED defaults to false, as in the reference', () => {
    expect(optionsFromEnv({}).enabled).toBe(false);
    expect(optionsFromEnv({ MAIL_WEBHOOK_ENABLED: 'true' }).enabled).toBe(true);
  });

  test('reads every setting', () => {
    // The SES provider is built from its variables: see the options its factory receives.
    const create = vi.spyOn(sesProvider, 'create');
    try {
      const options = optionsFromEnv({
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_BASE_PATH: '/hooks',
        MAIL_WEBHOOK_SES_SECRET: 'pw',
        MAIL_WEBHOOK_SES_TOPIC_ARNS:
          'arn:aws:sns:us-east-1:123456789012:a, arn:aws:sns:us-east-1:123456789012:b',
        MAIL_WEBHOOK_SES_AUTO_CONFIRM: 'true',
        MAIL_WEBHOOK_SES_VERIFY_SIGNATURE: 'true',
        MAIL_WEBHOOK_SES_MAX_AGE_SECONDS: '600',
        MAIL_WEBHOOK_MAX_BODY_BYTES: '2048',
      });
      expect(options).toMatchObject({ enabled: true, basePath: '/hooks', maxBodyBytes: 2048 });
      expect(options.providers?.map((p) => [p.name, p.path])).toEqual([['ses', 'ses']]);
      expect(create).toHaveBeenCalledOnce();
      expect(create.mock.calls[0]?.[0]).toEqual({
        secret: ['pw'],
        topicArns: ['arn:aws:sns:us-east-1:123456789012:a', 'arn:aws:sns:us-east-1:123456789012:b'],
        autoConfirm: true,
        verifySignature: true,
        maxAgeSeconds: 600,
      });
    } finally {
      create.mockRestore();
    }
  });

  test.each([
    [{ MAIL_WEBHOOK_ENABLED: 'sometimes' }, 'MAIL_WEBHOOK_ENABLED'],
    [{ MAIL_WEBHOOK_BASE_PATH: 'hooks' }, 'MAIL_WEBHOOK_BASE_PATH'],
    // A dot segment: requests are matched normalized, so no route under it could ever match.
    [{ MAIL_WEBHOOK_BASE_PATH: '/webhooks/../mail' }, 'MAIL_WEBHOOK_BASE_PATH'],
    [{ MAIL_WEBHOOK_BASE_PATH: '/./hooks' }, 'MAIL_WEBHOOK_BASE_PATH'],
    [{ MAIL_WEBHOOK_BASE_PATH: '/..' }, 'MAIL_WEBHOOK_BASE_PATH'],
    [{ MAIL_WEBHOOK_SES_AUTO_CONFIRM: 'true' }, 'MAIL_WEBHOOK_SES_AUTO_CONFIRM'],
    [{ MAIL_WEBHOOK_SES_TOPIC_ARNS: 'not-an-arn' }, 'MAIL_WEBHOOK_SES_TOPIC_ARNS'],
    [{ MAIL_WEBHOOK_SES_MAX_AGE_SECONDS: 'ten' }, 'MAIL_WEBHOOK_SES_MAX_AGE_SECONDS'],
    [{ MAIL_WEBHOOK_MAX_BODY_BYTES: '0' }, 'MAIL_WEBHOOK_MAX_BODY_BYTES'],
    [{ MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY: 'true' }, 'MAIL_WEBHOOK_SES_ALLOW_RAW_DELIVERY'],
  ])('%j stops start-up naming %s', (env, variable) => {
    expect(settingOf(env)).toBe(variable);
  });
});
