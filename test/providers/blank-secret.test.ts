/** A secret or key that is blank (only spaces, tabs, line breaks) stops start-up like a missing one. */
import { describe, expect, test } from 'vitest';
import { createHandlerFromEnv } from '../../src/from-env.js';
import { ConfigError, mailgun, postmark, resend, ses } from '../../src/index.js';
import { memoryLogger } from '../helpers/envelope.js';

describe('blank secrets', () => {
  test.each([
    [
      'postmark password',
      () => postmark({ password: '   ' }),
      /password must not be empty or blank/,
    ],
    ['postmark token in a list', () => postmark({ token: ['good-token', '\t'] }), /token/],
    ['mailgun signing key', () => mailgun({ signingKey: ' \n ' }), /signing key/],
    ['resend secret', () => resend({ secret: '  ' }), /signing secret/],
    ['ses secret', () => ses({ secret: ' ', topicArns: ['arn:aws:sns:us-east-1:1:t'] }), /secret/],
  ])('%s: ConfigError', (_name, make, message) => {
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(message);
  });

  test.each([
    ['MAIL_WEBHOOK_POSTMARK_PASSWORD', 'postmark'],
    ['MAIL_WEBHOOK_RESEND_SECRET', 'resend'],
    ['MAIL_WEBHOOK_MAILGUN_SIGNING_KEY', 'mailgun'],
  ])('%s of spaces stops start-up naming it', (variable, provider) => {
    const env = {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_PROVIDERS: provider,
      [variable]: '    ',
    };
    expect(() => createHandlerFromEnv(env)).toThrow(ConfigError);
    expect(() => createHandlerFromEnv(env)).toThrow(variable);
  });

  test('a _PREVIOUS of spaces beside a good secret stops start-up naming it', () => {
    const env = {
      MAIL_WEBHOOK_ENABLED: 'true',
      MAIL_WEBHOOK_PROVIDERS: 'postmark',
      MAIL_WEBHOOK_POSTMARK_PASSWORD: 'a real one',
      MAIL_WEBHOOK_POSTMARK_PASSWORD_PREVIOUS: '  ',
    };
    expect(() => createHandlerFromEnv(env)).toThrow(/MAIL_WEBHOOK_POSTMARK_PASSWORD_PREVIOUS/);
  });

  test('spaces inside a secret are still part of it', async () => {
    const handle = createHandlerFromEnv(
      {
        MAIL_WEBHOOK_ENABLED: 'true',
        MAIL_WEBHOOK_PROVIDERS: 'postmark',
        MAIL_WEBHOOK_POSTMARK_PASSWORD: ' pass word ',
        MAIL_WEBHOOK_SINKS: 'memory',
      },
      { logger: memoryLogger().logger },
    );
    const post = (password: string) =>
      handle(
        new Request('https://hooks.example/webhooks/mail/postmark', {
          method: 'POST',
          body: '{"RecordType":"Delivery","MessageID":"m","Recipient":"a@example.com","DeliveredAt":"2026-01-01T00:00:00Z"}',
          headers: { authorization: `Basic ${btoa(`u:${password}`)}` },
        }),
      );
    expect((await post('pass word')).status).toBe(403);
    expect((await post(' pass word ')).status).toBe(200);
  });
});
